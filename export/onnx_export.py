"""Export the hypernetwork (base encoder + aggregator) to a weight-free ONNX graph.

The graph computes one chunk's (A, B) from its token ids. Every weight is left
*out* of the file as an external-data reference: at run time the base's
weights come from the same GGUF llama.cpp loads (dequantized, exactly what
training saw) and the hypernetwork's own from its safetensors file, both fed
through ``SessionOptions.add_external_initializers``. So the repository never
carries the base weights twice and the graph is a few hundred KB.

Why not optimum's exporter: it pins transformers < 4.58 and was seen exporting
SmolLM2 with the wrong RoPE theta (logits off by ~10). This exporter traces
Lorafy's own model with ``torch.onnx.export(dynamo=True)`` and is held to a
parity test against torch.
"""
from __future__ import annotations

import hashlib
import logging
from pathlib import Path

import torch

from engine.core.atomic import atomic_write_bytes
from engine.core.base import BaseSpec
from engine.infer.onnx_hypernet import GRAPH_FILE, INPUT_NAME, ONNX_SCHEMA_VERSION, OPSET, OUTPUT_NAMES
from engine.nn.d2l import ChunkToLora
from engine.nn.hypernet import Hypernet
from engine.nn.model import load_llama

log = logging.getLogger(__name__)
WEIGHT_PREFIXES = ("base.", "hypernet.")


def _externalize(model_proto) -> list[str]:
    """Turn every named weight initializer into an unresolved external reference; return their names."""
    from onnx import TensorProto
    from onnx.external_data_helper import set_external_data

    names = []
    for init in model_proto.graph.initializer:
        if init.name.startswith(WEIGHT_PREFIXES):
            set_external_data(init, location="supplied-at-load-time", offset=0, length=0)
            for f in ("raw_data", "float_data", "int64_data", "int32_data", "double_data"):
                init.ClearField(f)
            init.data_location = TensorProto.EXTERNAL
            names.append(init.name)
    return names


def export_graph(spec: BaseSpec, hypernet: Hypernet, out_dir: Path, example_tokens: int = 48) -> dict:
    """Write ``out_dir/hypernet.onnx`` for ``spec`` and ``hypernet``; return the ONNX section of config.json."""
    import onnx

    base = load_llama(spec, dtype=torch.float32)
    module = ChunkToLora(base, hypernet.float().eval()).eval()
    ids = torch.randint(0, spec.vocab_size, (1, example_tokens))
    seq = torch.export.Dim("seq", min=2, max=spec.context_length)
    program = torch.onnx.export(module, (ids,), dynamo=True, optimize=False, opset_version=OPSET,
                                input_names=[INPUT_NAME], output_names=list(OUTPUT_NAMES),
                                dynamic_shapes={"ids": {1: seq}}, verbose=False)
    proto = program.model_proto
    onnx.checker.check_model(proto)  # before the weights become unresolved references
    external = _externalize(proto)
    meta = {"lorafy.schema_version": str(ONNX_SCHEMA_VERSION), "lorafy.base_sha256": spec.sha256,
            "lorafy.opset": str(OPSET), "lorafy.inputs": INPUT_NAME, "lorafy.outputs": ",".join(OUTPUT_NAMES)}
    for k, v in meta.items():
        proto.metadata_props.add(key=k, value=v)
    data = proto.SerializeToString()
    out_dir.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(out_dir / GRAPH_FILE, data, mode=0o644)
    return {"schema_version": ONNX_SCHEMA_VERSION, "file": GRAPH_FILE, "opset": OPSET, "input": INPUT_NAME,
            "outputs": list(OUTPUT_NAMES), "external_initializers": external,
            "sha256": hashlib.sha256(data).hexdigest()}


def export_bundle(spec: BaseSpec, hypernet: Hypernet, out_dir: Path, extra: dict | None = None) -> Path:
    """Write a complete runtime bundle: fp16 weights, config.json (with the ONNX section) and the graph."""
    from engine.train.checkpoint import CONFIG, save_hypernet

    out_dir = Path(out_dir)
    onnx_info = export_graph(spec, hypernet, out_dir)
    save_hypernet(out_dir, hypernet, spec.sha256, dtype=torch.float16, extra={**(extra or {}), "onnx": onnx_info})
    log.info("exported %s (%d external initializers)", out_dir, len(onnx_info["external_initializers"]))
    return out_dir / CONFIG

