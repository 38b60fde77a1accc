"""Compare ablation arms trained on the same batches: paired loss differences per step against a control arm.

``python -m engine.research.ablation_compare CONTROL.jsonl ARM.jsonl [ARM.jsonl ...] --out PREFIX``

Arms of ``bench/device/ablate.sh`` start from the same weights and draw record j of step s from the
same generator (seed, s, j), so the loss of arm and control at one step is measured on the same
global batch: their difference is paired, free of the batch-to-batch noise that dominates a single
curve. The table gives the mean (and range) of arm − control over windows of steps, and the held-out
evaluations both arms logged at the same steps. PREFIX.json and PREFIX.png hold the same numbers.
Needs no torch.
"""
from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path

from engine.train.metrics import read_metrics

EVAL_KEYS = ("adapter_q_acc", "adapter_tok_acc", "adapter_ce", "needle_adapter_q_acc", "skill_adapter_q_acc")


def paired(control: list[dict], arm: list[dict], key: str = "loss") -> tuple[list[int], list[float]]:
    """Steps both runs logged, and arm − control of ``key`` at each."""
    c = {r["step"]: r[key] for r in control}
    rows = [(r["step"], r[key] - c[r["step"]]) for r in arm if r["step"] in c]
    if not rows:
        raise ValueError("the arms share no logged step: were they logged on the same schedule?")
    return [s for s, _ in rows], [d for _, d in rows]


def windows(steps: list[int], diffs: list[float], n: int = 4) -> list[dict]:
    """Mean, min and max of the differences over ``n`` consecutive, equally long windows of steps."""
    size = max(1, -(-len(steps) // n))
    out = []
    for i in range(0, len(steps), size):
        d = diffs[i:i + size]
        out.append({"steps": [steps[i], steps[min(i + size, len(steps)) - 1]], "n": len(d),
                    "mean": statistics.mean(d), "min": min(d), "max": max(d)})
    return out


def compare(control_path: Path, arm_paths: list[Path], key: str = "loss") -> dict:
    """Paired differences of ``key`` per arm (``loss`` holds every term of the objective, auxiliary ones too:
    compare ``task``, ``ce`` or ``kl`` when an arm adds a term the control lacks)."""
    c_train, c_eval = read_metrics(control_path)
    c_ev = {r["step"]: r["eval"] for r in c_eval}
    arms = {}
    for path in arm_paths:
        train, evals = read_metrics(path)
        steps, loss = paired(c_train, train, key)
        _, kl = paired(c_train, train, "kl")
        arms[path.stem] = {
            "steps": steps, "loss_diff": loss, "windows": windows(steps, loss), "kl_diff_mean": statistics.mean(kl),
            "eval": {r["step"]: {k: [c_ev[r["step"]].get(k), r["eval"].get(k)] for k in EVAL_KEYS}
                     for r in evals if r["step"] in c_ev}}
    return {"control": control_path.stem, "key": key, "arms": arms}


def table(r: dict) -> str:
    first = next(iter(r["arms"].values()))["windows"]
    key = r.get("key", "loss")
    lines = [f"{key} of arm − {key} of {r['control']} on the same batches (negative = arm better)", "",
             "| arm | " + " | ".join(f"steps {w['steps'][0]}–{w['steps'][1]}" for w in first) + " | KL, all steps |",
             "| --- |" + " --- |" * (len(first) + 1)]
    for name, a in r["arms"].items():
        cells = [f"{w['mean']:+.3f} ({w['min']:+.3f} … {w['max']:+.3f})" for w in a["windows"]]
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {a['kl_diff_mean']:+.3f} |")
    lines += ["", f"held-out, teacher-forced ({r['control']} → arm) at steps both evaluated:", ""]
    for name, a in r["arms"].items():
        for s, ev in a["eval"].items():
            cells = ", ".join(f"{k} {c:.3f} → {v:.3f}" for k, (c, v) in ev.items() if c is not None and v is not None)
            lines.append(f"- {name}, step {s}: {cells}")
    return "\n".join(lines)


def plot(r: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 3.6), dpi=120)
    for name, a in r["arms"].items():
        ax.plot(a["steps"], a["loss_diff"], "o-", ms=3, label=name)
    ax.axhline(0.0, color="#888888", lw=0.8)
    ax.set_xlabel("step")
    key = r.get("key", "loss")
    ax.set_ylabel(f"{key} − {key} of {r['control']}")
    ax.set_title("Paired on the same batches (below 0: the arm is better)", fontsize=9)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m engine.research.ablation_compare", description=__doc__.splitlines()[0])
    p.add_argument("control", type=Path, help="metrics.jsonl of the control arm")
    p.add_argument("arms", type=Path, nargs="+", help="metrics.jsonl of each other arm (named by file stem)")
    p.add_argument("--out", type=Path, help="prefix: writes PREFIX.json and PREFIX.png")
    p.add_argument("--key", default="loss", help="the training metric to pair (loss, task, ce, kl; default loss)")
    args = p.parse_args(argv)
    r = compare(args.control, args.arms, args.key)
    print(table(r))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.with_suffix(".json").write_text(json.dumps(r, indent=1) + "\n")
        plot(r, args.out.with_suffix(".png"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
