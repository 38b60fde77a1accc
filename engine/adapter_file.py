"""Read and validate GGUF LoRA adapter files before llama.cpp ever sees them (no torch).

llama.cpp trusts adapter files: it loads a truncated one as zeros without a
word and aborts the whole process on some malformed ones. Every adapter the
runtime hands to llama.cpp therefore passes :func:`validate_adapter_file`
first, which checks the header, that every tensor lies inside the file, the
GGUF keys llama.cpp needs, names/shapes/dtypes against the base, finite
values, and (for Lorafy's own files) a checksum of the tensor data.

Layout (what llama.cpp's ``llama_adapter_lora_init`` expects), per layer i:
``blk.{i}.ffn_down.weight.lora_a``: numpy (R, d_ff)    = GGUF ne [d_ff, R]
``blk.{i}.ffn_down.weight.lora_b``: numpy (d_model, R) = GGUF ne [R, d_model]
and llama.cpp scales by ``alpha / R`` with ``alpha = engine.lora.llama_cpp_alpha(scale, R)``.
"""
from __future__ import annotations

import hashlib
import logging
import math
import os
import re
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import numpy as np

from engine.adapter import AdapterError, LoraAdapter
from engine.base import BaseSpec
from engine.lora import scale_from_llama_cpp_alpha

logger = logging.getLogger(__name__)

# GGUF container
GGUF_MAGIC = b"GGUF"
GGUF_VERSION = 3  # the only version written since 2023; v2 differs from v3 in one header bit, so a flip stays detectable
HEADER_SIZE = 24  # magic u32, version u32, n_tensors u64, n_kv u64
MAX_KV = 256
MAX_TENSORS = 4096

# GGUF keys and values llama.cpp reads
KEY_GENERAL_TYPE = "general.type"
GENERAL_TYPE_ADAPTER = "adapter"
KEY_ARCHITECTURE = "general.architecture"
ARCHITECTURE = "llama"
KEY_ADAPTER_TYPE = "adapter.type"
ADAPTER_TYPE_LORA = "lora"
KEY_LORA_ALPHA = "adapter.lora.alpha"  # float32; llama.cpp applies user_scale * alpha / rank
LORA_A = "blk.{i}.ffn_down.weight.lora_a"  # numpy (R, d_ff)
LORA_B = "blk.{i}.ffn_down.weight.lora_b"  # numpy (d_model, R)
TENSOR_NAME = re.compile(r"blk\.(\d+)\.ffn_down\.weight\.lora_([ab])")

# Lorafy's own keys (ignored by llama.cpp)
LORAFY_PREFIX = "lorafy."
SCHEMA_VERSION = 1
KEY_SCHEMA_VERSION = "lorafy.schema_version"  # uint32
KEY_SCALE = "lorafy.scale"  # float64, Lorafy's scale (applied directly)
KEY_DATA_SHA256 = "lorafy.data_sha256"  # hex sha256 of every tensor's bytes, in file order
KEY_BASE_SHA256 = "lorafy.base_sha256"
KEY_KIND = "lorafy.kind"
KEY_HYPERNET = "lorafy.hypernet"
# adapter.meta keys that may be written, each as lorafy.<key>; nothing else (no paths, no document text)
META_KEYS = ("kind", "hypernet", "base_sha256", "created", "n_chunks")
MAX_META_CHARS = 128

DTYPES = {0: "F32", 1: "F16"}  # GGMLQuantizationType values accepted for LoRA tensors
PROBE_BYTES = 1 << 16


class AdapterFileError(AdapterError):
    """An adapter file is unreadable, truncated, corrupt, or does not fit the base model."""


@dataclass(frozen=True)
class AdapterInfo:
    """What a validated adapter file holds; ``meta`` is its ``lorafy.*`` strings without the prefix."""

    path: Path
    n_layer: int
    rank: int
    d_ff: int
    d_model: int
    dtype: str
    alpha: float
    scale: float
    schema_version: int | None
    size_bytes: int
    meta: dict[str, str] = field(default_factory=dict)

    @property
    def base_sha256(self) -> str | None:
        return self.meta.get("base_sha256")


