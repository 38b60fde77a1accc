"""Write a LoraAdapter as a GGUF LoRA adapter file that llama.cpp loads (no torch).

The file holds exactly what :mod:`engine.core.adapter_file` validates: general.type
"adapter", adapter.type "lora", ``adapter.lora.alpha = llama_cpp_alpha(scale, R)``
(so llama.cpp at user weight 1.0 applies Lorafy's scale), one F16 (default) or F32
``lora_a`` (R, d_ff) and ``lora_b`` (d_model, R) per layer, and ``lorafy.*``
keys: schema version, scale, a checksum of the tensor data, and whitelisted
short meta strings. No source path or document text is ever written.
"""
from __future__ import annotations

import logging
import os
from pathlib import Path

import numpy as np

from engine.core import adapter_file as af
from engine.core.adapter import AdapterError, LoraAdapter
from engine.core.atomic import atomic_path
from engine.core.base import BaseSpec
from engine.core.lora import llama_cpp_alpha

logger = logging.getLogger(__name__)

STORAGE_DTYPES = {"f16": np.float16, "f32": np.float32}  # what llama.cpp loads for LoRA tensors


def _check_meta_value(key: str, value: object) -> str:
    if not isinstance(value, str) or not (0 < len(value) <= af.MAX_META_CHARS) or not value.isprintable() \
            or "/" in value or "\\" in value:
        raise AdapterError(f"adapter meta {key!r} must be a short printable string without path separators "
                           f"(at most {af.MAX_META_CHARS} chars), got {value!r:.60}; fix the caller that set it")
    return value


def lorafy_meta(adapter: LoraAdapter, spec: BaseSpec) -> dict[str, str]:
    """The whitelisted ``adapter.meta`` strings to store (unknown keys are dropped), base sha256 from ``spec``."""
    dropped = sorted(set(adapter.meta) - set(af.META_KEYS))
    if dropped:
        logger.debug("not writing adapter meta keys %s (not whitelisted)", dropped)
    meta = {k: _check_meta_value(k, v) for k, v in adapter.meta.items() if k in af.META_KEYS}
    if spec.sha256:
        if meta.get("base_sha256", spec.sha256) != spec.sha256:
            raise AdapterError(f"adapter was made for base sha256 {meta['base_sha256']} but is being written for "
                               f"{spec.sha256}; regenerate it with this base")
        meta["base_sha256"] = spec.sha256
    return meta


def storage_dtype(name: str) -> type:
    """The numpy dtype of a storage name ("f16" or "f32"); ValueError naming the choices."""
    if name not in STORAGE_DTYPES:
        raise ValueError(f"unknown adapter storage {name!r}; use one of {', '.join(STORAGE_DTYPES)}")
    return STORAGE_DTYPES[name]


def layer_tensors(adapter: LoraAdapter, dtype: str = "f16") -> list[tuple[str, np.ndarray]]:
    """(GGUF name, contiguous array of ``dtype``) in file order: lora_a then lora_b, layer by layer."""
    np_dtype, out = storage_dtype(dtype), []
    for i in range(adapter.n_layer):
        name_a, name_b = af.layer_names(i)
        with np.errstate(over="ignore"):  # an overflow becomes inf, refused just below
            a, b = (np.ascontiguousarray(x, dtype=np_dtype) for x in (adapter.A[i], adapter.B[i]))
        if not (np.isfinite(a).all() and np.isfinite(b).all()):
            raise AdapterError(f"layer {i} overflows {dtype} storage (largest |value| "
                               f"{max(np.abs(adapter.A[i]).max(), np.abs(adapter.B[i]).max()):.3g}); write it as f32")
        out.append((name_a, a))  # (R, d_ff)
        out.append((name_b, b))  # (d_model, R)
    return out


def _write(tmp: Path, adapter: LoraAdapter, spec: BaseSpec, dtype: str) -> None:
    from gguf import GGUFWriter  # numpy-only; kept local so importing this module stays cheap

    tensors = layer_tensors(adapter, dtype)
    writer = GGUFWriter(str(tmp), spec.arch)  # adds general.architecture
    writer.add_type(af.GENERAL_TYPE_ADAPTER)
    writer.add_string(af.KEY_ADAPTER_TYPE, af.ADAPTER_TYPE_LORA)
    writer.add_float32(af.KEY_LORA_ALPHA, llama_cpp_alpha(adapter.scale, adapter.rank))
    writer.add_uint32(af.KEY_SCHEMA_VERSION, af.SCHEMA_VERSION)
    writer.add_float64(af.KEY_SCALE, float(adapter.scale))
    writer.add_string(af.KEY_DATA_SHA256, af.tensor_digest(a for _, a in tensors))
    for key, value in lorafy_meta(adapter, spec).items():
        writer.add_string(af.LORAFY_PREFIX + key, value)
    for name, array in tensors:
        writer.add_tensor(name, array)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


def write_gguf_adapter(adapter: LoraAdapter, path: str | os.PathLike, spec: BaseSpec, dtype: str = "f16") -> Path:
    """Write ``adapter`` (checked against ``spec``) to ``path`` atomically, mode 0600, tensors stored as ``dtype``
    ("f16" or "f32"); return the path."""
    adapter.check_base(spec)
    if not (np.isfinite(adapter.scale) and adapter.scale > 0):
        raise AdapterError(f"adapter scale must be positive for llama.cpp, got {adapter.scale}")
    path = Path(path)
    with atomic_path(path, mode=0o600) as tmp:
        _write(tmp, adapter, spec, dtype)
    logger.info("wrote GGUF adapter %s (rank %d, %d layers, %s)", path, adapter.rank, adapter.n_layer, dtype)
    return path
