"""Question-answering evaluation: run every question in every mode, score by accepted strings, summarise, plot (no torch).

Modes: ``base`` (question alone), ``icl`` (document in the prompt), ``lora``
(question alone, the document's adapter active), ``auto`` (every document
taught first; the answerer picks the adapters for each question itself) and
``all`` (every document taught first; all adapters active at once). The
caller supplies how to teach and how to answer, so the same loop measures the
user's path.

Every row also carries the *kind* of its gold answer (a number, a name, or another word; see
:func:`answer_kind`), and the summary breaks accuracy down by it: an adapter that only learned
the word lists of its training data scores on numbers and fails on every unseen name, which a
single accuracy hides (v9: 16 of 52 numbers, 0 of 44 names).
"""
from __future__ import annotations

import re
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Iterable, Sequence

MODES = ("base", "icl", "lora")  # the default set
# opt-in modes that need every record taught before the first question: auto (memories chosen per question),
# all (every memory active), passages (the best passages of the library in the prompt, no adapter), and
# passages_auto / passages_lora (those passages plus the chosen memories' / the record's own adapter)
TEACH_FIRST = ("auto", "all", "passages", "passages_auto", "passages_lora")
OWN_KEY = ("lora", "auto", "passages_lora")  # modes whose answer() gets the record's own adapter key

Teach = Callable[[str, str], str]  # (record id, document) -> adapter key
Answer = Callable[[str, str, str | None, str | None], str]  # (mode, question, document, adapter key) -> text


def is_correct(answer: str, accepted: Iterable[str]) -> bool:
    """An answer is correct when it contains any accepted string, case-insensitive.

    >>> is_correct("It is Petra.", ["petra lindqvist", "Petra"])
    True
    """
    low = answer.lower()
    return any(a.lower() in low for a in accepted if a)


def answer_kind(accepted: Sequence[str]) -> str:
    """What the gold answer is: "number" (any digit: amounts, dates, codes), "name" (capitalised) or "word".

    >>> [answer_kind(a) for a in (["1,656", "1656"], ["Krovpoth Enterprises"], ["teal"])]
    ['number', 'name', 'word']
    """
    first = next((a for a in accepted if a), "")
    if re.search(r"\d", first):
        return "number"
    return "name" if first[:1].isupper() else "word"


@dataclass(frozen=True)
class Row:
    """One question asked in one mode."""

    record: str
    question: str
    mode: str
    answer: str
    correct: bool
    seconds: float
    kind: str = ""  # answer_kind() of the gold answer


def parse_modes(text: str, valid: Sequence[str] = MODES + TEACH_FIRST) -> tuple[str, ...]:
    """Comma-separated modes -> tuple; ValueError naming the ``valid`` ones."""
    modes = tuple(m.strip() for m in text.split(",") if m.strip())
    bad = [m for m in modes if m not in valid]
    if bad or not modes:
        raise ValueError(f"unknown mode(s) {bad}; choose from {', '.join(valid)}")
    return modes


def run_eval(records: Sequence, modes: Sequence[str], teach: Teach, answer: Answer,
             on_row: Callable[[Row], None] | None = None, fits_context: Callable[[str, str], bool] | None = None) -> list[Row]:
    """Ask every question of every record in every mode; ``records`` carry .id, .document, .questions.

    ``fits_context(document, question)`` says whether the in-context prompt fits the
    base's window; when it does not, the icl row is scored wrong with answer "<too long>".
    ``answer`` gets the record's own adapter key in modes lora and auto (auto: to score its choice only).
    """
    rows: list[Row] = []
    first = [teach(rec.id, rec.document) for rec in records] if set(TEACH_FIRST) & set(modes) else None
    for n, rec in enumerate(records):
        key = first[n] if first else (teach(rec.id, rec.document) if "lora" in modes else None)
        for qa in rec.questions:
            for mode in modes:
                t0 = time.perf_counter()
                if mode == "icl" and fits_context is not None and not fits_context(rec.document, qa.question):
                    text = "<too long>"
                else:
                    text = answer(mode, qa.question, rec.document if mode == "icl" else None,
                                  key if mode in OWN_KEY else None)
                ok = text != "<too long>" and is_correct(text, qa.answers)
                row = Row(rec.id, qa.question, mode, text, ok, time.perf_counter() - t0, answer_kind(qa.answers))
                rows.append(row)
                if on_row:
                    on_row(row)
    return rows


def summarise(rows: Sequence[Row]) -> dict:
    """Accuracy and mean seconds per mode, plus counts; ``by_kind``: accuracy and count per answer kind."""
    out = {}
    for mode in dict.fromkeys(r.mode for r in rows):
        sel = [r for r in rows if r.mode == mode]
        kinds = sorted({r.kind for r in sel if r.kind})
        out[mode] = {"accuracy": sum(r.correct for r in sel) / len(sel), "n": len(sel),
                     "mean_seconds": sum(r.seconds for r in sel) / len(sel),
                     "by_kind": {k: {"accuracy": sum(r.correct for r in sel if r.kind == k) / n, "n": n}
                                 for k in kinds for n in [sum(r.kind == k for r in sel)]}}
    return out


def report(rows: Sequence[Row], meta: dict) -> dict:
    return {"summary": summarise(rows), "meta": meta, "rows": [asdict(r) for r in rows]}


def plot(summary: dict, path: Path, title: str) -> Path:
    """Bar chart of accuracy per mode (PNG); with several answer kinds, a second panel per kind."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    modes = list(summary)
    accs = [summary[m]["accuracy"] for m in modes]
    colors = ["#9aa5b1", "#3e7cb1", "#e07a1f", "#5b8c5a", "#8e6bb0"][:len(modes)]
    kinds = sorted({k for m in modes for k in summary[m].get("by_kind", {})})
    fig, axes = plt.subplots(1, 2 if len(kinds) > 1 else 1, figsize=(10 if len(kinds) > 1 else 5, 3.2), dpi=120,
                             squeeze=False)
    ax = axes[0][0]
    bars = ax.bar(modes, accs, color=colors)
    for b, a, m in zip(bars, accs, modes):
        ax.text(b.get_x() + b.get_width() / 2, a + 0.02, f"{a:.0%}\n(n={summary[m]['n']})", ha="center", fontsize=8)
    ax.set_ylim(0, 1.15)
    ax.set_ylabel("accuracy")
    ax.set_title(title, fontsize=9)
    if len(kinds) > 1:
        ax = axes[0][1]
        width = 0.8 / len(modes)
        for i, (m, c) in enumerate(zip(modes, colors)):
            vals = [summary[m]["by_kind"].get(k, {}).get("accuracy", 0.0) for k in kinds]
            ax.bar([x + i * width for x in range(len(kinds))], vals, width, color=c, label=m)
        ns = [max(summary[m]["by_kind"].get(k, {}).get("n", 0) for m in modes) for k in kinds]
        ax.set_xticks([x + width * (len(modes) - 1) / 2 for x in range(len(kinds))],
                      [f"{k} (n={n})" for k, n in zip(kinds, ns)])
        ax.set_ylim(0, 1.15)
        ax.set_title("by kind of answer", fontsize=9)
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return Path(path)
