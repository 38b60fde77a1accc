"""Run the exported hypernetwork with ONNX Runtime: text chunks -> a LoraAdapter (no torch).

A bundle directory holds ``config.json`` (hypernetwork config, base sha256,
adapter layout, ONNX section), ``hypernet.safetensors`` (its own weights) and ``hypernet.onnx``
(the weight-free graph). The base weights are dequantized from the base GGUF
and handed to ONNX Runtime at session creation; the bundle is refused when
its base hash differs from the loaded base.
"""
from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from engine.core.adapter import LoraAdapter
from engine.core.base import BaseSpec
from engine.core.memory import return_free_memory

log = logging.getLogger(__name__)

GRAPH_FILE = "hypernet.onnx"
WEIGHTS_FILE = "hypernet.safetensors"
CONFIG_FILE = "config.json"
INPUT_NAME = "input_ids"
OUTPUT_NAMES = ("lora_a", "lora_b")
OPSET = 18
ONNX_SCHEMA_VERSION = 1
ADAPTER_SECTION = "adapter"  # config.json's adapter layout (AdapterLayout.to_dict)


class HypernetError(Exception):
    """A hypernetwork bundle is missing, damaged, or made for another base model."""


@dataclass(frozen=True)
class SessionConfig:
    """How ONNX Runtime runs the hypernetwork."""

    threads: int | None = None  # intra-op threads; None = all cores
    use_gpu: bool = True  # try CUDA (onnxruntime-gpu) first, fall back to CPU
    # ONNX Runtime's CPU arena keeps the largest activations it has seen (~0.3 GB after a few documents); without it
    # they go back to the C heap after each run, at no cost in teaching time (docs/results/memory/)
    memory_arena: bool = False


@dataclass(frozen=True)
class AdapterLayout:
    """How a bundle's adapters are laid out: a bias block of ``bias_rank``, then ``chunk_rank`` per chunk, at ``scale``.

    >>> AdapterLayout(scale=45.25, chunk_rank=16, bias_rank=8).rank(3)
    56
    """

    scale: float  # Lorafy's LoRA scale, applied directly (engine.core.lora)
    chunk_rank: int  # rank of one chunk's block: latent slots + copy slots
    bias_rank: int  # rank of the learned block every adapter starts with

    def rank(self, n_chunks: int) -> int:
        """Rank of an adapter made from ``n_chunks`` chunks."""
        return self.bias_rank + self.chunk_rank * n_chunks

    def to_dict(self) -> dict:
        return {"scale": self.scale, "chunk_rank": self.chunk_rank, "bias_rank": self.bias_rank}


def adapter_layout(config: dict) -> AdapterLayout:
    """The layout a bundle's config.json records in its ``adapter`` section.

    Bundles exported before that section existed get it computed from their hypernetwork config the
    way :class:`engine.nn.hypernet.HypernetConfig` does (scale 2 r^1.5; latent plus copy slots).
    """
    if ADAPTER_SECTION in config:
        a = config[ADAPTER_SECTION]
        return AdapterLayout(scale=float(a["scale"]), chunk_rank=int(a["chunk_rank"]), bias_rank=int(a["bias_rank"]))
    hp = config["hypernet"]
    return AdapterLayout(scale=2.0 * int(hp["rank"]) ** 1.5, chunk_rank=int(hp["rank"]) + int(hp.get("copy_rank", 0)),
                         bias_rank=int(hp["bias_rank"]))


def read_bundle_config(bundle: Path) -> dict:
    path = Path(bundle) / CONFIG_FILE
    if not path.is_file():
        raise HypernetError(f"{path}: no hypernetwork bundle here; reinstall Lorafy or export one with `lorafy export-hypernet`")
    cfg = json.loads(path.read_text())
    if "onnx" not in cfg:
        raise HypernetError(f"{path}: the bundle has no ONNX graph; export it with `lorafy export-hypernet`")
    return cfg


def _providers(cfg: SessionConfig) -> list[str]:
    import onnxruntime as ort

    avail = ort.get_available_providers()
    wanted = ["CUDAExecutionProvider"] if cfg.use_gpu and _has_cuda_driver() else []
    return [p for p in wanted if p in avail] + ["CPUExecutionProvider"]


def _has_cuda_driver() -> bool:
    """True when an NVIDIA driver library loads (onnxruntime-gpu lists CUDA even on machines without one)."""
    import ctypes

    try:
        ctypes.CDLL("libcuda.so.1")
        return True
    except OSError:
        return False


def bundle_initializers(bundle: Path, spec: BaseSpec, names: Sequence[str],
                        own: dict[str, np.ndarray] | None = None) -> dict[str, np.ndarray]:
    """Arrays for every external initializer of a bundle's graph: base.* dequantized from the GGUF, hypernet.* from
    the bundle's safetensors (``own`` if already read). Floats become float32; integer tables keep their dtype."""
    from engine.core.gguf_weights import iter_weights

    if own is None:
        from safetensors.numpy import load_file

        own = load_file(str(Path(bundle) / WEIGHTS_FILE))
    wanted = set(names)
    arrays = {f"base.{k}": v for k, v in iter_weights(spec) if f"base.{k}" in wanted}
    arrays.update({f"hypernet.{k}": v.astype(np.float32) if np.issubdtype(v.dtype, np.floating) else v  # tables stay ints
                   for k, v in own.items() if f"hypernet.{k}" in wanted})
    missing = wanted - set(arrays)
    if missing:
        raise HypernetError(f"{bundle}: weights missing for {sorted(missing)[:3]}")
    return arrays


