"""Compare two training runs on the same global batches (1 GPU vs N GPUs): throughput, loss curves, weights.

``python -m engine.research.ddp_compare RUN_1GPU RUN_NGPU --out PREFIX`` reads each run's ``metrics.jsonl`` and
``export/hypernet.safetensors`` (as ``engine.train`` writes them) and prints a table; PREFIX.json and
PREFIX.png hold the same numbers and the two loss curves. Needs no torch (numpy + safetensors).
"""
from __future__ import annotations

import argparse
import json
import statistics
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.train.metrics import read_metrics


@dataclass(frozen=True)
class Run:
    """What one run left behind."""

    world: int
    steps: list[int]
    loss: list[float]
    docs_per_sec: list[float]
    sec_per_step: list[float]
    peak_gib: float | None
    checksums: list[float]
    weights: dict[str, np.ndarray]


def load_run(path: Path) -> Run:
    rows, _ = read_metrics(path / "metrics.jsonl")
    if not rows:
        raise ValueError(f"{path}: no training rows in metrics.jsonl")
    checks = [json.loads(line) for line in (path / "metrics.jsonl").read_text().splitlines() if "ddp_param_checksums" in line]
    from safetensors.numpy import load_file

    weights = {k: v.astype(np.float64) for k, v in load_file(str(path / "export/hypernet.safetensors")).items()}
    peaks = [r["gpu_peak_gib"] for r in rows if "gpu_peak_gib" in r]
    return Run(int(rows[-1].get("world", 1)), [r["step"] for r in rows], [r["loss"] for r in rows],
               [r["docs_per_sec"] for r in rows], [r["sec_per_step"] for r in rows], max(peaks) if peaks else None,
               checks[-1]["ddp_param_checksums"] if checks else [], weights)


def steady(values: list[float], skip: int) -> float:
    """Median over the logging windows after the first ``skip`` (start-up: compilation, data workers filling up)."""
    rest = values[skip:] or values
    return statistics.median(rest)


def compare(one: Run, many: Run, skip: int = 2) -> dict:
    """The numbers of the report (pure: two runs in, a dict out)."""
    common = sorted(set(one.steps) & set(many.steps))
    l1 = dict(zip(one.steps, one.loss))
    ln = dict(zip(many.steps, many.loss))
    diffs = [ln[s] - l1[s] for s in common]
    # the 1-GPU curve's own step-to-step noise: spread of its loss around a 5-window running mean
    smooth = np.convolve(one.loss, np.ones(5) / 5, mode="same")
    noise = float(np.std(np.array(one.loss[2:-2]) - smooth[2:-2])) if len(one.loss) > 4 else float("nan")
    rel = {k: float(np.linalg.norm(many.weights[k] - one.weights[k]) / (np.linalg.norm(one.weights[k]) + 1e-12))
           for k in one.weights}  # per tensor: ‖difference‖ / ‖1-GPU weights‖ (Frobenius)
    tput1, tputn = steady(one.docs_per_sec, skip), steady(many.docs_per_sec, skip)
    return {
        "world": [one.world, many.world],
        "steps_compared": len(common),
        "docs_per_sec": [tput1, tputn],
        "speedup": tputn / tput1,
        "scaling_efficiency": tputn / tput1 / (many.world / one.world),
        "sec_per_step": [steady(one.sec_per_step, skip), steady(many.sec_per_step, skip)],
        "gpu_peak_gib_rank0": [one.peak_gib, many.peak_gib],
        "final_loss": [one.loss[-1], many.loss[-1]],
        "loss_mean_abs_diff": float(np.mean(np.abs(diffs))) if diffs else float("nan"),
        "loss_max_abs_diff": float(np.max(np.abs(diffs))) if diffs else float("nan"),
        "loss_noise_1gpu": noise,
        "loss_within_noise": bool(diffs) and float(np.mean(np.abs(diffs))) <= noise,
        "weights_max_rel_diff": max(rel.values()),
        "weights_worst_tensor": max(rel, key=rel.get),
        "rank_checksums": many.checksums,
        "ranks_identical": len(set(many.checksums)) == 1 and len(many.checksums) == many.world,
        "curves": {"steps": common, "loss_1": [l1[s] for s in common], "loss_n": [ln[s] for s in common]},
    }


