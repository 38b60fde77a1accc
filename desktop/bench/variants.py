"""The variants section: the shipped graph materialised with its weights, quantized to int8, against fp32."""
from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Sequence

import numpy as np

from desktop.bench.config import Row
from desktop.bench.measure import Bench, eval_records, max_rel_err, median_seconds, progress_bar, sized_document, timed

if TYPE_CHECKING:  # the service is built by the caller (cli.py); only its type is named here
    from engine.core.base import BaseSpec


FP16_LEFT_OUT = ("left out: making a float16 graph needs a converter (onnxconverter-common) that is not a dependency, "
                 "and fp16 matmuls pay off only on a GPU provider")


def section_variants(b: Bench) -> tuple[list[Row], dict]:
    from engine.core.prompts import PromptFormat, encode_chunks

    svc, cfg, fp32 = b.svc, b.cfg, b.svc.hypernet
    doc = b.docs.get(cfg.variant_tokens) or sized_document(cfg.variant_tokens, b.count)
    chunks = encode_chunks(PromptFormat(svc.spec.chat_template), svc.tokenize, doc.document, fp32.chunk_tokens)
    ref = fp32.adapter(chunks)
    base = {"disk_bytes": bundle_bytes(fp32.bundle), "session_s": b.setup["session_create_s"],
            "teach_s": median_seconds(lambda: teach_with(b, fp32.chunk_lora, chunks, ref), cfg.repeats),
            "lora_accuracy": b.quality["lora"]["accuracy"] if b.quality else None}
    details = {"doc_tokens": b.count(doc.document), "chunks": len(chunks), "fp32": base, "fp16": FP16_LEFT_OUT,
               "teach_note": "hypernetwork + GGUF write + hot-load; chunks tokenized once beforehand"}
    try:
        graph = make_int8(b, b.work / "variants")
    except ImportError as e:  # onnx (for onnxruntime.quantization) is a [train] extra
        details["int8"] = f"left out: {e}; install onnx to quantize"
        return [Row("variants", f"fp32: teach {details['doc_tokens']} tok", "s", base["teach_s"], None, "-",
                    note=details["int8"])], details
    runner = graph.pop("runner")
    graph["teach_s"] = median_seconds(lambda: teach_with(b, runner.chunk_lora, chunks, ref), cfg.repeats)
    got = variant_adapter(runner.chunk_lora, chunks, ref, bias_rank(b))
    graph["max_rel_err_A"], graph["max_rel_err_B"] = max_rel_err(got.A, ref.A), max_rel_err(got.B, ref.B)
    graph["lora_accuracy"] = variant_accuracy(b, runner.chunk_lora, ref) if "quality" not in cfg.skip else None
    details["int8"] = graph
    return variant_rows(details, base, graph), details


def variant_rows(details: dict, fp32: dict, int8: dict) -> list[Row]:
    """The int8 graph against fp32: size, session, teach time, parity of A / B, adapter accuracy."""
    tok = details["doc_tokens"]
    return [
        Row("variants", "int8: on disk", "bytes", int8["disk_bytes"], fp32["disk_bytes"], "fp32",
            note="int8 holds the base weights; fp32 reads them from the GGUF"),
        Row("variants", "int8: weights in memory", "bytes", int8["disk_bytes"], int8["fp32_weight_bytes"], "fp32"),
        Row("variants", "int8: session creation", "s", int8["session_s"], fp32["session_s"], "fp32",
            note=f"quantizing took {int8['quantize_s']:.0f} s once"),
        Row("variants", f"int8: teach {tok} tok ({details['chunks']} chunks)", "s", int8["teach_s"], fp32["teach_s"],
            "fp32", note=details["teach_note"]),
        Row("variants", "int8: max rel err of A", "rel", int8["max_rel_err_A"], None, "fp32",
            note=f"B: {int8['max_rel_err_B']:.2e}; max |int8 - fp32| / max |fp32|"),
        Row("variants", "int8: lora accuracy", "accuracy", int8["lora_accuracy"], fp32["lora_accuracy"], "fp32",
            note="same eval set as quality"),
    ]


