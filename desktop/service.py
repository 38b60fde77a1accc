"""Lorafy's user-facing operations (teach, ask, forget, export) wired from engine and export parts; Qt-free, torch-free.

The CLI and the desktop app both drive this one object. It owns the
llama.cpp runtime (through engine.runtime), the ONNX hypernetwork session and
the library, each created on first use.
"""
from __future__ import annotations

import logging
import re
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Callable, Iterator, Sequence

from engine.adapter_file import read_adapter
from engine.base import BaseSpec, load_base
from engine.onnx_hypernet import OnnxHypernet, SessionConfig, default_bundle
from engine.prompts import PromptFormat, wrap_chunks
from engine.runtime import Runtime, RuntimeConfig
from export.gguf_adapter import write_gguf_adapter
from export.peft_adapter import write_peft_adapter
from desktop.library import Item, Library, Provenance, now

log = logging.getLogger(__name__)
Progress = Callable[[int, int], None]


def file_stem(name: str) -> str:
    """An item name made safe as one file name inside a folder: no path separators, not hidden ("" if nothing is left).

    >>> file_stem("Reply in English/French."), file_stem("..")
    ('Reply in English_French', '')
    """
    return re.sub(r"[/\\\x00]", "_", name).strip(". ")


@dataclass(frozen=True)
class ServiceConfig:
    """Where Lorafy keeps its data and which models it runs."""

    home: Path
    base_path: Path | None = None  # None = the embedded SmolLM2-135M-Instruct
    hypernet_dir: Path | None = None  # None = the bundle shipped for the base
    threads: int | None = None
    n_ctx: int = 8192
    n_gpu_layers: int = -1
    use_gpu: bool = True


@dataclass
class Answer:
    """One generated answer and what produced it."""

    text: str
    seconds: float
    first_token_seconds: float
    prompt_tokens: int
    adapters: list[str] = field(default_factory=list)
    mode: str = "base"


