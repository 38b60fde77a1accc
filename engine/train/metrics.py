"""Read a training run's metrics.jsonl (as :class:`engine.train.loop.MetricsLog` writes it) back into rows."""
from __future__ import annotations

import json
from pathlib import Path


def read_metrics(path: Path) -> tuple[list[dict], list[dict]]:
    """(train rows, eval rows) of a metrics.jsonl (other rows skipped); later rows for a repeated step win (resumed runs)."""
    train, evals = {}, {}
    for line in Path(path).read_text().splitlines():
        row = json.loads(line)
        if "eval" in row:
            evals[row["step"]] = row
        elif "loss" in row:  # other rows (e.g. DDP parameter checksums) are not plotted
            train[row["step"]] = row
    return [train[k] for k in sorted(train)], [evals[k] for k in sorted(evals)]
