"""Hypernetwork checkpoints as data: safetensors weights + JSON config, optimizer state split per file (<= 16 MB each)."""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

from engine.nn.hypernet import HYPERNET_SCHEMA_VERSION, Hypernet, HypernetConfig

WEIGHTS = "hypernet.safetensors"
CONFIG = "config.json"
OPT_FILES = {"exp_avg": "optim_m.safetensors", "exp_avg_sq": "optim_v.safetensors"}
TRAINER = "trainer.json"


class CheckpointError(Exception):
    """A checkpoint is missing, from another base, or does not match the model."""


def _fsync_tree(path: Path) -> None:
    for p in [*path.iterdir(), path]:
        fd = os.open(p, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def save_hypernet(dir: Path, hypernet: Hypernet, base_sha256: str, dtype: torch.dtype = torch.float32,
                  extra: dict | None = None) -> None:
    """Write weights (in ``dtype``) and config.json into ``dir`` (created)."""
    dir.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().to("cpu", dtype if v.is_floating_point() else v.dtype).contiguous()  # tables stay integers
             for k, v in hypernet.state_dict().items()}
    save_file(state, str(dir / WEIGHTS), metadata={"schema_version": str(HYPERNET_SCHEMA_VERSION)})
    cfg = {"schema_version": HYPERNET_SCHEMA_VERSION, "hypernet": hypernet.cfg.to_dict(),
           "base_sha256": base_sha256, **(extra or {})}
    (dir / CONFIG).write_text(json.dumps(cfg, indent=2) + "\n")


def read_config(dir: Path) -> dict:
    path = Path(dir) / CONFIG
    if not path.is_file():
        raise CheckpointError(f"{path}: no hypernetwork config; train one with `lorafy train` or reinstall Lorafy")
    cfg = json.loads(path.read_text())
    if cfg.get("schema_version") != HYPERNET_SCHEMA_VERSION:
        raise CheckpointError(f"{path}: schema_version {cfg.get('schema_version')} != {HYPERNET_SCHEMA_VERSION}")
    return cfg


OPTIONAL_BUFFERS = ("in_mean", "in_std")


def load_hypernet(dir: Path, base_sha256: str | None = None) -> tuple[Hypernet, dict]:
    """Load a hypernetwork (float32) and its config; refuse one trained for another base."""
    cfg = read_config(dir)
    if base_sha256 is not None and cfg["base_sha256"] != base_sha256:
        raise CheckpointError(f"{dir}: hypernetwork was trained for base sha256 {cfg['base_sha256'][:12]}..., "
                              f"not {base_sha256[:12]}...; use its base or train one for this base")
    model = Hypernet(HypernetConfig(**cfg["hypernet"]))
    state = {k: v.float() for k, v in load_file(str(Path(dir) / WEIGHTS)).items()}
    for k in OPTIONAL_BUFFERS:  # saved before input standardisation existed: identity statistics
        state.setdefault(k, model.state_dict()[k])
    missing, unexpected = set(model.state_dict()) - set(state), set(state) - set(model.state_dict())
    if missing or unexpected:
        raise CheckpointError(f"{dir}: weights do not match the config (missing {sorted(missing)[:3]}, unexpected {sorted(unexpected)[:3]})")
    model.load_state_dict(state, strict=True)
    return model, cfg


def save_training(dir: Path, hypernet: Hypernet, optimizer: torch.optim.Optimizer, step: int,
                  base_sha256: str, train_cfg: dict) -> None:
    """Atomically replace ``dir`` with a resumable checkpoint (weights fp32, Adam moments bf16, step)."""
    dir = Path(dir)
    tmp = dir.with_name(dir.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    save_hypernet(tmp, hypernet, base_sha256, extra={"step": step})
    names = {id(p): n for n, p in hypernet.named_parameters()}
    for key, fname in OPT_FILES.items():
        tensors = {names[id(p)]: s[key].detach().to("cpu", torch.bfloat16).contiguous()  # bf16: each file <= 7 MB
                   for group in optimizer.param_groups for p in group["params"]
                   if (s := optimizer.state.get(p)) and key in s}
        save_file(tensors, str(tmp / fname))
    adam_steps = {names[id(p)]: float(s["step"]) for g in optimizer.param_groups for p in g["params"]
                  if (s := optimizer.state.get(p)) and "step" in s}
    (tmp / TRAINER).write_text(json.dumps({"step": step, "adam_steps": adam_steps, "train": train_cfg}, indent=2))
    _fsync_tree(tmp)
    old = dir.with_name(dir.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if dir.exists():
        dir.rename(old)
    tmp.rename(dir)
    shutil.rmtree(old, ignore_errors=True)


def load_training(dir: Path, hypernet: Hypernet, optimizer: torch.optim.Optimizer, base_sha256: str) -> int:
    """Restore weights and Adam state in place from ``dir``; returns the step to resume at."""
    loaded, cfg = load_hypernet(dir, base_sha256)
    if loaded.cfg != hypernet.cfg:
        raise CheckpointError(f"{dir}: hypernet config {loaded.cfg} differs from the run's {hypernet.cfg}")
    device = next(hypernet.parameters()).device
    hypernet.load_state_dict({k: v.to(device) for k, v in loaded.state_dict().items()}, strict=True)
    trainer = json.loads((Path(dir) / TRAINER).read_text())
    moments = {key: load_file(str(Path(dir) / f)) for key, f in OPT_FILES.items()}
    for name, p in hypernet.named_parameters():
        if name in trainer["adam_steps"]:
            optimizer.state[p] = {"step": torch.tensor(trainer["adam_steps"][name]),
                                  **{k: moments[k][name].to(device, torch.float32) for k in OPT_FILES}}
    return int(trainer["step"])
