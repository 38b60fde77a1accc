"""The one owner of the llama.cpp model: generation, chat, and hot-swapped LoRA adapters (no torch).

One base model is loaded once; GGUF LoRA adapters are validated by
:mod:`engine.core.adapter_file`, loaded next to it with ``llama_adapter_lora_init``
and switched per request with ``llama_set_adapters_lora`` (several at once,
each with a user weight; llama.cpp multiplies it by the file's alpha / rank,
which already encodes Lorafy's scale).

The KV cache holds keys and values computed under the adapters active at
the time, so it is only reused under the same adapter set: a prompt that
shares a prefix with what the cache holds evaluates only the rest (the chat
template's fixed opening, earlier turns of a conversation), and a switch
parks the cache of the set it leaves (``llama_state_seq_get_data``, at most
``RuntimeConfig.park_sets`` sets, oldest dropped first) and brings back the
one parked for the set it enters, so switching back and forth between
memories does not evaluate the shared prefix again. The model is loaded by
:mod:`engine.core.llama_load` (weights never repacked: safe on AMX CPUs) and
decoding uses llama.cpp's C API directly (own batch, greedy argmax over the
logits).

Not thread-safe: one worker owns a Runtime and calls it from one thread. A
``generate`` stream is invalidated by any later generate / logits / switch.
"""
from __future__ import annotations

import codecs
import ctypes
import itertools
import logging
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Sequence

import numpy as np

from engine.core.adapter_file import AdapterFileError, AdapterInfo, validate_adapter_file
from engine.core.base import BaseSpec, read_spec
from engine.core.llama_load import LlamaModel, LoadConfig
from engine.core.prompts import PromptFormat, render_chat

logger = logging.getLogger(__name__)
DEFAULT_N_CTX = 8192  # tokens of context; callers cap it at the base's trained window (spec.context_length)


class LlamaRuntimeError(RuntimeError):
    """llama.cpp refused an operation (decode, adapter switch) or the Runtime was used out of order."""


@dataclass(frozen=True)
class RuntimeConfig:
    """How to run the base model. ``n_gpu_layers=-1`` offloads every layer when the build supports it."""

    model_path: Path
    n_ctx: int = DEFAULT_N_CTX
    n_threads: int | None = None  # None: os.cpu_count()
    n_gpu_layers: int = -1
    n_batch: int = 512
    verbose: bool = False  # llama.cpp's own log on stderr
    park_sets: int = 8  # adapter sets whose KV cache is kept across switches (0: every switch starts empty)
    park_tokens: int = 1024  # at most this many leading tokens of a cache are parked

    def __post_init__(self) -> None:
        object.__setattr__(self, "model_path", Path(self.model_path))
        if self.n_ctx <= 0 or self.n_batch <= 0:
            raise ValueError(f"n_ctx ({self.n_ctx}) and n_batch ({self.n_batch}) must be positive")
        if self.park_sets < 0 or self.park_tokens < 1:
            raise ValueError(f"park_sets ({self.park_sets}) must be >= 0 and park_tokens ({self.park_tokens}) >= 1")
        if self.n_threads is not None and self.n_threads <= 0:
            raise ValueError(f"n_threads must be positive or None (all cores), got {self.n_threads}")

    def threads(self) -> int:
        return self.n_threads or os.cpu_count() or 1

    def gpu_layers(self, supports_gpu: bool) -> int:
        return self.n_gpu_layers if supports_gpu else 0


@dataclass
class _Loaded:
    ptr: object  # llama_adapter_lora_p_ctypes
    info: AdapterInfo


@dataclass
class _State:
    """Adapters held in llama.cpp and which are active; ``turn`` invalidates older streams.

    ``kv``: the tokens sequence 0 of the KV cache holds (positions 0..), evaluated under ``active``;
    ``parked``: (tokens, llama.cpp sequence state) per adapter set left by a switch, oldest first.
    """

    adapters: dict[str, _Loaded] = field(default_factory=dict)
    active: tuple[tuple[str, float], ...] = ()
    turn: int = 0
    kv: list[int] = field(default_factory=list)
    parked: dict[tuple, tuple[list[int], bytes]] = field(default_factory=dict)


