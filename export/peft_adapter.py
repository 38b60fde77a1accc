"""Write a LoraAdapter in PEFT format (adapter_config.json + adapter_model.safetensors), no torch.

The folder loads with ``peft.PeftModel.from_pretrained(hf_llama, folder)``:
target module ``down_proj``, ``r = R`` and ``lora_alpha = scale * R`` (PEFT
scales by ``lora_alpha / r``, like llama.cpp, so the same
:func:`engine.core.lora.llama_cpp_alpha` converts). Keys, per layer i:
``base_model.model.model.layers.{i}.mlp.down_proj.lora_A.weight`` (R, d_ff) and
``...lora_B.weight`` (d_model, R). The folder appears complete or not at all.
"""
from __future__ import annotations

import json
import logging
import os
import re
import secrets
import shutil
from pathlib import Path

import numpy as np

from engine.core.adapter import AdapterError, LoraAdapter
from engine.core.adapter_file import LORAFY_PREFIX, SCHEMA_VERSION
from engine.core.atomic import atomic_write_bytes, fsync_dir
from engine.core.base import BaseSpec
from engine.core.lora import llama_cpp_alpha
from export.gguf_adapter import lorafy_meta

logger = logging.getLogger(__name__)

CONFIG_NAME = "adapter_config.json"
WEIGHTS_NAME = "adapter_model.safetensors"
TARGET_MODULE = "down_proj"
KEY_A = "base_model.model.model.layers.{i}.mlp.down_proj.lora_A.weight"  # (R, d_ff)
KEY_B = "base_model.model.model.layers.{i}.mlp.down_proj.lora_B.weight"  # (d_model, R)
OWN_FILES = frozenset({CONFIG_NAME, WEIGHTS_NAME})


def neutral_name(spec: BaseSpec) -> str:
    """A base-model name safe to publish: the GGUF's ``general.name``, never a local path.

    >>> from types import SimpleNamespace
    >>> neutral_name(SimpleNamespace(name="/home/me/SmolLM2 135M"))
    'SmolLM2-135M'
    """
    name = re.split(r"[/\\]", spec.name)[-1]
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-") or "llama"


def peft_config(adapter: LoraAdapter, spec: BaseSpec) -> dict:
    """The ``adapter_config.json`` contents."""
    return {
        "peft_type": "LORA", "task_type": "CAUSAL_LM", "base_model_name_or_path": neutral_name(spec),
        "r": adapter.rank, "lora_alpha": llama_cpp_alpha(adapter.scale, adapter.rank),
        "target_modules": [TARGET_MODULE], "lora_dropout": 0.0, "bias": "none", "fan_in_fan_out": False,
        "use_rslora": False, "use_dora": False, "inference_mode": True, "modules_to_save": None,
        "layers_to_transform": None, "init_lora_weights": True,
    }


def peft_tensors(adapter: LoraAdapter) -> dict[str, np.ndarray]:
    """PEFT state-dict keys -> contiguous float32 arrays."""
    out = {}
    for i in range(adapter.n_layer):
        out[KEY_A.format(i=i)] = np.ascontiguousarray(adapter.A[i], dtype=np.float32)  # (R, d_ff)
        out[KEY_B.format(i=i)] = np.ascontiguousarray(adapter.B[i], dtype=np.float32)  # (d_model, R)
    return out


def safetensors_metadata(adapter: LoraAdapter, spec: BaseSpec) -> dict[str, str]:
    """Header strings: PEFT's ``format`` plus Lorafy's schema, scale and whitelisted meta."""
    meta = {"format": "pt", f"{LORAFY_PREFIX}schema_version": str(SCHEMA_VERSION),
            f"{LORAFY_PREFIX}scale": repr(float(adapter.scale))}
    meta.update({LORAFY_PREFIX + k: v for k, v in lorafy_meta(adapter, spec).items()})
    return meta


def _replace_dir(tmp: Path, out_dir: Path) -> None:
    """Move ``tmp`` onto ``out_dir``; an existing ``out_dir`` may hold only a previous PEFT export."""
    if not out_dir.exists():
        os.replace(tmp, out_dir)
        return
    if not out_dir.is_dir() or not set(os.listdir(out_dir)) <= OWN_FILES:
        raise AdapterError(f"{out_dir} exists and is not a Lorafy PEFT export; choose a new or empty folder")
    old = out_dir.with_name(f".{out_dir.name}.{secrets.token_hex(4)}.old")
    os.replace(out_dir, old)
    try:
        os.replace(tmp, out_dir)
    except BaseException:
        os.replace(old, out_dir)  # put the previous export back
        raise
    shutil.rmtree(old, ignore_errors=True)


def write_peft_adapter(adapter: LoraAdapter, out_dir: str | os.PathLike, spec: BaseSpec) -> Path:
    """Write ``adapter`` as a PEFT LoRA folder (files mode 0600), atomically; return the folder."""
    from safetensors.numpy import save

    adapter.check_base(spec)
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_dir.with_name(f".{out_dir.name}.{secrets.token_hex(4)}.tmp")
    tmp.mkdir(mode=0o700)
    try:
        weights = save(peft_tensors(adapter), metadata=safetensors_metadata(adapter, spec))
        atomic_write_bytes(tmp / WEIGHTS_NAME, weights)
        atomic_write_bytes(tmp / CONFIG_NAME, json.dumps(peft_config(adapter, spec), indent=2).encode() + b"\n")
        _replace_dir(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    fsync_dir(out_dir.parent)
    logger.info("wrote PEFT adapter %s (rank %d, %d layers)", out_dir, adapter.rank, adapter.n_layer)
    return out_dir
