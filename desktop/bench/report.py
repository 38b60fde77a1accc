"""The bench's report: machine description, the fixed-width table and the PNG of the key comparisons."""
from __future__ import annotations

import os
import platform
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

import numpy as np

from desktop.bench.config import VERSUS, BenchConfig

if TYPE_CHECKING:  # the service is built by the caller (cli.py); only its type is named here
    from desktop.service import Lorafy


# -- machine, table, plot -------------------------------------------------------------------------

def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine_info(svc: "Lorafy") -> dict:
    import onnxruntime

    from engine.core.llama_load import llama_cpp_module

    llama_cpp = llama_cpp_module()

    rt, hn = svc.runtime, svc.hypernet
    return {"date": datetime.now(timezone.utc).isoformat(timespec="seconds"), "cpu": cpu_model(), "cores": os.cpu_count(),
            "platform": platform.platform(), "python": platform.python_version(), "llama_cpp": llama_cpp.__version__,
            "onnxruntime": onnxruntime.__version__, "onnx_providers": list(hn.providers),
            "llama_gpu_offload": bool(llama_cpp.llama_supports_gpu_offload()), "n_gpu_layers": rt.config.n_gpu_layers,
            "threads": rt.config.threads(), "n_ctx": rt.n_ctx, "base": svc.spec.name, "base_file": svc.spec.path.name,
            "base_sha256": svc.spec.sha256, "hypernet": hn.bundle.name, "hypernet_step": hn.config.get("step"),
            "rank_per_chunk": hn.rank, "chunk_tokens": hn.chunk_tokens}


def config_dict(cfg: BenchConfig) -> dict:
    d = asdict(cfg)
    d["skip"] = sorted(cfg.skip)
    d["eval_set"] = str(cfg.eval_set) if cfg.eval_set else None
    return d


def fmt_value(v: float | None, unit: str) -> str:
    """A figure in its unit, short.

    >>> fmt_value(0.0423, "s"), fmt_value(2.5, "s"), fmt_value(4.05e6, "bytes"), fmt_value(0.5, "accuracy")
    ('42.3 ms', '2.50 s', '4.05 MB', '50%')
    """
    if v is None:
        return "n/a"
    if unit == "s":
        return f"{v * 1e3:.1f} ms" if v < 0.1 else f"{v * 1e3:.0f} ms" if v < 1 else f"{v:.2f} s"
    if unit == "bytes":
        return f"{v / 1e9:.2f} GB" if v >= 1e9 else f"{v / 1e6:.2f} MB" if v >= 1e6 else f"{v / 1e3:.1f} kB"
    if unit == "accuracy":
        return f"{v:.0%}"
    if unit == "files/min":
        return f"{v:.1f}/min"
    return f"{v:.2e}"


def format_table(results: dict) -> str:
    """The fixed-width report: machine line, one-time costs, then each section's rows with targets."""
    m, s = results["machine"], results["setup"]
    lines = [f"Lorafy bench  {m['date']}  {m['cpu']} ({m['cores']} cores, {m['threads']} threads)  "
             f"llama_cpp {m['llama_cpp']}, onnxruntime {m['onnxruntime']} [{', '.join(m['onnx_providers'])}]",
             f"base {m['base']} ({m['base_file']}, n_ctx {m['n_ctx']}), hypernetwork {m['hypernet']}",
             f"one-time: base check {fmt_value(s['base_check_s'], 's')}, base load {fmt_value(s['base_load_s'], 's')}, "
             f"hypernetwork session {fmt_value(s['session_create_s'], 's')}, first teach "
             f"{fmt_value(s['first_teach_s'], 's')}; ratio = ours / comparison", ""]
    head = f"  {'row':<44} {'ours':>10} {'comparison':>11} {'ratio':>8}  {'target':<18} {'ok':<5} note"
    for name, sec in results["sections"].items():
        lines.append(f"{name} — {'skipped' if sec.get('skipped') else VERSUS[name]}")
        if sec["rows"]:
            lines.append(head)
        for r in sec["rows"]:
            ratio = f"{r['ratio']:.3g}x" if r["ratio"] is not None else ""
            ok = {True: "pass", False: "FAIL", None: "-" if r["target"] else ""}[r["ok"]]
            lines.append(f"  {r['name']:<44} {fmt_value(r['ours'], r['unit']):>10} {fmt_value(r['comparison'], r['unit']):>11} "
                         f"{ratio:>8}  {r['target']:<18} {ok:<5} {r['note']}".rstrip())
        lines.append("")
    t = results["targets"]
    counts = [sum(r["ok"] is v for r in t) for v in (True, False, None)]
    lines.append(f"targets: {counts[0]} pass, {counts[1]} fail, {counts[2]} not evaluated (of {len(t)})")
    return "\n".join(lines)