class Lorafy:
    """Teach texts into adapters and answer questions with chosen adapters active."""

    def __init__(self, cfg: ServiceConfig):
        self.cfg = cfg
        self.library = Library(cfg.home)
        self._handles: dict[str, str] = {}  # item id -> runtime adapter handle

    @cached_property
    def spec(self) -> BaseSpec:
        return load_base(self.cfg.base_path)

    @cached_property
    def fmt(self) -> PromptFormat:
        return PromptFormat(self.spec.chat_template)

    @cached_property
    def runtime(self) -> Runtime:
        n_ctx = min(self.cfg.n_ctx, self.spec.context_length)
        return Runtime(RuntimeConfig(model_path=str(self.spec.path), n_ctx=n_ctx, n_threads=self.cfg.threads,
                                     n_gpu_layers=self.cfg.n_gpu_layers), self.spec)

    @cached_property
    def hypernet(self) -> OnnxHypernet:
        bundle = self.cfg.hypernet_dir or default_bundle(self.spec)
        return OnnxHypernet(Path(bundle), self.spec, SessionConfig(threads=self.cfg.threads, use_gpu=self.cfg.use_gpu))

    def tokenize(self, text: str) -> list[int]:
        return self.runtime.tokenize(text)

    def load(self) -> None:
        """Load the base (llama.cpp) and the hypernetwork now rather than on first use."""
        _ = self.runtime, self.hypernet

    # -- teaching -------------------------------------------------------------------------------
    def teach_text(self, text: str, name: str, kind: str = "memory", source: str = "text",
                   progress: Progress | None = None, provenance: Provenance | None = None) -> Item:
        """Turn ``text`` into an adapter file and record it in the library (with ``provenance`` for files)."""
        self.load()  # start-up is not teaching time (ask's timings exclude it too)
        t0 = time.perf_counter()
        if not text.strip():
            raise ValueError("cannot teach an empty text")
        content = self.tokenize(text)  # tokenized once: counted here, chunked below
        chunks = wrap_chunks(self.fmt, self.tokenize, content, self.hypernet.chunk_tokens)
        adapter = self.hypernet.adapter(chunks, meta={"kind": kind}, progress=progress)
        item = Item(id=self.library.new_id(), name=name, kind=kind, source=source, tokens=len(content),
                    chunks=len(chunks), created=now(), adapter="", base_sha256=self.spec.sha256,
                    teach_seconds=round(time.perf_counter() - t0, 4))
        return self.library.commit_adapter(item, lambda path: write_gguf_adapter(adapter, path, self.spec), self.spec,
                                           provenance)

    def teach_file(self, path: Path, name: str | None = None, progress: Progress | None = None) -> Item:
        """Teach a text file as a memory (UTF-8; undecodable bytes are replaced, never fatal)."""
        path = Path(path)
        text = path.read_bytes().decode("utf-8", errors="replace")
        return self.teach_text(text, name or path.stem, "memory", str(path), progress)

    # -- adapters in the runtime ----------------------------------------------------------------
    def activate(self, keys: Sequence[str], weights: Sequence[float] | None = None) -> list[Item]:
        """Make exactly these items' adapters active (loading each once); [] deactivates all."""
        items = [self.library.resolve(k) for k in keys]
        weights = list(weights) if weights is not None else [1.0] * len(items)
        for item in items:
            if item.id not in self._handles:
                self._handles[item.id] = self.runtime.load_adapter(str(self.library.adapter_path(item)), self.spec)
        self.runtime.set_active([(self._handles[i.id], w) for i, w in zip(items, weights)])
        return items

    def forget(self, key: str) -> Item:
        """Unload an item's adapter if loaded, then delete it from the library and disk."""
        item = self.library.resolve(key)
        handle = self._handles.pop(item.id, None)
        if handle is not None:
            self.runtime.unload_adapter(handle)
        return self.library.remove(item.id)

    def export(self, key: str, fmt: str, out: Path) -> Path:
        """Write an item's adapter as GGUF (a file) or PEFT (a folder) under ``out``."""
        item = self.library.resolve(key)
        adapter = read_adapter(self.library.adapter_path(item), self.spec)
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        stem = file_stem(item.name) or item.id
        if fmt == "gguf":
            return write_gguf_adapter(adapter, out / f"{stem}.gguf", self.spec)
        if fmt == "peft":
            return write_peft_adapter(adapter, out / stem, self.spec)
        raise ValueError(f"unknown export format {fmt!r}; use gguf or peft")

    # -- asking ---------------------------------------------------------------------------------
    def prompt(self, question: str, context: str | None = None) -> str:
        return self.fmt.in_context(context, question) if context is not None else self.fmt.question(question)

    def stream(self, question: str, use: Sequence[str] = (), context: str | None = None,
               max_tokens: int = 128) -> Iterator[str]:
        """Stream answer pieces with ``use`` active (or the document ``context`` in the prompt)."""
        self.activate(use)
        yield from self.runtime.generate(self.prompt(question, context), max_tokens=max_tokens)

    def ask(self, question: str, use: Sequence[str] = (), context: str | None = None,
            max_tokens: int = 128) -> Answer:
        """Answer one question; timings include prompt processing and generation."""
        items = self.activate(use)
        prompt = self.prompt(question, context)
        t0 = time.perf_counter()
        first, pieces = None, []
        for piece in self.runtime.generate(prompt, max_tokens=max_tokens):
            first = first if first is not None else time.perf_counter() - t0
            pieces.append(piece)
        total = time.perf_counter() - t0
        mode = "icl" if context is not None else ("adapter" if items else "base")
        return Answer(text="".join(pieces).strip(), seconds=total, first_token_seconds=first or total,
                      prompt_tokens=len(self.tokenize(prompt)), adapters=[i.name for i in items], mode=mode)

    @contextmanager
    def evaluating(self, max_tokens: int) -> Iterator[tuple[Callable, Callable, Callable]]:
        """(teach, answer, fits_context) callables for engine.evaluate.run_eval on the user's path.

        Items taught for the evaluation are forgotten on exit, so the library is left as it was.
        """
        taught: list[str] = []
        window = self.runtime.n_ctx - max_tokens

        def teach(rec_id: str, document: str) -> str:
            taught.append(self.teach_text(document, name=f"eval-{rec_id}", kind="memory", source="eval").id)
            return taught[-1]

        def answer(mode: str, question: str, document: str | None, key: str | None) -> str:
            return self.ask(question, use=[key] if key else [], context=document, max_tokens=max_tokens).text

        def fits(document: str, question: str) -> bool:
            return len(self.tokenize(self.prompt(question, document))) <= window

        try:
            yield teach, answer, fits
        finally:
            self.activate([])
            for key in taught:
                self.forget(key)

    def close(self) -> None:
        if "runtime" in self.__dict__:
            self.runtime.close()