def layer_names(i: int) -> tuple[str, str]:
    """GGUF names of layer ``i``'s (lora_a, lora_b)."""
    return LORA_A.format(i=i), LORA_B.format(i=i)


def tensor_digest(arrays: Iterable[np.ndarray]) -> str:
    """Hex sha256 over the raw bytes of ``arrays`` in order (what :data:`KEY_DATA_SHA256` stores)."""
    h = hashlib.sha256()
    for a in arrays:
        h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()


def _fail(path: Path, msg: str) -> AdapterFileError:
    return AdapterFileError(f"{path}: {msg}")


def check_header(path: Path, head: bytes, size: int) -> tuple[int, int]:
    """Check magic, version and counts of a GGUF header; return (n_tensors, n_kv)."""
    if size < HEADER_SIZE or len(head) < HEADER_SIZE:
        raise _fail(path, f"only {size} bytes, too short to be a GGUF adapter; regenerate it")
    if head[:4] != GGUF_MAGIC:
        raise _fail(path, "not a GGUF file (bad magic); pick a .gguf LoRA adapter written by Lorafy or llama.cpp")
    version, n_tensors, n_kv = struct.unpack_from("<IQQ", head, 4)
    if version != GGUF_VERSION:
        raise _fail(path, f"GGUF version {version} is not supported (expected {GGUF_VERSION}); "
                          "the header is corrupt or the file needs re-exporting")
    if n_kv > MAX_KV or n_tensors > MAX_TENSORS or n_tensors == 0:
        raise _fail(path, f"implausible header ({n_tensors} tensors, {n_kv} keys); the file is corrupt, regenerate it")
    return n_tensors, n_kv


def is_probably_adapter(path: str | os.PathLike) -> bool:
    """Cheap guess (first 64 KiB only, never raises): a GGUF v3 file that carries LoRA adapter keys."""
    try:
        with open(path, "rb") as f:
            head = f.read(PROBE_BYTES)
        check_header(Path(path), head, len(head))
    except (OSError, AdapterFileError):
        return False
    return KEY_LORA_ALPHA.encode() in head and KEY_ADAPTER_TYPE.encode() in head


def _open_reader(path: Path):
    from gguf import GGUFReader  # numpy-only; kept local so importing this module stays cheap

    try:
        return GGUFReader(path)
    except Exception as e:  # gguf raises assorted errors on truncated or corrupt files
        raise _fail(path, f"truncated or corrupt GGUF ({type(e).__name__}: {e}); regenerate the adapter") from e


def _field(reader, path: Path, key: str, required: bool = True):
    f = reader.fields.get(key)
    if f is None:
        if required:
            raise _fail(path, f"missing GGUF key {key!r}; this is not a LoRA adapter file")
        return None
    try:
        return f.contents()
    except Exception as e:
        raise _fail(path, f"unreadable value for GGUF key {key!r} ({e}); the file is corrupt") from e


def _check_keys(reader, path: Path, spec: BaseSpec | None) -> float:
    """Check the keys llama.cpp reads; return alpha."""
    from gguf import GGUFValueType

    for key, want in ((KEY_GENERAL_TYPE, GENERAL_TYPE_ADAPTER), (KEY_ADAPTER_TYPE, ADAPTER_TYPE_LORA),
                      (KEY_ARCHITECTURE, spec.arch if spec else ARCHITECTURE)):
        got = _field(reader, path, key)
        if got != want:
            raise _fail(path, f"{key} is {got!r}, expected {want!r}; not a LoRA adapter for this base model")
    alpha = _field(reader, path, KEY_LORA_ALPHA)
    if reader.fields[KEY_LORA_ALPHA].types != [GGUFValueType.FLOAT32]:
        raise _fail(path, f"{KEY_LORA_ALPHA} must be a float32 (llama.cpp reads it as one); re-export the adapter")
    if not (math.isfinite(alpha) and alpha > 0):
        raise _fail(path, f"{KEY_LORA_ALPHA} = {alpha} must be positive and finite; re-export the adapter")
    return float(alpha)


