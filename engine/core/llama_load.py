"""The one place that loads a llama.cpp model and its context: parameters that work on every CPU.

Every llama.cpp load in the product, the benchmarks and the tests goes through
:func:`model_params` (``tests/engine/test_llama_load.py`` fails on any other).

Weights stay in llama.cpp's plain CPU buffer (``use_extra_bufts = False``).
With the extra buffer types on, llama.cpp repacks quantized weights for the
CPU it runs on (AMX tiles on Intel Xeons from Sapphire Rapids on, interleaved
blocks on some Arm and AVX CPUs). A LoRA adapter cannot be applied to
repacked weights ("cannot use buft 'AMX', fallback to CPU") and on AMX CPUs
even a plain evaluation of the embedded base segfaults in native builds
(llama-cpp-python 0.3.36; ggml-org/llama.cpp#12587 reports the same class of bug upstream).
``bench/repack_cost.py`` measures what repacking would gain on prompt
processing, each load in its own process, so the choice stays a measured one.

Uses only llama.cpp's public C API through llama-cpp-python's ctypes bindings;
``llama_cpp.Llama`` is not used because it builds its own model parameters.
"""
from __future__ import annotations

import ctypes
import logging
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

logger = logging.getLogger(__name__)

# Kept off everywhere: see the module docstring. A bench may pass True to measure the difference.
USE_EXTRA_BUFTS = False


class LlamaLoadError(RuntimeError):
    """llama.cpp could not load the model or create a context for it."""


@dataclass(frozen=True)
class LoadConfig:
    """What to load and how: context size, batch, threads and GPU layers (-1: all that the build can offload)."""

    model_path: Path
    n_ctx: int = 4096
    n_batch: int = 512
    n_threads: int = 1
    n_gpu_layers: int = 0
    vocab_only: bool = False
    verbose: bool = False  # llama.cpp's log on stderr
    use_extra_bufts: bool = USE_EXTRA_BUFTS

    def __post_init__(self) -> None:
        object.__setattr__(self, "model_path", Path(self.model_path))
        if self.n_ctx <= 0 or self.n_batch <= 0 or self.n_threads <= 0:
            raise ValueError(f"n_ctx ({self.n_ctx}), n_batch ({self.n_batch}) and n_threads ({self.n_threads}) "
                             "must be positive")


def _load_cxx_runtime() -> None:
    """Make the C++ runtime the system links against global before llama.cpp's libraries are opened (Linux).

    A llama-cpp-python built with the C++ runtime linked into each of its shared libraries (seen with
    gcc 13.3 on an Intel Xeon host) gets one copy per library; loading the vocabulary then segfaults
    ("init_tokenizer") even with ``vocab_only``. With the shared ``libstdc++.so.6`` opened first, every
    library resolves to that one copy (measured with ``LD_PRELOAD``: teach, ask with an adapter and the
    llama.cpp tests pass on that host). Opened by soname, it is the copy the process already has or the one
    its dynamic linker would pick; a build that links it normally is unaffected.
    """
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL("libstdc++.so.6", mode=ctypes.RTLD_GLOBAL)
        except OSError:  # no shared C++ runtime here: nothing to unify
            pass


def llama_cpp_module():
    """The ``llama_cpp`` module, imported the one safe way (see :func:`_load_cxx_runtime`); every import of
    llama-cpp-python in the product and the benchmarks goes through here."""
    _load_cxx_runtime()
    import llama_cpp  # imported late: importing this module must not load the native library

    return llama_cpp


_lc = llama_cpp_module


def backend_init(verbose: bool = False) -> None:
    """Initialise llama.cpp's backends (idempotent; cheap after the first call); its log on stderr only if ``verbose``.

    llama-cpp-python routes llama.cpp's log through one process-wide switch; every load sets it, as its
    own ``Llama`` does.
    """
    lc = _lc()
    from llama_cpp import _logger

    _logger.set_verbose(verbose)
    lc.llama_backend_init()


def model_params(n_gpu_layers: int = 0, vocab_only: bool = False, use_extra_bufts: bool = USE_EXTRA_BUFTS):
    """llama.cpp model parameters as Lorafy uses them everywhere (weights never repacked unless asked)."""
    lc = _lc()
    p = lc.llama_model_default_params()
    all_layers = 0x7FFFFFFF  # llama.cpp clamps to the model's layer count
    p.n_gpu_layers = (all_layers if n_gpu_layers < 0 else int(n_gpu_layers)) if lc.llama_supports_gpu_offload() else 0
    p.vocab_only = bool(vocab_only)
    p.use_extra_bufts = bool(use_extra_bufts)
    return p


