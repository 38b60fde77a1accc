"""bench/passage_recall.py: a question counts only when its answer is written in the passages searched for it."""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def load_script():
    spec = importlib.util.spec_from_file_location("passage_recall", ROOT / "bench" / "passage_recall.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def filler(topic: str, n: int) -> str:
    return "\n\n".join(f"The {topic} paragraph {i} talks about weather, trains and lunch at noon." for i in range(n))


def test_recall_counts_answers_written_in_the_searched_passages(tmp_path):
    mod = load_script()
    records = [
        {"id": "kettle", "document": filler("kettle", 6) + "\n\nThe Kestrel kettle weighs 1.3 kg.",
         "questions": [{"question": "How much does the Kestrel kettle weigh?", "answers": ["1.3 kg"]},
                       # the answer is nowhere in the library: it can never be found
                       {"question": "Which colour is the Kestrel kettle?", "answers": ["teal"]}]},
        {"id": "ferry", "document": filler("ferry", 6) + "\n\nThe Aldwick ferry leaves at 7:40.",
         "questions": [{"question": "When does the Aldwick ferry leave?", "answers": ["7:40"]}]},
    ]
    res = mod.recall(records, 10, 20, [1, 3], tmp_path / "x.db")
    assert res["questions"] == 3
    assert res[1]["recall"] == res[3]["recall"] == 2 / 3
    assert 0 < res[1]["words"] < res[3]["words"]
    sets = tmp_path / "s.jsonl"
    sets.write_text("\n".join(json.dumps(r) for r in records))
    out = tmp_path / "r.json"
    assert mod.main([str(sets), "--sizes", "10-20,40-80", "--n", "1,2", "--json", str(out)]) == 0
    assert set(json.loads(out.read_text())["s"]) == {"10-20", "40-80"}