def _check_extent(reader, path: Path, size: int) -> None:
    """Every tensor's bytes must lie inside the file (llama.cpp would read zeros past the end)."""
    for t in reader.tensors:
        end = int(t.data_offset) + int(t.n_bytes)
        if end > size or t.data.nbytes != t.n_bytes:
            raise _fail(path, f"truncated: tensor {t.name!r} ends at byte {end} but the file has {size}; "
                              "the write was interrupted, regenerate the adapter")


def _index_tensors(reader, path: Path, n_layer: int | None) -> dict[str, object]:
    """Map name -> tensor; all ``n_layer`` layers (inferred when None) present, nothing extra."""
    tensors = {t.name: t for t in reader.tensors}
    found = [TENSOR_NAME.fullmatch(n) for n in tensors]
    extra = sorted(n for n, m in zip(tensors, found) if m is None)
    if extra:
        raise _fail(path, f"unexpected tensors {extra[:3]}; Lorafy adapters hold ffn_down LoRA tensors only")
    if n_layer is None:
        n_layer = 1 + max(int(m.group(1)) for m in found)
    want = {n for i in range(n_layer) for n in layer_names(i)}
    missing, surplus = sorted(want - set(tensors)), sorted(set(tensors) - want)
    if missing or surplus:
        raise _fail(path, f"layer mismatch: the base has {n_layer} layers; missing {missing[:3]}, "
                          f"extra {surplus[:3]}; this adapter was made for a different base model")
    return tensors


def _layer_arrays(t_a, t_b, path: Path, d_ff: int | None, d_model: int | None, rank: int | None) -> tuple:
    """Check one layer's dtype and shapes; return float32 copies (A (R, d_ff), B (d_model, R))."""
    for t in (t_a, t_b):
        if int(t.tensor_type) not in DTYPES:
            raise _fail(path, f"tensor {t.name!r} has type {t.tensor_type.name}; adapters must be F32 or F16")
    a, b = t_a.data, t_b.data
    r = rank or a.shape[0]
    want_a, want_b = (r, d_ff or a.shape[1]), (d_model or b.shape[0], r)
    if a.shape != want_a or b.shape != want_b:
        raise _fail(path, f"shape mismatch: {t_a.name} {a.shape} / {t_b.name} {b.shape}, expected {want_a} / {want_b}; "
                          "this adapter was made for a different base model")
    a, b = np.array(a, dtype=np.float32), np.array(b, dtype=np.float32)  # copies, detached from the mmap
    for t, x in ((t_a, a), (t_b, b)):
        if not np.isfinite(x).all():
            raise _fail(path, f"tensor {t.name!r} holds NaN or infinite values; regenerate the adapter")
    return a, b