def table(r: dict) -> str:
    a, b = r["world"]
    fmt = lambda x: "—" if x is None else f"{x:.4g}"  # noqa: E731
    lines = [f"| | {a} GPU | {b} GPUs | ratio |", "| --- | --- | --- | --- |",
             f"| documents / s (steady median) | {r['docs_per_sec'][0]:.1f} | {r['docs_per_sec'][1]:.1f} | {r['speedup']:.2f}x "
             f"(efficiency {r['scaling_efficiency']:.0%}) |",
             f"| seconds / step | {r['sec_per_step'][0]:.3f} | {r['sec_per_step'][1]:.3f} | "
             f"{r['sec_per_step'][1] / r['sec_per_step'][0]:.2f}x |",
             f"| peak GPU memory, rank 0 (GiB) | {fmt(r['gpu_peak_gib_rank0'][0])} | {fmt(r['gpu_peak_gib_rank0'][1])} | |",
             f"| loss at the last step | {r['final_loss'][0]:.4f} | {r['final_loss'][1]:.4f} | |",
             f"| loss difference over {r['steps_compared']} logged steps (mean / max abs) | | "
             f"{r['loss_mean_abs_diff']:.2e} / {r['loss_max_abs_diff']:.2e} | 1-GPU step noise {r['loss_noise_1gpu']:.2e} |",
             f"| weights after the run, largest per-tensor ‖Δ‖/‖W‖ | | {r['weights_max_rel_diff']:.2e} | ({r['weights_worst_tensor']}) |",
             f"| rank parameter checksums | | {', '.join(f'{c:.6f}' for c in r['rank_checksums'])} | "
             f"{'identical' if r['ranks_identical'] else 'DIFFER'} |"]
    return "\n".join(lines)


def plot(r: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    c = r["curves"]
    a, b = r["world"]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.6), dpi=120)
    ax1.plot(c["steps"], c["loss_1"], "-", color="#3e7cb1", label=f"{a} GPU")
    ax1.plot(c["steps"], c["loss_n"], "--", color="#e07a1f", label=f"{b} GPUs")
    ax1.set_xlabel("step")
    ax1.set_ylabel("training loss (global batch)")
    ax1.set_title("Same global batches, loss per step", fontsize=9)
    ax1.legend(fontsize=8)
    ax2.bar([f"{a} GPU", f"{b} GPUs"], r["docs_per_sec"], color=["#3e7cb1", "#e07a1f"])
    for i, v in enumerate(r["docs_per_sec"]):
        ax2.text(i, v, f"{v:.1f}", ha="center", va="bottom", fontsize=8)
    ax2.set_ylabel("documents / s")
    ax2.set_title(f"Throughput: {r['speedup']:.2f}x ({r['scaling_efficiency']:.0%} efficiency)", fontsize=9)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m engine.research.ddp_compare", description=__doc__.splitlines()[0])
    p.add_argument("one", type=Path, help="out_dir of the 1-GPU run")
    p.add_argument("many", type=Path, help="out_dir of the N-GPU run (same config, same global batch)")
    p.add_argument("--out", type=Path, required=True, help="prefix: writes PREFIX.json and PREFIX.png")
    p.add_argument("--skip", type=int, default=2, help="logging windows left out of the throughput median")
    p.add_argument("--note", default="", help="free text stored in the JSON (machine, config)")
    args = p.parse_args(argv)
    r = compare(load_run(args.one), load_run(args.many), args.skip)
    r["note"] = args.note
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.with_suffix(".json").write_text(json.dumps(r, indent=2) + "\n")
    plot(r, args.out.with_suffix(".png"))
    print(table(r))
    return 0 if r["ranks_identical"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