def _bars(ax, title: str, labels: Sequence[str], series: Sequence[tuple[str, Sequence[float | None]]], unit: str) -> None:
    """Grouped bars on a log axis floored a decade below the smallest value, each labelled; a missing value says n/a."""
    from matplotlib.ticker import FuncFormatter, NullFormatter

    width, x = 0.8 / len(series), np.arange(len(labels))
    present = [v for _, vs in series for v in vs if v]
    for j, (name, values) in enumerate(series):
        xs = x + (j - (len(series) - 1) / 2) * width
        ax.bar(xs, [np.nan if v is None else v for v in values], width, label=name)
        for xi, v in zip(xs, values):
            text, y = ("n/a", min(present, default=1.0)) if v is None else (fmt_value(v, unit), v)
            ax.text(xi, y, text, ha="center", va="bottom", fontsize=7)
    if present:
        ax.set_yscale("log")
        ax.set_ylim(min(present) / 10, max(present) * 3)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: fmt_value(v, unit)))
    ax.yaxis.set_minor_formatter(NullFormatter())
    ax.set_xticks(x, labels, fontsize=8)
    ax.set_title(title, fontsize=9)
    if len(series) > 1:
        ax.legend(fontsize=7, loc="upper left")


def plot(results: dict, path: Path) -> Path:
    """PNG with the key comparisons: teach vs prefill, first token adapter vs in-context, hot-swap vs reload, bytes."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sec = results["sections"]
    fig, axes = plt.subplots(2, 2, figsize=(11, 7.5), dpi=110)
    panels = [(axes[0][0], "teach", _teach_panel), (axes[0][1], "question", _question_panel),
              (axes[1][0], "swap", _swap_panel), (axes[1][1], "memory", _memory_panel)]
    for ax, name, draw in panels:
        if sec[name].get("skipped"):
            ax.text(0.5, 0.5, f"{name}: skipped", ha="center", transform=ax.transAxes)
            ax.set_axis_off()
        else:
            draw(ax, sec[name]["details"])
    m = results["machine"]
    fig.suptitle(f"Lorafy bench {m['date'][:10]}: {m['base_file']}, {m['cpu']} ({m['threads']} threads)", fontsize=10)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return Path(path)


def _teach_panel(ax, d: dict) -> None:
    rows = d["by_size"]
    _bars(ax, "teach once (ours) vs one prefill of the document", [f"{r['size']} tok" for r in rows],
          [("teach + hot-load", [r["teach_s"] for r in rows]), ("llama.cpp prefill", [r["prefill_s"] for r in rows])],
          "s")


def _question_panel(ax, d: dict) -> None:
    rows = d["by_size"]
    _bars(ax, "time to first token: adapter vs document in prompt", [f"{r['size']} tok" for r in rows],
          [("adapter", [r["adapter_ttft_s"] for r in rows]), ("in-context", [r["icl_ttft_s"] for r in rows])], "s")


def _swap_panel(ax, d: dict) -> None:
    many = d["many"]
    labels = ["hot-swap", "reload"] + [f"{m['active']} active" if m["active"] else "base" for m in many]
    values = [d["swap_s"], d["reload_s"]] + [m["switch_first_s"] for m in many]
    _bars(ax, "switch + first token: hot-swap vs reload; set k active", labels, [("seconds", values)], "s")


def _memory_panel(ax, d: dict) -> None:
    rows = d["by_size"]
    _bars(ax, "adapter file vs f16 KV cache of the document", [f"{r['size']} tok" for r in rows],
          [("adapter", [r["adapter_bytes"] for r in rows]), ("KV cache", [r["kv_bytes"] for r in rows])], "bytes")