class LlamaModel:
    """A loaded llama.cpp model and (unless ``vocab_only``) one context; ``close()`` frees both."""

    def __init__(self, cfg: LoadConfig):
        lc = _lc()
        self._lc, self.cfg = lc, cfg
        if not cfg.model_path.is_file():
            raise LlamaLoadError(f"{cfg.model_path}: no such model file; pass --base PATH to a GGUF model")
        backend_init(cfg.verbose)
        self.params = model_params(cfg.n_gpu_layers, cfg.vocab_only, cfg.use_extra_bufts)
        self.model = lc.llama_model_load_from_file(os.fsencode(cfg.model_path), self.params)
        if not self.model:
            raise LlamaLoadError(f"{cfg.model_path}: llama.cpp could not load this file as a model")
        self.ctx = None
        self.vocab = lc.llama_model_get_vocab(self.model)
        if not cfg.vocab_only:
            self.ctx = lc.llama_init_from_model(self.model, self._context_params())
            if not self.ctx:
                lc.llama_model_free(self.model)
                self.model = None
                raise LlamaLoadError(f"{cfg.model_path}: llama.cpp could not create a {cfg.n_ctx}-token context "
                                     "(out of memory?); lower n_ctx")

    def _context_params(self):
        cfg, p = self.cfg, self._lc.llama_context_default_params()
        p.n_ctx = cfg.n_ctx
        p.n_batch = p.n_ubatch = min(cfg.n_ctx, cfg.n_batch)
        p.n_threads = p.n_threads_batch = cfg.n_threads  # prompt processing too, not only generation
        return p

    @property
    def n_gpu_layers(self) -> int:
        """Layers offloaded as asked of llama.cpp (0 on a CPU-only build)."""
        return min(int(self.params.n_gpu_layers), self.n_layer + 1)  # + 1: the output layer

    @property
    def n_layer(self) -> int:
        return int(self._lc.llama_model_n_layer(self.model))

    def tokenize(self, text: bytes, add_bos: bool, special: bool) -> list[int]:
        """Token ids of UTF-8 ``text``."""
        lc = self._lc
        n_max = max(16, len(text) + 8)
        buf = (lc.llama_token * n_max)()
        n = lc.llama_tokenize(self.vocab, text, len(text), buf, n_max, add_bos, special)
        if n < 0:
            buf = (lc.llama_token * -n)()
            n = lc.llama_tokenize(self.vocab, text, len(text), buf, -n, add_bos, special)
            if n < 0:
                raise ValueError(f"llama.cpp could not tokenize {len(text)} bytes")
        return list(buf[:n])

    def clear_memory(self) -> None:
        """Forget every evaluated token (the KV cache)."""
        mem = self._lc.llama_get_memory(self.ctx)
        if mem is not None:
            self._lc.llama_memory_clear(mem, True)

    def close(self) -> None:
        """Free the context, then the model; safe to call twice."""
        if self.ctx:
            self._lc.llama_free(self.ctx)
        if self.model:
            self._lc.llama_model_free(self.model)
        self.ctx = self.model = None

    def __enter__(self) -> "LlamaModel":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def load_vocab(model_path: str | os.PathLike) -> LlamaModel:
    """The model's vocabulary only (no weights, no context): for tokenizing."""
    return LlamaModel(LoadConfig(Path(model_path), vocab_only=True))


def capture_log(sink: Callable[[str], None]):
    """Route llama.cpp's log lines to ``sink`` until the returned ``restore()`` is called (tests, doctor)."""
    lc = _lc()

    @lc.llama_log_callback
    def _cb(level: int, text: bytes, user_data: ctypes.c_void_p) -> None:
        sink(text.decode("utf-8", errors="replace"))

    lc.llama_log_set(_cb, ctypes.c_void_p(0))

    def restore() -> None:
        from llama_cpp import _logger

        lc.llama_log_set(_logger.llama_log_callback, ctypes.c_void_p(0))
        _cb  # keep the callback alive until restored  # noqa: B018

    return restore
