"""The Lorafy service as the ``lorafy`` arguments ask for it: home folder, base, hypernetwork, threads, storage.

Shared by the command bodies (:mod:`desktop.commands`, :mod:`desktop.commands_eval`) and :mod:`desktop.cli`.
"""
from __future__ import annotations

import argparse
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator


def default_home() -> Path:
    env = os.environ.get("LORAFY_HOME")
    if env:
        return Path(env)
    from platformdirs import user_data_dir

    return Path(user_data_dir("lorafy", appauthor=False))


def compact_config(args: argparse.Namespace):
    """The CompactConfig the arguments ask for (None: full rank); defaults when the command has no such arguments."""
    from engine.core.compact import CompactConfig

    if getattr(args, "adapters", "compact") == "full":
        return None
    return CompactConfig(rank_cap=getattr(args, "rank_cap", 32), energy=getattr(args, "energy", 1.0))


def make_service(args: argparse.Namespace, home: Path | None = None):
    from desktop.service import Lorafy, ServiceConfig
    from desktop.store.passages import RetrievalConfig

    given = {k: getattr(args, k, None) for k in ("k", "min_score", "min_ratio", "n_context")}
    retrieval = RetrievalConfig(**{k: v for k, v in given.items() if v is not None})
    cfg = ServiceConfig(home=home or args.home or default_home(), base_path=args.base, hypernet_dir=args.hypernet,
                        threads=args.threads, n_gpu_layers=0 if args.cpu else -1, use_gpu=not args.cpu,
                        retrieval=retrieval, compact=compact_config(args),
                        adapter_dtype=getattr(args, "adapter_dtype", "f16"))
    return Lorafy(cfg)


@contextmanager
def service(args: argparse.Namespace, home: Path | None = None) -> Iterator:
    svc = make_service(args, home)
    try:
        yield svc
    finally:
        svc.close()
