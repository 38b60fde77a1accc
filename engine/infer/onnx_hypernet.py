"""Run the exported hypernetwork with ONNX Runtime: text chunks -> a LoraAdapter (no torch).

A bundle directory holds ``config.json`` (hypernetwork config, base sha256,
ONNX section), ``hypernet.safetensors`` (its own weights) and ``hypernet.onnx``
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

log = logging.getLogger(__name__)

GRAPH_FILE = "hypernet.onnx"
WEIGHTS_FILE = "hypernet.safetensors"
CONFIG_FILE = "config.json"
INPUT_NAME = "input_ids"
OUTPUT_NAMES = ("lora_a", "lora_b")
OPSET = 18
ONNX_SCHEMA_VERSION = 1


class HypernetError(Exception):
    """A hypernetwork bundle is missing, damaged, or made for another base model."""


@dataclass(frozen=True)
class SessionConfig:
    """How ONNX Runtime runs the hypernetwork."""

    threads: int | None = None  # intra-op threads; None = all cores
    use_gpu: bool = True  # try CUDA (onnxruntime-gpu) first, fall back to CPU


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


def _initializers(bundle: Path, spec: BaseSpec, names: Sequence[str], own: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Arrays for every external initializer of the graph: base.* from the GGUF, hypernet.* from ``own``."""
    from engine.core.gguf_weights import iter_weights

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
        hp = self.config["hypernet"]
        self.rank, self.scale = int(hp["rank"]) + int(hp.get("copy_rank", 0)), 2.0 * int(hp["rank"]) ** 1.5  # rank per chunk
        self.chunk_tokens = int(hp["chunk_tokens"])
        from safetensors.numpy import load_file

        names = self.config["onnx"]["external_initializers"]
        own = load_file(str(self.bundle / WEIGHTS_FILE))
        arrays = _initializers(self.bundle, spec, names, own)
        rb = int(hp["bias_rank"])
        self._bias = (own["bias_a"][:, :rb].astype(np.float32), own["bias_b"][:, :, :rb].astype(np.float32)) if rb else None
        opts = ort.SessionOptions()
        opts.log_severity_level = 3
        opts.intra_op_num_threads = cfg.threads or 0
        self._values = [ort.OrtValue.ortvalue_from_numpy(arrays[n]) for n in names]  # must outlive the session
        opts.add_external_initializers(list(names), self._values)
        self.session = ort.InferenceSession(data, opts, providers=_providers(cfg))
        self.providers = self.session.get_providers()
        log.info("hypernetwork session on %s", self.providers[0])

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