def set_key(pairs: Sequence[tuple[str, float]]) -> tuple:
    """The identity of an adapter set for the KV cache: order does not matter, weight 0 is no adapter.

    >>> set_key([("b", 1.0), ("a", 0.5), ("c", 0.0)])
    (('a', 0.5), ('b', 1.0))
    """
    return tuple(sorted((h, float(w)) for h, w in pairs if w != 0.0))


def common_prefix(a: Sequence[int], b: Sequence[int]) -> int:
    """How many leading tokens ``a`` and ``b`` share.

    >>> common_prefix([1, 2, 3], [1, 2, 4, 5])
    2
    """
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n


class Runtime:
    """A loaded llama.cpp base with greedy generation and hot-swappable LoRA adapters."""

    def __init__(self, config: RuntimeConfig, spec: BaseSpec | None = None):
        from engine.core.llama_load import llama_cpp_module

        self._lc = llama_cpp_module()
        self.config = config
        self.spec = spec if spec is not None else read_spec(config.model_path)
        if Path(self.spec.path).resolve() != config.model_path.resolve():
            raise ValueError(f"spec describes {self.spec.path} but the config loads {config.model_path}; "
                             "pass the matching spec")
        self.base_loads = 0
        self._state = _State()
        self._handles = itertools.count(1)
        self._llm = self._load_base()
        self._vocab = self._llm.vocab
        self.n_vocab = int(self._lc.llama_vocab_n_tokens(self._vocab))
        self._n_batch = int(self._lc.llama_n_batch(self._llm.ctx))
        self._batch = self._lc.llama_batch_init(self._n_batch, 0, 1)
        self._add_bos = bool(self._lc.llama_vocab_get_add_bos(self._vocab))
        self._stop_ids = self._find_stop_ids()

    # -- lifecycle -------------------------------------------------------------------------

    def _load_base(self) -> LlamaModel:
        cfg, lc = self.config, self._lc
        llm = LlamaModel(LoadConfig(cfg.model_path, n_ctx=cfg.n_ctx, n_batch=cfg.n_batch, n_threads=cfg.threads(),
                                    n_gpu_layers=cfg.gpu_layers(lc.llama_supports_gpu_offload()), verbose=cfg.verbose))
        self.base_loads += 1
        logger.info("loaded base %s (n_ctx %d, %d threads)", cfg.model_path, cfg.n_ctx, cfg.threads())
        return llm

    def close(self) -> None:
        """Free every adapter, then the model; safe to call twice."""
        if getattr(self, "_llm", None) is None:
            return
        if self._state.active:
            self.set_active([])
        for handle in list(self._state.adapters):
            self.unload_adapter(handle)
        self._lc.llama_batch_free(self._batch)
        self._llm.close()
        self._llm = None

    def __enter__(self) -> "Runtime":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _require_open(self) -> None:
        if self._llm is None:
            raise LlamaRuntimeError("this Runtime is closed; create a new one")

    # -- adapters --------------------------------------------------------------------------

    @property
    def n_ctx(self) -> int:
        return self.config.n_ctx

    @property
    def offloaded_layers(self) -> int:
        """Layers llama.cpp was asked to offload to a GPU (0 on a CPU-only build or with n_gpu_layers=0)."""
        self._require_open()
        return self._llm.n_gpu_layers

    def load_adapter(self, path: str | os.PathLike, spec: BaseSpec | None = None) -> str:
        """Validate a GGUF adapter against this base, load it into llama.cpp, return its handle.

        ``spec`` (default: the runtime's own) must describe this base. Raises
        AdapterFileError (naming the file) for anything llama.cpp should not
        see; the base and other adapters keep working.
        """
        self._require_open()
        spec = self._same_base(spec)
        path = Path(path)
        before = _stat_key(path)
        info = validate_adapter_file(path, spec)
        ptr = self._lc.llama_adapter_lora_init(self._llm.model, os.fsencode(path))
        if not ptr:  # a NULL comes back as a false LP_c_void_p, not None
            raise AdapterFileError(f"{path}: llama.cpp refused the adapter (run with verbose=True for its log); "
                                   "regenerate it for this base model")
        if _stat_key(path) != before:
            self._lc.llama_adapter_lora_free(ptr)
            raise AdapterFileError(f"{path}: the file changed while it was being loaded; load it again")
        handle = f"lora-{next(self._handles)}"
        self._state.adapters[handle] = _Loaded(ptr=ptr, info=info)
        logger.info("loaded adapter %s as %s (rank %d)", path, handle, info.rank)
        return handle

    def _same_base(self, spec: BaseSpec | None) -> BaseSpec:
        if spec is None:
            return self.spec
        shape = lambda s: (s.arch, s.n_layer, s.d_model, s.d_ff)  # noqa: E731
        if shape(spec) != shape(self.spec):
            raise ValueError(f"spec {spec.name!r} {shape(spec)} does not describe the loaded base {shape(self.spec)}")
        return spec

    @property
    def active(self) -> tuple[tuple[str, float], ...]:
        """The (handle, weight) pairs in effect."""
        return self._state.active

    def _loaded(self, handle: str) -> _Loaded:
        try:
            return self._state.adapters[handle]
        except KeyError:
            raise KeyError(f"unknown adapter handle {handle!r}; call load_adapter first") from None

    def set_active(self, handles_with_weights: Sequence[tuple[str, float]]) -> None:
        """Make exactly these adapters active with these user weights ([] = base only).

        The same set again keeps the KV cache; another set parks the cache of the one left and starts
        from the cache parked for the new one (empty if none).
        """
        self._require_open()
        pairs = tuple((h, float(w)) for h, w in handles_with_weights)
        if len({h for h, _ in pairs}) != len(pairs) or not all(math.isfinite(w) for _, w in pairs):
            raise ValueError(f"each adapter at most once, with a finite weight; got {pairs}")
        ptrs = [self._loaded(h).ptr for h, _ in pairs]
        if pairs == self._state.active:
            self._state.turn += 1  # still invalidates open streams, as any switch does
            return
        old, new = set_key(self._state.active), set_key(pairs)
        if old != new:
            self._park(old)
        n = len(pairs)
        arr = (self._lc.llama_adapter_lora_p_ctypes * n)(*ptrs) if n else None
        scales = (ctypes.c_float * n)(*(w for _, w in pairs)) if n else None
        rc = self._lc.llama_set_adapters_lora(self._llm.ctx, arr, n, scales)
        if rc != 0:
            raise LlamaRuntimeError(f"llama_set_adapters_lora returned {rc} for {pairs}; reload the adapters")
        self._state.active = pairs
        if old != new:
            self._reset()
            self._unpark(new)
        else:
            self._state.turn += 1

    def _park(self, key: tuple) -> None:
        """Keep the KV cache of adapter set ``key`` (its first ``park_tokens`` tokens) for a later switch back."""
        st, cfg = self._state, self.config
        st.parked.pop(key, None)
        if cfg.park_sets == 0 or not st.kv:
            return
        lc, ctx = self._lc, self._llm.ctx
        if len(st.kv) > cfg.park_tokens:
            if not lc.llama_memory_seq_rm(lc.llama_get_memory(ctx), 0, cfg.park_tokens, -1):
                return
            st.kv = st.kv[:cfg.park_tokens]
        size = int(lc.llama_state_seq_get_size(ctx, 0))
        buf = (ctypes.c_uint8 * size)()
        if size == 0 or int(lc.llama_state_seq_get_data(ctx, buf, size, 0)) != size:
            logger.debug("could not park the KV cache of %s", key)
            return
        st.parked[key] = (list(st.kv), bytes(buf))
        while len(st.parked) > cfg.park_sets:
            st.parked.pop(next(iter(st.parked)))

    def _unpark(self, key: tuple) -> None:
        """Bring back the KV cache parked for adapter set ``key`` onto the empty cache (nothing if none)."""
        got = self._state.parked.pop(key, None)
        if got is None:
            return
        tokens, data = got
        buf = (ctypes.c_uint8 * len(data)).from_buffer_copy(data)
        if int(self._lc.llama_state_seq_set_data(self._llm.ctx, buf, len(data), 0)) == 0:
            logger.debug("could not restore the KV cache of %s", key)
            self._llm.clear_memory()
            return
        self._state.kv = tokens

    def unload_adapter(self, handle: str) -> None:
        """Deactivate (if active) and free one adapter."""
        self._require_open()
        loaded = self._loaded(handle)
        if any(h == handle for h, _ in self._state.active):
            self.set_active([(h, w) for h, w in self._state.active if h != handle])
        self._lc.llama_adapter_lora_free(loaded.ptr)
        del self._state.adapters[handle]
        self._state.parked = {k: v for k, v in self._state.parked.items() if all(h != handle for h, _ in k)}

    # -- tokens ----------------------------------------------------------------------------

    def tokenize(self, text: str) -> list[int]:
        """Token ids of ``text``, special tokens parsed, BOS only if the model's metadata asks for it."""
        self._require_open()
        return self._llm.tokenize(text.encode("utf-8"), add_bos=self._add_bos, special=True)

    def token_bytes(self, token: int, special: bool = True) -> bytes:
        """The raw bytes of one token (a piece of a UTF-8 character for some byte-level tokens)."""
        buf = ctypes.create_string_buffer(64)
        n = self._lc.llama_token_to_piece(self._vocab, token, buf, len(buf), 0, special)
        if n < 0:
            buf = ctypes.create_string_buffer(-n)
            n = self._lc.llama_token_to_piece(self._vocab, token, buf, len(buf), 0, special)
        return buf.raw[:n]

    def detokenize(self, ids: Sequence[int]) -> str:
        """Text of ``ids`` (special tokens rendered), invalid UTF-8 replaced."""
        return b"".join(self.token_bytes(int(t)) for t in ids).decode("utf-8", errors="replace")

    def _find_stop_ids(self) -> frozenset[int]:
        """End of sequence, and the chat template's end of turn where it is one token."""
        ids = {int(self._lc.llama_vocab_eos(self._vocab))}
        end = PromptFormat(self.spec.chat_template).end_of_turn() if self.spec.chat_template else ""
        turn_end = self._llm.tokenize(end.encode(), add_bos=False, special=True) if end else []
        if len(turn_end) == 1:
            ids.add(turn_end[0])
        return frozenset(i for i in ids if i >= 0)

    def is_stop(self, token: int) -> bool:
        return token in self._stop_ids or bool(self._lc.llama_vocab_is_eog(self._vocab, token))

    # -- evaluation ------------------------------------------------------------------------

    def forget_cache(self) -> None:
        """Forget the evaluated tokens of the active set, so that the next prompt is read from its start (timings)."""
        self._require_open()
        self._reset()

    def _reset(self) -> None:
        """Forget all evaluated tokens (the KV cache); invalidates running streams."""
        self._state.turn += 1
        self._state.kv = []
        self._llm.clear_memory()

    def _prefill(self, ids: list[int]) -> np.ndarray:
        """Last-position logits of ``ids`` with the active adapters, evaluating only what the cache does not hold.

        The longest prefix shared with the cache (at most all but the last token, whose logits are needed)
        is kept; the rest of the cache is dropped. Invalidates running streams.
        """
        st = self._state
        st.turn += 1
        n = min(common_prefix(st.kv, ids), len(ids) - 1)
        if n < len(st.kv) and not self._lc.llama_memory_seq_rm(self._lc.llama_get_memory(self._llm.ctx), 0, n, -1):
            self._reset()
            n = 0
        st.kv = st.kv[:n]
        try:
            logits = self._decode(ids[n:], n, all_logits=False)[0]
        except BaseException:
            self._reset()
            raise
        st.kv = list(ids)
        return logits

    def _fill_batch(self, ids: Sequence[int], start: int, all_logits: bool) -> None:
        b = self._batch
        b.n_tokens = len(ids)
        for i, tok in enumerate(ids):
            b.token[i], b.pos[i], b.n_seq_id[i], b.logits[i] = tok, start + i, 1, all_logits
            b.seq_id[i][0] = 0
        b.logits[len(ids) - 1] = True

    def _decode(self, ids: Sequence[int], start: int, all_logits: bool) -> np.ndarray:
        """Evaluate ``ids`` at positions start.. onto the cache; logits (T or 1, vocab) float32."""
        rows = []
        for i in range(0, len(ids), self._n_batch):
            chunk = ids[i:i + self._n_batch]
            self._fill_batch(chunk, start + i, all_logits)
            rc = self._lc.llama_decode(self._llm.ctx, self._batch)
            if rc != 0:
                raise LlamaRuntimeError(f"llama_decode returned {rc}; shorten the prompt or raise RuntimeConfig.n_ctx")
            n_out = len(chunk) if all_logits else 1
            ctx = self._llm.ctx
            ptr = self._lc.llama_get_logits(ctx) if all_logits else self._lc.llama_get_logits_ith(ctx, -1)
            rows.append(np.ctypeslib.as_array(ptr, shape=(n_out * self.n_vocab,)).reshape(n_out, self.n_vocab).copy())
        return np.concatenate(rows) if all_logits else rows[-1]

    def _check_ids(self, ids: Sequence[int], extra: int = 0) -> list[int]:
        self._require_open()
        ids = [int(t) for t in ids]
        if not ids:
            raise ValueError("nothing to evaluate: the token list is empty")
        if len(ids) + extra > self.config.n_ctx:
            raise ValueError(f"{len(ids)} prompt tokens + {extra} new tokens exceed n_ctx {self.config.n_ctx}; "
                             "shorten the prompt or raise RuntimeConfig.n_ctx")
        if max(ids) >= self.n_vocab or min(ids) < 0:
            raise ValueError(f"token ids must lie in [0, {self.n_vocab})")
        return ids

    def eval_logits(self, ids: Sequence[int]) -> np.ndarray:
        """Logits at every position, (T, vocab) float32, from an empty cache with the active adapters."""
        ids = self._check_ids(ids)
        self._reset()
        out = self._decode(ids, 0, all_logits=True)
        self._state.kv = ids
        return out

    def logits(self, ids: Sequence[int]) -> np.ndarray:
        """Logits of the last position, (vocab,) float32, with the active adapters (cached prefix reused)."""
        return self._prefill(self._check_ids(ids))

    # -- generation ------------------------------------------------------------------------

    def generate(self, prompt: str, max_tokens: int = 128, stop_on_eos: bool = True) -> Iterator[str]:
        """Stream greedy text pieces for ``prompt`` with the active adapters (cached prefix reused)."""
        return self.generate_ids(self.tokenize(prompt), max_tokens, stop_on_eos)

    def generate_ids(self, ids: Sequence[int], max_tokens: int = 128, stop_on_eos: bool = True) -> Iterator[str]:
        """Stream greedy text pieces for an already tokenized prompt (cached prefix reused)."""
        if max_tokens < 0:
            raise ValueError(f"max_tokens must be >= 0, got {max_tokens}")
        return self._stream(self._check_ids(ids, extra=max_tokens), max_tokens, stop_on_eos)

    def _stream(self, ids: list[int], max_tokens: int, stop_on_eos: bool) -> Iterator[str]:
        logits, pos = self._prefill(ids), len(ids)
        turn = self._state.turn
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        for i in range(max_tokens):
            tok = int(np.argmax(logits))
            if stop_on_eos and self.is_stop(tok):
                break
            if text := decoder.decode(self.token_bytes(tok, special=False)):
                yield text
            if i + 1 == max_tokens:
                break
            if self._state.turn != turn:
                raise LlamaRuntimeError("another generation, logits call or adapter switch ran while this stream was "
                                    "open; consume one generate() at a time")
            try:
                logits, pos = self._decode([tok], pos, all_logits=False)[0], pos + 1
            except BaseException:
                self._reset()
                raise
            self._state.kv.append(tok)
        if tail := decoder.decode(b"", final=True):
            yield tail

    def chat(self, messages: Sequence[dict], max_tokens: int = 128) -> Iterator[str]:
        """Stream the assistant's reply to ``messages``, rendered with the base's own chat template."""
        prompt = render_chat(self.spec.chat_template, messages, add_generation_prompt=True)
        return self.generate(prompt, max_tokens)


def _stat_key(path: Path) -> tuple[int, int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_ino, st.st_size, st.st_mtime_ns