def _read_layers(reader, path: Path, spec: BaseSpec | None) -> tuple[np.ndarray, np.ndarray, str]:
    """All layers as (A (L, R, d_ff), B (L, d_model, R), dtype name)."""
    tensors = _index_tensors(reader, path, spec.n_layer if spec else None)
    d_ff, d_model, rank = (spec.d_ff, spec.d_model, None) if spec else (None, None, None)
    As, Bs = [], []
    for i in range(len(tensors) // 2):
        a, b = _layer_arrays(*(tensors[n] for n in layer_names(i)), path, d_ff, d_model, rank)
        rank, d_ff, d_model = a.shape[0], a.shape[1], b.shape[0]
        As.append(a)
        Bs.append(b)
    return np.stack(As), np.stack(Bs), DTYPES[int(tensors[LORA_A.format(i=0)].tensor_type)]


def _lorafy_meta(reader, path: Path) -> tuple[int | None, float | None, str | None, dict[str, str]]:
    """(schema_version, scale, data_sha256, string meta) from the ``lorafy.*`` keys."""
    version = _field(reader, path, KEY_SCHEMA_VERSION, required=False)
    if version is not None and int(version) > SCHEMA_VERSION:
        raise _fail(path, f"written by a newer Lorafy (schema {version} > {SCHEMA_VERSION}); upgrade Lorafy to load it")
    scale = _field(reader, path, KEY_SCALE, required=False)
    digest = _field(reader, path, KEY_DATA_SHA256, required=False)
    meta = {k[len(LORAFY_PREFIX):]: _field(reader, path, k) for k in reader.fields
            if k.startswith(LORAFY_PREFIX) and k[len(LORAFY_PREFIX):] in META_KEYS}
    meta = {k: v for k, v in meta.items() if isinstance(v, str)}
    return (None if version is None else int(version)), scale, digest, meta


def _check_scale(path: Path, alpha: float, rank: int, stored: float | None) -> float:
    """Lorafy's scale: ``lorafy.scale`` when present (it must agree with alpha / R), else alpha / R."""
    from_alpha = scale_from_llama_cpp_alpha(alpha, rank)
    if stored is None:
        return from_alpha
    if not math.isfinite(stored) or abs(stored - from_alpha) > 1e-5 * abs(stored):
        raise _fail(path, f"{KEY_SCALE} = {stored} disagrees with {KEY_LORA_ALPHA} / rank = {from_alpha}; "
                          "the file is corrupt or was edited, regenerate it")
    return float(stored)


def _check_digest(reader, path: Path, digest: str | None) -> None:
    if digest is not None and tensor_digest(t.data for t in reader.tensors) != digest:
        raise _fail(path, "tensor data does not match its checksum (the file is corrupt); regenerate the adapter")


def _load(path: str | os.PathLike, spec: BaseSpec | None) -> tuple[AdapterInfo, np.ndarray, np.ndarray]:
    """Every check, in order; returns the info and float32 copies of A and B."""
    path = Path(path)
    if not path.is_file():
        raise _fail(path, "no such adapter file")
    size = path.stat().st_size
    with open(path, "rb") as f:
        check_header(path, f.read(HEADER_SIZE), size)
    reader = _open_reader(path)
    _check_extent(reader, path, size)
    alpha = _check_keys(reader, path, spec)
    version, stored_scale, digest, meta = _lorafy_meta(reader, path)
    A, B, dtype = _read_layers(reader, path, spec)
    _check_digest(reader, path, digest)
    scale = _check_scale(path, alpha, A.shape[1], stored_scale)
    del reader  # drop the memmap so the file can be replaced or deleted (Windows)
    info = AdapterInfo(path=path, n_layer=A.shape[0], rank=A.shape[1], d_ff=A.shape[2], d_model=B.shape[1],
                       dtype=dtype, alpha=alpha, scale=scale, schema_version=version, size_bytes=size, meta=meta)
    if spec is not None and spec.sha256 and info.base_sha256 and info.base_sha256 != spec.sha256:
        logger.warning("%s was made for base sha256 %s, loading on %s (same shape)", path, info.base_sha256, spec.sha256)
    return info, A, B


def validate_adapter_file(path: str | os.PathLike, spec: BaseSpec | None) -> AdapterInfo:
    """Check an adapter file fully (``spec`` None: self-consistency only); raise AdapterFileError naming the file."""
    info, _, _ = _load(path, spec)
    return info


def read_adapter(path: str | os.PathLike, spec: BaseSpec | None) -> LoraAdapter:
    """Load a validated adapter file as a :class:`LoraAdapter` (float32, Lorafy scale)."""
    info, A, B = _load(path, spec)
    return LoraAdapter(A=A, B=B, scale=info.scale, meta=dict(info.meta))
