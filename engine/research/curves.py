"""Plot a training run's metrics JSONL as a PNG: loss terms per step and held-out answer-token accuracy."""
from __future__ import annotations

import argparse
from pathlib import Path

from engine.train.metrics import read_metrics


def plot_metrics(path: Path, out: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    train, evals = read_metrics(path)
    kinds = [k for k in ("", "needle_", "skill_", "realtext_") if evals and f"{k}adapter_tok_acc" in evals[-1]["eval"]]
    fig, axes = plt.subplots(1, 1 + len(kinds), figsize=(4.2 * (1 + len(kinds)), 3.6), dpi=120, squeeze=False)
    ax1 = axes[0][0]
    steps = [r["step"] for r in train]
    for key in ("loss", "ce", "kl"):
        ax1.plot(steps, [r[key] for r in train], label=key, lw=1)
    ax1.set_xlabel("step"); ax1.set_title("training loss"); ax1.legend(); ax1.grid(alpha=0.3)
    titles = {"": "facts", "needle_": "needle", "skill_": "skills", "realtext_": "real text"}
    for ax2, kind in zip(axes[0][1:], kinds):
        for mode, color in (("adapter", "#e07a1f"), ("shuffled", "#c94f4f"), ("icl", "#3e7cb1"),
                            ("icl_adapter", "#5b8c5a"), ("base", "#9aa5b1")):
            rows = [r for r in evals if f"{kind}{mode}_tok_acc" in r["eval"]]
            if not rows:  # icl_adapter: runs from 2026-12-07 on
                continue
            ax2.plot([r["step"] for r in rows], [r["eval"][f"{kind}{mode}_tok_acc"] for r in rows], "o-", label=mode,
                     color=color, ms=3)
        ax2.set_ylim(0, 1); ax2.set_xlabel("step"); ax2.set_title(f"{titles[kind]}: held-out answer tokens", fontsize=9)
        ax2.legend(fontsize=7); ax2.grid(alpha=0.3)
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