def bias_rank(b: Bench) -> int:
    return int(b.svc.hypernet.config["hypernet"]["bias_rank"])


def bundle_bytes(bundle: Path) -> int:
    """Bytes of a bundle's files (graph, own weights, config); the base weights come from the GGUF."""
    return sum(p.stat().st_size for p in Path(bundle).iterdir() if p.is_file())


def variant_adapter(chunk_lora: Callable, chunks: Sequence[Sequence[int]], ref, rb: int):
    """An adapter from another graph's per-chunk (A, B), laid out like OnnxHypernet.adapter: bias block, then chunks.

    The bias block (learned, the same for every document) and the scale are taken from ``ref``, an fp32 adapter.
    """
    from engine.core.adapter import LoraAdapter

    As, Bs = [ref.A[:, :rb]], [ref.B[:, :, :rb]]  # (L, rb, d_ff), (L, d_model, rb)
    for ids in chunks:
        a, b = chunk_lora(ids)  # (L, r, d_ff), (L, d_model, r)
        As.append(a)
        Bs.append(b)
    return LoraAdapter(A=np.ascontiguousarray(np.concatenate(As, axis=1)), B=np.ascontiguousarray(np.concatenate(Bs, axis=2)),
                       scale=ref.scale, meta={**ref.meta, "n_chunks": str(len(chunks))})


def teach_with(b: Bench, chunk_lora: Callable, chunks, ref) -> float:
    """Seconds to make an adapter with ``chunk_lora``, write it and hot-load it; the adapter is dropped afterwards."""
    from export.gguf_adapter import write_gguf_adapter

    path = b.work / "variants" / f"teach-{time.monotonic_ns()}.gguf"
    path.parent.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    write_gguf_adapter(variant_adapter(chunk_lora, chunks, ref, bias_rank(b)), path, b.svc.spec)
    handle = b.rt.load_adapter(path)
    b.rt.set_active([(handle, 1.0)])
    seconds = time.perf_counter() - t0
    b.rt.set_active([])
    b.rt.unload_adapter(handle)
    path.unlink()
    return seconds


def variant_accuracy(b: Bench, chunk_lora: Callable, ref) -> float:
    """Adapter-mode accuracy on the quality eval set with adapters made by ``chunk_lora``."""
    from engine.core.prompts import PromptFormat, encode_chunks
    from engine.eval.evaluate import run_eval, summarise
    from export.gguf_adapter import write_gguf_adapter

    svc, rt, cfg = b.svc, b.rt, b.cfg
    fmt, handles = PromptFormat(svc.spec.chat_template), []

    def teach(rec_id: str, document: str) -> str:
        chunks = encode_chunks(fmt, svc.tokenize, document, svc.hypernet.chunk_tokens)
        path = write_gguf_adapter(variant_adapter(chunk_lora, chunks, ref, bias_rank(b)),
                                  b.work / "variants" / f"eval-{rec_id}.gguf", svc.spec)
        handles.append(rt.load_adapter(path))
        return handles[-1]

    def answer(mode: str, question: str, document: str | None, handle: str | None) -> str:
        rt.set_active([(handle, 1.0)])
        return "".join(rt.generate(svc.prompt(question), max_tokens=cfg.eval_max_tokens)).strip()

    records = eval_records(cfg)
    bar = progress_bar(cfg, "int8 quality", sum(len(r.questions) for r in records))
    try:
        rows = run_eval(records, ("lora",), teach, answer, on_row=lambda r: bar.update(1))
    finally:
        bar.close()
        rt.set_active([])
        for h in handles:
            rt.unload_adapter(h)
    return summarise(rows)["lora"]["accuracy"]


