"""``lorafy bench``: run every section not skipped, print the table, write JSON / PNG if asked."""
from __future__ import annotations

import argparse
import json
import logging
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

import numpy as np

from desktop.bench.config import EVAL_SET, SCHEMA_VERSION, SECTIONS, BenchConfig, Row
from desktop.bench.measure import Bench, measure_setup, timed
from desktop.bench.report import config_dict, format_table, machine_info, plot
from desktop.bench.sections import (section_ingest, section_memory, section_quality, section_question, section_swap,
                                    section_teach)
from desktop.bench.variants import section_variants

if TYPE_CHECKING:  # the service is built by the caller (cli.py); only its type is named here
    from desktop.service import Lorafy


log = logging.getLogger(__name__)


# -- command line ---------------------------------------------------------------------------------

def _csv_ints(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(x) for x in text.split(",") if x.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated token counts like 256,1024, got {text!r}") from None


def _csv_names(text: str) -> frozenset[str]:
    names = frozenset(x.strip() for x in text.split(",") if x.strip())
    if names - set(SECTIONS):
        raise argparse.ArgumentTypeError(f"unknown section(s) {sorted(names - set(SECTIONS))}; choose from {', '.join(SECTIONS)}")
    return names


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags of ``lorafy bench`` (the global --base/--hypernet/--threads/--cpu reach make_service)."""
    parser.add_argument("--quick", action="store_true", help="a smoke run (< 5 min on 2 CPU cores): sizes 256,1024, "
                        "one repeat, 3 eval documents, 10 ingested files")
    parser.add_argument("--json", type=Path, dest="json_out", metavar="OUT", help="write every figure and the machine here")
    parser.add_argument("--plot", type=Path, metavar="OUT.png", help="write a PNG of the key comparisons here")
    parser.add_argument("--sizes", type=_csv_ints, default=None,
                        help="document sizes in tokens (default 256,1024,4096,16384; with --quick 256,1024)")
    parser.add_argument("--skip", type=_csv_names, default=frozenset(), help=f"sections to leave out: {','.join(SECTIONS)}")
    parser.add_argument("--eval-set", type=Path, default=None,
                        help=f"JSONL eval set for the quality rows (default bench/data/{EVAL_SET})")


def config_from_args(args: argparse.Namespace) -> BenchConfig:
    kw: dict[str, Any] = {"skip": frozenset(args.skip)}
    if args.sizes:
        kw["sizes"] = tuple(args.sizes)
    if args.eval_set:
        kw["eval_set"] = args.eval_set
    return BenchConfig.quick(**kw) if args.quick else BenchConfig(**kw)


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, Path):
        return str(obj)
    if isinstance(obj, (np.generic,)):
        return obj.item()
    if isinstance(obj, (set, frozenset)):
        return sorted(obj)
    raise TypeError(f"{type(obj).__name__} is not JSON serialisable")


def write_json(results: dict, path: Path) -> Path:
    from engine.core.atomic import atomic_write_bytes

    return atomic_write_bytes(path, (json.dumps(results, indent=1, default=_jsonable) + "\n").encode(), mode=0o644)


def run(args: argparse.Namespace, make_service: Callable[[Path], "Lorafy"]) -> dict:
    """``lorafy bench``: measure in a scratch home (deleted afterwards), print the table, write JSON / PNG if asked."""
    cfg = config_from_args(args)
    with tempfile.TemporaryDirectory(prefix="lorafy-bench-") as tmp:
        svc = make_service(Path(tmp) / "home")
        try:
            results = measure(svc, cfg, Path(tmp))
        finally:
            svc.close()
    print(format_table(results))
    if args.json_out:
        write_json(results, args.json_out)
    if args.plot:
        plot(results, args.plot)
    return results


SECTION_FUNCS: dict[str, Callable[[Bench], tuple[list[Row], dict]]] = {
    "teach": section_teach, "question": section_question, "swap": section_swap, "memory": section_memory,
    "quality": section_quality, "ingest": section_ingest, "variants": section_variants,
}


def measure(svc: "Lorafy", cfg: BenchConfig, work: Path) -> dict:
    """Run every section not in ``cfg.skip`` on ``svc``; scratch files go under ``work``."""
    b = Bench(svc, cfg, Path(work))
    b.setup = measure_setup(b)
    sections: dict[str, dict] = {}
    for name in SECTIONS:
        if name in cfg.skip:
            sections[name] = {"skipped": True, "rows": []}
            continue
        log.info("bench section %s", name)
        seconds, (rows, details) = timed(SECTION_FUNCS[name], b)
        sections[name] = {"rows": [r.to_dict() for r in rows], "details": details, "seconds": seconds}
    svc.activate([])
    targets = [r for s in sections.values() for r in s["rows"] if r["target"]]
    return {"schema_version": SCHEMA_VERSION, "machine": machine_info(svc), "config": config_dict(cfg),
            "setup": b.setup, "sections": sections, "targets": targets}


