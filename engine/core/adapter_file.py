"""Read and validate GGUF LoRA adapter files before llama.cpp ever sees them (no torch).

llama.cpp must never be the first to read an adapter: it reports failure only
as a NULL pointer plus a log line (and llama-cpp-python's own NULL check is
wrong), it applies any finite values it is given, and llama.cpp builds differ
in how they treat truncated or malformed files. gguf's Python reader is no
safer: some one-bit corruptions make it loop until memory runs out. So every
adapter the runtime hands to llama.cpp first passes :func:`validate_adapter_file`,
a bounds-checked scan (:func:`scan_gguf`) that checks the header, that every
tensor lies inside the file, the keys llama.cpp reads, names/shapes/dtypes
against the base, finite values, and (Lorafy's own files) a checksum of the
tensor data.

Layout (what llama.cpp's ``llama_adapter_lora_init`` expects), per layer i:
``blk.{i}.ffn_down.weight.lora_a``: numpy (R, d_ff)    = GGUF ne [d_ff, R]
``blk.{i}.ffn_down.weight.lora_b``: numpy (d_model, R) = GGUF ne [R, d_model]
and llama.cpp scales by ``alpha / R`` with ``alpha = engine.core.lora.llama_cpp_alpha(scale, R)``.
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
from typing import Any, Iterable

import numpy as np

from engine.core.adapter import AdapterError, LoraAdapter
from engine.core.base import BaseSpec
from engine.core.lora import scale_from_llama_cpp_alpha

logger = logging.getLogger(__name__)

# GGUF container
GGUF_MAGIC = b"GGUF"
GGUF_VERSION = 3  # the only version written since 2023; v2 differs from v3 in one header bit, so a flip stays detectable
HEADER_SIZE = 24  # magic u32, version u32, n_tensors u64, n_kv u64
MAX_KV = 256
MAX_TENSORS = 4096
MAX_DIMS = 4
MAX_FILE_BYTES = 1 << 30  # a rank-64 adapter for a 7B llama is ~125 MB
KEY_ALIGNMENT = "general.alignment"
DEFAULT_ALIGNMENT = 32
# GGUF value types (gguf.GGUFValueType) -> little-endian struct format; 8 = string, 9 = array
VT_UINT32, VT_FLOAT32, VT_STRING, VT_ARRAY, VT_UINT64, VT_FLOAT64 = 4, 6, 8, 9, 10, 12
SCALAR_FORMATS = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?", 10: "<Q", 11: "<q", 12: "<d"}
# GGML tensor types accepted for LoRA tensors -> (name, numpy dtype)
TENSOR_DTYPES = {0: ("F32", np.dtype("<f4")), 1: ("F16", np.dtype("<f2"))}

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
META_KEYS = ("kind", "hypernet", "base_sha256", "created", "n_chunks", "compact")
MAX_META_CHARS = 128

PROBE_BYTES = 1 << 16


class AdapterFileError(AdapterError):
    """An adapter file is unreadable, truncated, corrupt, or does not fit the base model."""


@dataclass(frozen=True)
class AdapterInfo:
    """What a validated adapter file holds; ``meta`` is its whitelisted ``lorafy.*`` strings without the prefix."""

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


@dataclass(frozen=True)
class TensorEntry:
    """One tensor-info record: GGUF ``ne`` (innermost first), GGML type, offset from the data start."""

    name: str
    ne: tuple[int, ...]
    ggml_type: int
    offset: int

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(reversed(self.ne))  # numpy order


@dataclass(frozen=True)
class GGUFLayout:
    """A scanned GGUF: key -> (value type, value), tensors in file order, where tensor data starts."""

    kv: dict[str, tuple[int, Any]]
    tensors: dict[str, TensorEntry]
    data_start: int
    alignment: int


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
        raise _fail(path, f"only {size} bytes, too short to be a GGUF adapter (truncated?); regenerate it")
    if head[:4] != GGUF_MAGIC:
        raise _fail(path, "not a GGUF file (bad magic); pick a .gguf LoRA adapter written by Lorafy or llama.cpp")
    version, n_tensors, n_kv = struct.unpack_from("<IQQ", head, 4)
    if version != GGUF_VERSION:
        raise _fail(path, f"GGUF version {version} is not supported (expected {GGUF_VERSION}); "
                          "the header is corrupt or the file needs re-exporting")
    if n_kv > MAX_KV or n_tensors > MAX_TENSORS or n_tensors == 0:
        raise _fail(path, f"implausible header ({n_tensors} tensors, {n_kv} keys); the file is corrupt, regenerate it")
    return n_tensors, n_kv


class _Scanner:
    """Bounds-checked little-endian reads over a file's bytes: every read stays inside the file.

    (gguf's GGUFReader is not safe on corrupt input: a one-bit flip that turns a
    string field into an array with a huge count makes it loop on zero-byte reads
    until memory runs out.)
    """

    def __init__(self, buf: bytes, path: Path, pos: int):
        self.buf, self.path, self.pos = buf, path, pos

    def take(self, n: int) -> bytes:
        if self.pos + n > len(self.buf):
            raise _fail(self.path, f"truncated: the header needs byte {self.pos + n} but the file has "
                                   f"{len(self.buf)}; the write was interrupted, regenerate the adapter")
        out = self.buf[self.pos:self.pos + n]
        self.pos += n
        return out

    def scalar(self, vtype: int) -> Any:
        fmt = SCALAR_FORMATS[vtype]
        return struct.unpack(fmt, self.take(struct.calcsize(fmt)))[0]

    def string(self) -> str:
        raw = self.take(self.scalar(VT_UINT64))
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as e:
            raise _fail(self.path, f"corrupt string at byte {self.pos - len(raw)}; regenerate the adapter") from e

    def value(self, vtype: int) -> Any:
        if vtype == VT_STRING:
            return self.string()
        if vtype == VT_ARRAY:
            return self.array()
        if vtype not in SCALAR_FORMATS:
            raise _fail(self.path, f"unknown GGUF value type {vtype} at byte {self.pos}; the file is corrupt")
        return self.scalar(vtype)

    def array(self) -> list:
        itype, n = self.scalar(VT_UINT32), self.scalar(VT_UINT64)
        if itype == VT_ARRAY or (itype != VT_STRING and itype not in SCALAR_FORMATS):
            raise _fail(self.path, f"unsupported GGUF array item type {itype}; the file is corrupt")
        item = 8 if itype == VT_STRING else struct.calcsize(SCALAR_FORMATS[itype])
        if n * item > len(self.buf) - self.pos:  # every item takes at least ``item`` bytes
            raise _fail(self.path, f"truncated or corrupt: an array of {n} items cannot fit in the file")
        return [self.value(itype) for _ in range(n)]

    def tensor_entry(self) -> TensorEntry:
        name, n_dims = self.string(), self.scalar(VT_UINT32)
        if not 1 <= n_dims <= MAX_DIMS:
            raise _fail(self.path, f"tensor {name!r} has {n_dims} dimensions; the file is corrupt")
        ne = tuple(self.scalar(VT_UINT64) for _ in range(n_dims))
        return TensorEntry(name=name, ne=ne, ggml_type=self.scalar(VT_UINT32), offset=self.scalar(VT_UINT64))


def _alignment(path: Path, kv: dict[str, tuple[int, Any]]) -> int:
    vtype, align = kv.get(KEY_ALIGNMENT, (VT_UINT32, DEFAULT_ALIGNMENT))
    if vtype != VT_UINT32 or align <= 0 or align & (align - 1):
        raise _fail(path, f"{KEY_ALIGNMENT} = {align!r} is not a power of two; the file is corrupt")
    return align


def scan_gguf(path: Path, buf: bytes) -> GGUFLayout:
    """Parse a GGUF's header, keys and tensor infos from its bytes, never reading past the end."""
    n_tensors, n_kv = check_header(path, buf[:HEADER_SIZE], len(buf))
    s = _Scanner(buf, path, HEADER_SIZE)
    kv: dict[str, tuple[int, Any]] = {}
    for _ in range(n_kv):
        key, vtype = s.string(), s.scalar(VT_UINT32)
        if key in kv:
            raise _fail(path, f"duplicate GGUF key {key!r}; the file is corrupt")
        kv[key] = (vtype, s.value(vtype))
    tensors: dict[str, TensorEntry] = {}
    for _ in range(n_tensors):
        t = s.tensor_entry()
        if t.name in tensors:
            raise _fail(path, f"duplicate tensor {t.name!r}; the file is corrupt")
        tensors[t.name] = t
    align = _alignment(path, kv)
    return GGUFLayout(kv=kv, tensors=tensors, data_start=-(-s.pos // align) * align, alignment=align)


def tensor_array(path: Path, buf: bytes, layout: GGUFLayout, t: TensorEntry) -> np.ndarray:
    """A read-only view of one tensor's data (F32/F16 only), checked to lie inside the file."""
    if t.ggml_type not in TENSOR_DTYPES:
        raise _fail(path, f"tensor {t.name!r} has GGML type {t.ggml_type}; adapters must be F32 or F16")
    if t.offset % layout.alignment:
        raise _fail(path, f"tensor {t.name!r} has a misaligned offset {t.offset}; the file is corrupt")
    dtype = TENSOR_DTYPES[t.ggml_type][1]
    n = math.prod(t.ne)
    start = layout.data_start + t.offset
    end = start + n * dtype.itemsize
    if end > len(buf):
        raise _fail(path, f"truncated: tensor {t.name!r} ends at byte {end} but the file has {len(buf)}; "
                          "the write was interrupted, regenerate the adapter")
    return np.frombuffer(buf, dtype=dtype, count=n, offset=start).reshape(t.shape)


def is_probably_adapter(path: str | os.PathLike) -> bool:
    """Cheap guess (first 64 KiB only, never raises): a GGUF v3 file that carries LoRA adapter keys."""
    try:
        with open(path, "rb") as f:
            head = f.read(PROBE_BYTES)
        check_header(Path(path), head, len(head))
    except (OSError, AdapterFileError):
        return False
    return KEY_LORA_ALPHA.encode() in head and KEY_ADAPTER_TYPE.encode() in head


def _kv(layout: GGUFLayout, path: Path, key: str, vtype: int, required: bool = True) -> Any:
    """The value of ``key``, which must have GGUF type ``vtype``; None when absent and not required."""
    if key not in layout.kv:
        if required:
            raise _fail(path, f"missing GGUF key {key!r}; this is not a LoRA adapter file")
        return None
    got_type, value = layout.kv[key]
    if got_type != vtype:
        raise _fail(path, f"GGUF key {key!r} has value type {got_type}, expected {vtype}; the file is corrupt")
    return value


def _check_keys(layout: GGUFLayout, path: Path, spec: BaseSpec | None) -> float:
    """Check the keys llama.cpp reads; return alpha."""
    for key, want in ((KEY_GENERAL_TYPE, GENERAL_TYPE_ADAPTER), (KEY_ADAPTER_TYPE, ADAPTER_TYPE_LORA),
                      (KEY_ARCHITECTURE, spec.arch if spec else ARCHITECTURE)):
        got = _kv(layout, path, key, VT_STRING)
        if got != want:
            raise _fail(path, f"{key} is {got!r}, expected {want!r}; not a LoRA adapter for this base model")
    alpha = _kv(layout, path, KEY_LORA_ALPHA, VT_FLOAT32)  # llama.cpp reads it as float32
    if not (math.isfinite(alpha) and alpha > 0):
        raise _fail(path, f"{KEY_LORA_ALPHA} = {alpha} must be positive and finite; re-export the adapter")
    return float(alpha)


def _layer_count(layout: GGUFLayout, path: Path, n_layer: int | None) -> int:
    """All ``n_layer`` layers (inferred when None) present as lora_a/lora_b pairs, nothing extra."""
    found = [TENSOR_NAME.fullmatch(n) for n in layout.tensors]
    extra = sorted(n for n, m in zip(layout.tensors, found) if m is None)
    if extra:
        raise _fail(path, f"unexpected tensors {extra[:3]}; Lorafy adapters hold ffn_down LoRA tensors only")
    if n_layer is None:
        n_layer = 1 + max(int(m.group(1)) for m in found)
    want = {n for i in range(n_layer) for n in layer_names(i)}
    missing, surplus = sorted(want - set(layout.tensors)), sorted(set(layout.tensors) - want)
    if missing or surplus:
        raise _fail(path, f"layer mismatch: expected {n_layer} layers; missing {missing[:3]}, extra {surplus[:3]}; "
                          "this adapter was made for a different base model")
    return n_layer


def _check_shapes(path: Path, names: tuple[str, str], a: np.ndarray, b: np.ndarray,
                  want_a: tuple[int, int], want_b: tuple[int, int]) -> None:
    if a.shape != want_a or b.shape != want_b or a.dtype != b.dtype:
        raise _fail(path, f"shape mismatch: {names[0]} {a.shape} {a.dtype} / {names[1]} {b.shape} {b.dtype}, "
                          f"expected {want_a} / {want_b}; this adapter was made for a different base model")
    for name, x in zip(names, (a, b)):
        if not np.isfinite(x).all():
            raise _fail(path, f"tensor {name!r} holds NaN or infinite values; regenerate the adapter")


def _read_layers(path: Path, buf: bytes, layout: GGUFLayout, spec: BaseSpec | None) -> tuple[np.ndarray, np.ndarray]:
    """All layers as float32 copies: A (L, R, d_ff), B (L, d_model, R)."""
    n_layer = _layer_count(layout, path, spec.n_layer if spec else None)
    views = [tuple(tensor_array(path, buf, layout, layout.tensors[n]) for n in layer_names(i)) for i in range(n_layer)]
    a0, b0 = views[0]
    rank = a0.shape[0] if a0.ndim == 2 else -1
    d_ff, d_model = (spec.d_ff, spec.d_model) if spec else (a0.shape[-1], b0.shape[0])
    for i, (a, b) in enumerate(views):
        _check_shapes(path, layer_names(i), a, b, (rank, d_ff), (d_model, rank))
    if rank < 1:
        raise _fail(path, "rank 0 adapter; regenerate it")
    return (np.stack([a for a, _ in views]).astype(np.float32),  # (L, R, d_ff)
            np.stack([b for _, b in views]).astype(np.float32))  # (L, d_model, R)


def _lorafy_keys(layout: GGUFLayout, path: Path) -> tuple[int | None, float | None, str | None, dict[str, str]]:
    """(schema_version, scale, data_sha256, whitelisted string meta) from the ``lorafy.*`` keys."""
    version = _kv(layout, path, KEY_SCHEMA_VERSION, VT_UINT32, required=False)
    if version is not None and version > SCHEMA_VERSION:
        raise _fail(path, f"written by a newer Lorafy (schema {version} > {SCHEMA_VERSION}); upgrade Lorafy to load it")
    scale = _kv(layout, path, KEY_SCALE, VT_FLOAT64, required=False)
    digest = _kv(layout, path, KEY_DATA_SHA256, VT_STRING, required=False)
    meta = {k: v for k in META_KEYS if (v := _kv(layout, path, LORAFY_PREFIX + k, VT_STRING, required=False)) is not None}
    return version, scale, digest, meta


def _check_scale(path: Path, alpha: float, rank: int, stored: float | None) -> float:
    """Lorafy's scale: ``lorafy.scale`` when present (it must agree with alpha / R), else alpha / R."""
    from_alpha = scale_from_llama_cpp_alpha(alpha, rank)
    if stored is None:
        return from_alpha
    if not math.isfinite(stored) or abs(stored - from_alpha) > 1e-6 * abs(stored):
        raise _fail(path, f"{KEY_SCALE} = {stored} disagrees with {KEY_LORA_ALPHA} / rank = {from_alpha}; "
                          "the file is corrupt or was edited, regenerate it")
    return float(stored)


def _check_digest(path: Path, buf: bytes, layout: GGUFLayout, digest: str | None) -> None:
    if digest is None:
        return
    if tensor_digest(tensor_array(path, buf, layout, t) for t in layout.tensors.values()) != digest:
        raise _fail(path, "tensor data does not match its checksum (the file is corrupt); regenerate the adapter")


def _read_bytes(path: Path) -> bytes:
    if not path.is_file():
        raise _fail(path, "no such adapter file")
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise _fail(path, f"{size} bytes is too large for a down_proj LoRA adapter (limit {MAX_FILE_BYTES})")
    try:
        return path.read_bytes()
    except OSError as e:
        raise _fail(path, f"cannot read the adapter ({e.strerror}); check the file's permissions") from e


def _load(path: str | os.PathLike, spec: BaseSpec | None) -> tuple[AdapterInfo, np.ndarray, np.ndarray]:
    """Every check, in order; returns the info and float32 copies of A and B."""
    path = Path(path)
    buf = _read_bytes(path)
    layout = scan_gguf(path, buf)
    alpha = _check_keys(layout, path, spec)
    version, stored_scale, digest, meta = _lorafy_keys(layout, path)
    A, B = _read_layers(path, buf, layout, spec)
    _check_digest(path, buf, layout, digest)
    scale = _check_scale(path, alpha, A.shape[1], stored_scale)
    dtype = TENSOR_DTYPES[layout.tensors[LORA_A.format(i=0)].ggml_type][0]
    info = AdapterInfo(path=path, n_layer=A.shape[0], rank=A.shape[1], d_ff=A.shape[2], d_model=B.shape[1],
                       dtype=dtype, alpha=alpha, scale=scale, schema_version=version, size_bytes=len(buf), meta=meta)
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