class GraphHypernet:
    """A self-contained ONNX hypernetwork graph (weights inside, e.g. the int8 variant): one chunk -> (A, B)."""

    def __init__(self, path: Path, threads: int | None, providers: Sequence[str]):
        import onnxruntime as ort

        opts = ort.SessionOptions()
        opts.log_severity_level = 3
        opts.intra_op_num_threads = threads or 0
        self.session = ort.InferenceSession(str(path), opts, providers=list(providers))

    def chunk_lora(self, ids: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
        from engine.infer.onnx_hypernet import INPUT_NAME, OUTPUT_NAMES

        a, b = self.session.run(list(OUTPUT_NAMES), {INPUT_NAME: np.asarray(ids, dtype=np.int64)[None, :]})
        return a, b  # (L, r, d_ff), (L, d_model, r)


def make_int8(b: Bench, out_dir: Path) -> dict:
    """Materialise the shipped graph with its weights, quantize its MatMul/Gather weights to int8, open a session."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    out_dir.mkdir(parents=True, exist_ok=True)
    fp32_path, int8_path = out_dir / "hypernet.fp32.onnx", out_dir / "hypernet.int8.onnx"
    t0 = time.perf_counter()
    weight_bytes = materialise_graph(b.svc.hypernet.bundle, b.svc.spec, fp32_path)
    quantize_dynamic(fp32_path, int8_path, op_types_to_quantize=["MatMul", "Gather"], per_channel=True,
                     weight_type=QuantType.QInt8)
    quantize_s = time.perf_counter() - t0
    fp32_path.unlink()
    session_s, runner = timed(GraphHypernet, int8_path, b.svc.cfg.threads, b.svc.hypernet.providers)
    return {"runner": runner, "quantize_s": quantize_s, "session_s": session_s, "disk_bytes": int8_path.stat().st_size,
            "fp32_weight_bytes": weight_bytes, "method": "onnxruntime.quantization.quantize_dynamic, QInt8, per channel, "
            "MatMul + Gather weights (activations quantized at run time)"}


def materialise_graph(bundle: Path, spec: "BaseSpec", out: Path) -> int:
    """Write the bundle's graph with every external weight filled in (base from the GGUF, own from safetensors).

    Transpose(weight) nodes are folded into transposed weights so the quantizer sees MatMul(x, W).
    Returns the bytes of float32 weights written.
    """
    import onnx
    from onnx import numpy_helper

    model = onnx.load(str(Path(bundle) / "hypernet.onnx"), load_external_data=False)
    arrays = bundle_weights(bundle, spec, {i.name for i in model.graph.initializer})
    folded = fold_weight_transposes(model.graph, arrays)
    used = {i for n in model.graph.node for i in n.input}
    inits = [numpy_helper.from_array(arrays[i.name], i.name) if i.name in arrays else i
             for i in model.graph.initializer if i.name in used]
    inits += [numpy_helper.from_array(a, name) for name, a in folded.items()]
    del model.graph.initializer[:]
    model.graph.initializer.extend(inits)
    onnx.save(model, str(out))
    return sum(a.nbytes for name, a in arrays.items() if name in used) + sum(a.nbytes for a in folded.values())


def bundle_weights(bundle: Path, spec: "BaseSpec", names: set[str]) -> dict[str, np.ndarray]:
    """float32 arrays of the graph's external weights: base.* dequantized from the GGUF, hypernet.* from safetensors."""
    from safetensors.numpy import load_file

    from engine.core.gguf_weights import iter_weights
    from engine.infer.onnx_hypernet import WEIGHTS_FILE

    arrays = {f"base.{k}": v for k, v in iter_weights(spec) if f"base.{k}" in names}
    own = load_file(str(Path(bundle) / WEIGHTS_FILE))
    arrays.update({f"hypernet.{k}": v.astype(np.float32) for k, v in own.items() if f"hypernet.{k}" in names})
    return arrays


def fold_weight_transposes(graph, arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Drop each Transpose whose input is a weight in ``arrays``; return its output name -> the transposed weight."""
    folded, keep = {}, []
    for node in graph.node:
        if node.op_type == "Transpose" and node.input[0] in arrays:
            perm = next((list(a.ints) for a in node.attribute if a.name == "perm"), None)
            folded[node.output[0]] = np.ascontiguousarray(np.transpose(arrays[node.input[0]], perm))
        else:
            keep.append(node)
    del graph.node[:]
    graph.node.extend(keep)
    return folded