class OnnxHypernet:
    """A ready ONNX Runtime session that turns chunks of token ids into LoRA adapters."""

    def __init__(self, bundle: Path, spec: BaseSpec, cfg: SessionConfig = SessionConfig()):
        import onnxruntime as ort

        self.bundle, self.spec = Path(bundle), spec
        self.config = read_bundle_config(bundle)
        if self.config["base_sha256"] != spec.sha256:
            raise HypernetError(f"{bundle}: this hypernetwork was trained for base sha256 {self.config['base_sha256'][:12]}..., "
                                f"but the loaded base {spec.path.name} has {spec.sha256[:12]}...; "
                                "use the matching base or train a hypernetwork for this one")
        graph = self.bundle / self.config["onnx"]["file"]
        data = graph.read_bytes()
        if hashlib.sha256(data).hexdigest() != self.config["onnx"]["sha256"]:
            raise HypernetError(f"{graph}: graph file does not match its recorded sha256; reinstall or re-export")
        self.layout = adapter_layout(self.config)
        self.rank, self.scale = self.layout.chunk_rank, self.layout.scale  # rank per chunk, LoRA scale
        self.chunk_tokens = int(self.config["hypernet"]["chunk_tokens"])
        from safetensors.numpy import load_file

        names = self.config["onnx"]["external_initializers"]
        own = load_file(str(self.bundle / WEIGHTS_FILE))
        arrays = bundle_initializers(self.bundle, spec, names, own)
        rb = self.layout.bias_rank
        self._bias = (own["bias_a"][:, :rb].astype(np.float32), own["bias_b"][:, :, :rb].astype(np.float32)) if rb else None
        self.session, self._values = self._session(data, names, arrays, cfg)
        if not self._holds_own_copy(arrays):  # it read our arrays (now poisoned): build again and keep them alive
            arrays = bundle_initializers(self.bundle, spec, names, own)
            self.session, self._values = self._session(data, names, arrays, cfg)
        else:
            self._values = []  # ONNX Runtime copied the ~0.5 GB of weights: ours would be a second copy
        del arrays
        return_free_memory()
        self.providers = self.session.get_providers()
        log.info("hypernetwork session on %s (%s)", self.providers[0],
                 "its own copy of the weights" if not self._values else "weights shared with Python")

    @staticmethod
    def _session(data: bytes, names: Sequence[str], arrays: dict[str, np.ndarray], cfg: SessionConfig) -> tuple:
        """(session, the OrtValues wrapping ``arrays``: they must outlive it unless the session copied them)."""
        import onnxruntime as ort

        opts = ort.SessionOptions()
        opts.log_severity_level = 3
        opts.intra_op_num_threads = cfg.threads or 0
        opts.enable_cpu_mem_arena = cfg.memory_arena
        values = [ort.OrtValue.ortvalue_from_numpy(arrays[n]) for n in names]
        opts.add_external_initializers(list(names), values)
        return ort.InferenceSession(data, opts, providers=_providers(cfg)), values

    def _holds_own_copy(self, arrays: dict[str, np.ndarray]) -> bool:
        """Whether the session answers the same (GPU kernels may differ in the last bits) after every float array it
        was given is overwritten with NaN.

        ONNX Runtime's CPU provider copies external initializers into its own buffers, so Python's copy can go;
        a build or provider that reads them in place would answer NaN here, and the caller then keeps them.
        """
        probe = [(100 + i) % self.spec.vocab_size for i in range(64)]  # as long as a short wrapped document
        before = self.chunk_lora(probe)
        for a in arrays.values():
            if np.issubdtype(a.dtype, np.floating):
                a.fill(np.nan)
        after = self.chunk_lora(probe)
        return all(np.isfinite(y).all() and np.allclose(x, y, rtol=1e-4, atol=1e-6) for x, y in zip(before, after))

    def chunk_lora(self, ids: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
        """One chunk's ids -> A (L, r, d_ff), B (L, d_model, r)."""
        x = np.asarray(ids, dtype=np.int64)[None, :]
        a, b = self.session.run(list(OUTPUT_NAMES), {INPUT_NAME: x})
        return a, b

    def adapter(self, chunks: Sequence[Sequence[int]], meta: dict[str, str] | None = None,
                progress: Callable[[int, int], None] | None = None) -> LoraAdapter:
        """All chunks of a text -> one adapter (bias block, then chunk blocks, concatenated along rank)."""
        if not chunks:
            raise ValueError("no chunks to teach")
        As, Bs = ([self._bias[0]], [self._bias[1]]) if self._bias else ([], [])
        for i, ids in enumerate(chunks):
            a, b = self.chunk_lora(ids)
            As.append(a)
            Bs.append(b)
            if progress:
                progress(i + 1, len(chunks))
        A, B = np.concatenate(As, axis=1), np.concatenate(Bs, axis=2)
        info = {"hypernet": self.config.get("name", self.bundle.name), "base_sha256": self.spec.sha256,
                "n_chunks": str(len(chunks)), **(meta or {})}
        return LoraAdapter(A=np.ascontiguousarray(A), B=np.ascontiguousarray(B), scale=self.scale, meta=info)


def default_bundle(spec: BaseSpec) -> Path:
    """The shipped bundle for the embedded base (engine/weights/<name>/); may not exist for other bases."""
    from importlib.resources import files

    root = Path(str(files("engine").joinpath("weights")))
    for cand in sorted(root.glob("*/config.json")) if root.is_dir() else []:
        try:
            if json.loads(cand.read_text()).get("base_sha256") == spec.sha256:
                return cand.parent
        except (OSError, json.JSONDecodeError):
            continue
    raise HypernetError(f"no shipped hypernetwork matches base {spec.path.name} (sha256 {spec.sha256[:12]}...); "
                        "pass --hypernet DIR or train one with `lorafy train`")

