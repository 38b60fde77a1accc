"""Paired comparison of ablation arms: differences per shared step, windows, and refusal of unpaired logs."""
from __future__ import annotations

import json

import pytest

from engine.research.ablation_compare import compare, main, paired, windows


def write(path, losses: dict[int, float], evals: dict[int, float] | None = None):
    rows = [{"step": s, "loss": v, "kl": v / 2} for s, v in losses.items()]
    rows += [{"step": s, "eval": {"adapter_q_acc": q}} for s, q in (evals or {}).items()]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    return path


def test_differences_are_paired_by_step(tmp_path):
    control = write(tmp_path / "control.jsonl", {s: 2.0 + (s % 3) for s in range(10, 90, 10)}, {40: 0.2})
    arm = write(tmp_path / "arm.jsonl", {s: 1.9 + (s % 3) for s in range(10, 90, 10)}, {40: 0.3})
    r = compare(control, [arm])["arms"]["arm"]
    assert r["loss_diff"] == pytest.approx([-0.1] * 8)  # batch-to-batch swings (s % 3) cancel in the pairs
    assert r["kl_diff_mean"] == pytest.approx(-0.05)
    assert r["eval"][40]["adapter_q_acc"] == [0.2, 0.3]
    assert [w["n"] for w in r["windows"]] == [2, 2, 2, 2] and r["windows"][0]["steps"] == [10, 20]


def test_windows_cover_every_step_once():
    w = windows(list(range(7)), [float(i) for i in range(7)], n=3)
    assert sum(x["n"] for x in w) == 7 and w[-1]["max"] == 6.0


def test_unpaired_logs_are_refused(tmp_path):
    a = [{"step": 1, "loss": 1.0}]
    with pytest.raises(ValueError, match="share no logged step"):
        paired(a, [{"step": 2, "loss": 1.0}])


def test_cli_writes_json_and_png(tmp_path, capsys):
    control = write(tmp_path / "control.jsonl", {10: 2.0, 20: 2.0})
    arm = write(tmp_path / "kv.jsonl", {10: 2.5, 20: 2.5})
    assert main([str(control), str(arm), "--out", str(tmp_path / "cmp")]) == 0
    assert "+0.500" in capsys.readouterr().out
    assert json.loads((tmp_path / "cmp.json").read_text())["arms"]["kv"]["windows"][0]["mean"] == pytest.approx(0.5)
    assert (tmp_path / "cmp.png").stat().st_size > 0


def test_key_picks_the_metric_that_is_paired(tmp_path, capsys):
    """An arm with an extra loss term is compared on a shared metric (here kl), not on its larger total loss."""
    control = write(tmp_path / "control.jsonl", {10: 2.0, 20: 2.0})
    arm = write(tmp_path / "aux.jsonl", {10: 3.0, 20: 3.0})
    assert compare(control, [arm])["arms"]["aux"]["loss_diff"] == pytest.approx([1.0, 1.0])
    r = compare(control, [arm], key="kl")
    assert r["key"] == "kl" and r["arms"]["aux"]["loss_diff"] == pytest.approx([0.5, 0.5])
    assert main([str(control), str(arm), "--key", "kl"]) == 0
    assert capsys.readouterr().out.startswith("kl of arm − kl of control")
