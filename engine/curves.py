"""Plot a training run's metrics JSONL as a PNG: loss terms per step and held-out answer-token accuracy."""
from __future__ import annotations

import argparse
import json
from pathlib import Path


def read_metrics(path: Path) -> tuple[list[dict], list[dict]]:
    """(train rows, eval rows) of a metrics.jsonl; later rows for a repeated step win (resumed runs)."""
    train, evals = {}, {}
    for line in Path(path).read_text().splitlines():
        row = json.loads(line)
        (evals if "eval" in row else train)[row["step"]] = row
    return [train[k] for k in sorted(train)], [evals[k] for k in sorted(evals)]


def plot_metrics(path: Path, out: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    train, evals = read_metrics(path)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.6), dpi=120)
    steps = [r["step"] for r in train]
    for key in ("loss", "ce", "kl"):
        ax1.plot(steps, [r[key] for r in train], label=key, lw=1)
    ax1.set_xlabel("step"); ax1.set_title("training loss"); ax1.legend(); ax1.grid(alpha=0.3)
    esteps = [r["step"] for r in evals]
    for mode, color in (("adapter", "#e07a1f"), ("icl", "#3e7cb1"), ("base", "#9aa5b1")):
        ax2.plot(esteps, [r["eval"][f"{mode}_tok_acc"] for r in evals], "o-", label=mode, color=color)
    ax2.set_ylim(0, 1); ax2.set_xlabel("step"); ax2.set_title("held-out answer-token accuracy (teacher-forced)")
    ax2.legend(); ax2.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(out)
    plt.close(fig)
    return Path(out)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("metrics", type=Path)
    p.add_argument("out", type=Path)
    args = p.parse_args(argv)
    print(plot_metrics(args.metrics, args.out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
