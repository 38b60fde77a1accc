"""Training curves: metrics rows are read per kind and plotted to a PNG."""
from __future__ import annotations

import json

from engine.train.metrics import read_metrics


def test_read_metrics_keeps_loss_and_eval_rows_and_skips_others(tmp_path):
    rows = [{"step": 1, "loss": 2.0, "ce": 1.0, "kl": 1.0}, {"step": 2, "loss": 1.5, "ce": 1.0, "kl": 0.5},
            {"step": 2, "eval": {"adapter_tok_acc": 0.5}}, {"step": 2, "ddp_param_checksums": [1.0, 1.0]},
            {"step": 1, "loss": 1.8, "ce": 0.9, "kl": 0.9}]  # a resumed run repeats step 1: the later row wins
    path = tmp_path / "metrics.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    train, evals = read_metrics(path)
    assert [r["step"] for r in train] == [1, 2] and train[0]["loss"] == 1.8
    assert [r["step"] for r in evals] == [2]
