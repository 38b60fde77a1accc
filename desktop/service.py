"""Lorafy's user-facing operations (teach, ask, forget, export) wired from engine and export parts; Qt-free, torch-free.

The CLI and the desktop app both drive this one object. It owns the
llama.cpp runtime (through engine.infer.runtime), the ONNX hypernetwork session and
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
from typing import Callable, Iterable, Iterator, Sequence

from desktop.dialogue import ChatPlan, plan_chat, with_passages
from desktop.store.library import Item, Library, Provenance, now
from desktop.store.passages import DB_NAME, Hit, PassageIndex, PassageIndexError, RetrievalConfig
from engine.core.adapter_file import read_adapter
from engine.core.base import BaseSpec, load_base
from engine.core.compact import CompactConfig, compact_adapter
from engine.core.memory import return_free_memory
from engine.core.prompts import PromptFormat, render_chat, wrap_chunks
from engine.infer.onnx_hypernet import OnnxHypernet, SessionConfig, default_bundle
from engine.infer.runtime import DEFAULT_N_CTX, Runtime, RuntimeConfig
from export.gguf_adapter import write_gguf_adapter
from export.peft_adapter import write_peft_adapter

log = logging.getLogger(__name__)
Progress = Callable[[int, int], None]


def file_stem(name: str) -> str:
    """An item name made safe as one file name inside a folder: no path separators, not hidden ("" if nothing is left).

    >>> file_stem("Reply in English/French."), file_stem("..")
    ('Reply in English_French', '')
    """
    from desktop.names import cap_utf8, name_from

    return cap_utf8(re.sub(r"[/\\\x00]", "_", name_from(name, ""))).strip(". ")


ANSWER_MODES = ("adapters", "passages", "combined")


@dataclass(frozen=True)
class AnswerConfig:
    """How an answer uses the memories checked or chosen for it.

    ``adapters``: their adapters only; ``passages``: their best passages (BM25, ``RetrievalConfig.n_context``)
    in the prompt, no memory adapter; ``combined``: both, each memory's adapter scaled by ``memory_weight``.
    Skills' adapters are active in every mode. The default is the mode that measured best on held-out real
    documents (docs/results/answer_modes/): with v12, passages (36.5% on the first 12 documents of
    realtext_test_30) against combined (9.6%: the adapter pulls the answer away from the passage) and
    adapters (3.8%).
    """

    mode: str = "passages"
    memory_weight: float = 1.0
    # at most this many memory adapters at once (0: every one), the best matches of the question first; the others
    # still give their passages. Stacked memory adapters drown each other: on a 500-document library the chosen
    # memories' adapters together answered 7.5%, the right one alone 62.5% (docs/results/library/).
    max_memory_adapters: int = 1

    def __post_init__(self) -> None:
        if self.mode not in ANSWER_MODES:
            raise ValueError(f"answer mode must be one of {', '.join(ANSWER_MODES)}; got {self.mode!r}")
        if not 0.0 <= self.memory_weight <= 4.0:
            raise ValueError(f"memory_weight must be in [0, 4], got {self.memory_weight}")
        if self.max_memory_adapters < 0:
            raise ValueError(f"max_memory_adapters must be >= 0 (0: no limit), got {self.max_memory_adapters}")


@dataclass(frozen=True)
class AnswerSetup:
    """A conversation made ready for its next answer: the prompt, what answers it, and what is active."""

    plan: ChatPlan  # the prompt (with the passages when the mode puts them there)
    query: str  # the question and the turns before it (chooses memories and sources; never the passages)
    keys: list[str]  # items that answer: the checked ones, then the chosen ones
    use: list[str]  # their adapters that are active
    weights: list[float]  # one per adapter of ``use``
    passages: bool  # passages of the memories are in the prompt


@dataclass(frozen=True)
class ServiceConfig:
    """Where Lorafy keeps its data and which models it runs."""

    home: Path
    base_path: Path | None = None  # None = the embedded SmolLM2-135M-Instruct
    hypernet_dir: Path | None = None  # None = the bundle shipped for the base
    threads: int | None = None
    n_ctx: int = DEFAULT_N_CTX  # capped at the base's context_length
    n_gpu_layers: int = -1
    use_gpu: bool = True
    retrieval: RetrievalConfig = RetrievalConfig()  # automatic memory choice and sources
    compact: CompactConfig | None = CompactConfig()  # taught adapters' bounded rank; None keeps every chunk's block
    adapter_dtype: str = "f16"  # storage of taught adapters' tensors: "f16" or "f32"
    answer: AnswerConfig = AnswerConfig()  # how answers use memories (adapters, passages or both)
    # adapters kept loaded in llama.cpp (~3-4 MB each), least recently used unloaded first; the active ones always stay
    max_loaded_adapters: int = 32

    def __post_init__(self) -> None:
        if self.max_loaded_adapters < 1:
            raise ValueError(f"max_loaded_adapters must be >= 1, got {self.max_loaded_adapters}")


@dataclass
class Answer:
    """One generated answer and what produced it."""

    text: str
    seconds: float
    first_token_seconds: float
    prompt_tokens: int
    adapters: list[str] = field(default_factory=list)
    mode: str = "base"
    sources: list[dict] = field(default_factory=list)  # best passages of the active memories (source_row)


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

    @cached_property
    def passages(self) -> PassageIndex:
        return PassageIndex(self.library.home / DB_NAME)

    def tokenize(self, text: str) -> list[int]:
        return self.runtime.tokenize(text)

    def load(self) -> None:
        """Load the base (llama.cpp) and the hypernetwork now rather than on first use."""
        _ = self.runtime, self.hypernet

    # -- teaching -------------------------------------------------------------------------------
    def teach_text(self, text: str, name: str, kind: str = "memory", source: str = "text",
                   progress: Progress | None = None, sections: Iterable = (),
                   provenance: Provenance | None = None) -> Item:
        """Turn ``text`` into an adapter file and record it in the library; a memory's passages are indexed too.

        ``sections``: (title, start, end) character spans from a parser (pages, headings), cited by sources;
        taken from ``provenance`` (files taught by the ingestion queue) when that is given.
        """
        from desktop.names import check_name

        name = check_name(name)  # before any model work: a bad name leaves nothing behind
        self.load()  # start-up is not teaching time (ask's timings exclude it too)
        t0 = time.perf_counter()
        if not text.strip():
            raise ValueError("cannot teach an empty text")
        content = self.tokenize(text)  # tokenized once: counted here, chunked below
        chunks = wrap_chunks(self.fmt, self.tokenize, content, self.hypernet.chunk_tokens)
        adapter = self.hypernet.adapter(chunks, meta={"kind": kind}, progress=progress)
        if self.cfg.compact is not None:
            adapter = compact_adapter(adapter, self.cfg.compact)
        item = Item(id=self.library.new_id(), name=name, kind=kind, source=source, tokens=len(content),
                    chunks=len(chunks), created=now(), adapter="", base_sha256=self.spec.sha256,
                    teach_seconds=round(time.perf_counter() - t0, 4))
        if provenance is not None and not sections:
            sections = [(getattr(sec, "label", sec.title), sec.start, sec.end) for sec in provenance.sections]
        try:  # passages first: if the commit fails they are dropped; a crash between leaves unreachable rows only
            if kind == "memory":
                self.passages.add(item.id, text, source, sections)
            write = lambda path: write_gguf_adapter(adapter, path, self.spec, self.cfg.adapter_dtype)  # noqa: E731
            return self.library.commit_adapter(item, write, self.spec, provenance)
        except BaseException:  # a refused teach leaves nothing behind: commit_adapter removes its own temp file
            self._drop_passages(item.id)
            raise

    # -- adapters in the runtime ----------------------------------------------------------------
    def activate(self, keys: Sequence[str], weights: Sequence[float] | None = None) -> list[Item]:
        """Make exactly these items' adapters active (loaded on first use); [] deactivates all.

        At most ``cfg.max_loaded_adapters`` stay loaded: the least recently used inactive ones are unloaded (a
        library of a thousand memories would otherwise keep every adapter ever chosen in memory).
        """
        items = [self.library.resolve(k) for k in keys]
        weights = list(weights) if weights is not None else [1.0] * len(items)
        for item in items:
            handle = self._handles.pop(item.id, None)  # re-inserted last: the dict's order is the recency
            self._handles[item.id] = handle or self.runtime.load_adapter(str(self.library.adapter_path(item)), self.spec)
        self.runtime.set_active([(self._handles[i.id], w) for i, w in zip(items, weights)])
        active = {i.id for i in items}
        evict = [i for i in self._handles if i not in active][:max(0, len(self._handles) - self.cfg.max_loaded_adapters)]
        for item_id in evict:
            self.runtime.unload_adapter(self._handles.pop(item_id))
        if evict:
            return_free_memory()
        return items

    def forget(self, key: str) -> Item:
        """Unload an item's adapter if loaded, then delete it from the library and disk."""
        item = self.library.resolve(key)
        handle = self._handles.pop(item.id, None)
        if handle is not None:
            self.runtime.unload_adapter(handle)
        removed = self.library.remove(item.id)
        self._drop_passages(item.id)
        return removed

    def _drop_passages(self, item_id: str) -> None:
        """Remove an item's passages; a failure only leaves unreachable rows (search filters by library items)."""
        try:
            self.passages.remove(item_id)
        except PassageIndexError as e:
            log.warning("could not drop the passages of %s: %s", item_id, e)

    def export(self, key: str, fmt: str, out: Path) -> Path:
        """Write an item's adapter as GGUF (a file) or PEFT (a folder) under ``out``."""
        item = self.library.resolve(key)
        out = Path(out)
        home = self.library.home.resolve()
        where = out.expanduser().resolve()
        if where == home or home in where.parents:
            raise ValueError(f"{out} is inside the Lorafy home {home}; export to a folder outside it")
        adapter = read_adapter(self.library.adapter_path(item), self.spec)
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
        return self.generate(self.prompt(question, context), use, max_tokens=max_tokens)

    def generate(self, prompt: str | Sequence[int], use: Sequence[str] = (), weights: Sequence[float] | None = None,
                 max_tokens: int = 128) -> Iterator[str]:
        """Stream the completion of a ready ``prompt`` (text, or its token ids; no template added) with ``use`` active
        at ``weights``, without the reply's leading whitespace (:func:`lstrip_pieces`)."""
        self.activate(use, weights)
        return self._reply(prompt, max_tokens)

    def _reply(self, prompt: str | Sequence[int], max_tokens: int) -> Iterator[str]:
        """The completion of ``prompt`` with the adapters already active, without its leading whitespace."""
        ids = self.tokenize(prompt) if isinstance(prompt, str) else list(prompt)
        return lstrip_pieces(self.runtime.generate_ids(ids, max_tokens=max_tokens))

    def chat_prompt(self, messages: Sequence[dict]) -> str:
        """``messages`` ({role, content}) rendered with the base's chat template, ready for the assistant's turn."""
        return render_chat(self.spec.chat_template, messages, add_generation_prompt=True)

    def chat_plan(self, messages: Sequence[dict], max_tokens: int) -> ChatPlan:
        """A conversation ready for its next answer: earlier turns kept as far as the context window leaves
        ``max_tokens`` for the answer (oldest dropped first); see :mod:`desktop.dialogue`."""
        return plan_chat(self.spec.chat_template, messages, self.tokenize, self.runtime.n_ctx - max_tokens)

    def answer_setup(self, messages: Sequence[dict], max_tokens: int, use: Sequence[str] = (), auto: bool = False,
                     among: Sequence[str] | None = None, answer: AnswerConfig | None = None) -> AnswerSetup:
        """The one way the app, ``lorafy ask``/``chat`` and the server prepare an answer: fit the conversation,
        add the memories chosen for it (``auto``, of ``among``), and per ``answer`` (default ``cfg.answer``) put
        their best passages in the last user turn and/or activate their adapters."""
        cfg = answer or self.cfg.answer
        plan = self.chat_plan(messages, max_tokens)
        keys = self.with_auto(plan.query, use, among=among) if auto else [self.library.resolve(k).id for k in use]
        items = [self.library.resolve(k) for k in keys]
        memories = [i.id for i in items if i.kind == "memory"]
        passages = self.passage_context(plan.query, memories) if cfg.mode != "adapters" and memories else None
        query = plan.query
        if passages:
            plan = self.chat_plan(with_passages(messages, passages), max_tokens)
        adapters = set(self.best_memories(query, memories, cfg.max_memory_adapters)) if cfg.mode != "passages" else set()
        active = [i for i in items if i.kind != "memory" or i.id in adapters]
        weights = [cfg.memory_weight if i.kind == "memory" else 1.0 for i in active]
        if cfg.mode == "adapters":  # a memory left without its adapter (max_memory_adapters) does not answer
            keys = [i.id for i in items if i.kind != "memory" or i.id in adapters]
        return AnswerSetup(plan=plan, query=query, keys=keys, use=[i.id for i in active], weights=weights,
                           passages=bool(passages))

    def ask(self, question: str, use: Sequence[str] = (), context: str | None = None,
            max_tokens: int = 128, auto: bool = False, on_piece: Callable[[str], None] | None = None,
            weights: Sequence[float] | None = None, answer: AnswerConfig | None = None) -> Answer:
        """Answer one question; timings include prompt processing and generation.

        ``auto``: memories chosen for the question (:meth:`choose`) join ``use``. Answers made
        with memories carry their best-matching passages as ``sources``. ``on_piece`` sees the
        answer as it streams. ``weights``: one scale per adapter of ``use`` (default 1.0 each; not with ``auto``).
        ``answer`` (e.g. ``cfg.answer``, as ``lorafy ask`` passes it): prepared by :meth:`answer_setup`, passages
        and all; None answers with exactly the adapters and ``context`` given (the evaluation's modes).
        """
        if auto and weights is not None:
            raise ValueError("weights are given per adapter of use; auto adds memories of its own")
        if answer is not None and context is None:
            setup = self.answer_setup([{"role": "user", "content": question}], max_tokens, use=use, auto=auto,
                                      answer=answer)
            self.activate(setup.use, setup.weights)
            items = [self.library.resolve(k) for k in setup.keys]  # what answers: adapters and/or passages
            ids = self.tokenize(setup.plan.prompt)
        else:
            items = self.activate(self.with_auto(question, use) if auto else use, weights)
            ids = self.tokenize(self.prompt(question, context))
        t0 = time.perf_counter()
        first, pieces = None, []
        for piece in self._reply(ids, max_tokens):
            first = first if first is not None else time.perf_counter() - t0
            pieces.append(piece)
            if on_piece is not None:
                on_piece(piece)
        total = time.perf_counter() - t0
        mode = "icl" if context is not None else ("auto" if auto else "adapter" if items else "base")
        text = "".join(pieces).strip()
        return Answer(text=text, seconds=total, first_token_seconds=first or total, prompt_tokens=len(ids),
                      adapters=[i.name for i in items], mode=mode, sources=self.sources(question, text, [i.id for i in items]))

    # -- automatic memory choice and sources ----------------------------------------------------
    def choose(self, question: str, among: Sequence[str] | None = None, k: int | None = None,
               min_score: float | None = None) -> list[Item]:
        """The memories (of ``among`` keys, default all) whose passages match ``question`` best, best first.

        At most ``k`` (default ``cfg.retrieval.k``), each scoring above ``min_score`` (BM25, default
        ``cfg.retrieval.min_score``) and at least ``cfg.retrieval.min_ratio`` of the best one's score;
        none when no passage shares a word with the question.
        """
        r = self.cfg.retrieval
        memories = {i.id: i for i in self.library.items() if i.kind == "memory"}
        if among is not None:
            wanted = {self.library.resolve(key).id for key in among}
            memories = {i: item for i, item in memories.items() if i in wanted}
        ranked = self.passages.rank_items(question, list(memories), k=k or r.k,
                                          min_score=r.min_score if min_score is None else min_score,
                                          min_ratio=r.min_ratio)
        return [memories[i] for i, _ in ranked]

    def best_memories(self, question: str, memories: Sequence[str], limit: int) -> list[str]:
        """The ``limit`` (0: all) of these memory ids that match ``question`` best (BM25), then in the given order."""
        if not limit or len(memories) <= limit:
            return list(memories)
        ranked = [i for i, _ in self.passages.rank_items(question, list(memories), k=len(memories), min_score=0.0,
                                                          min_ratio=0.0)]
        return list(dict.fromkeys(ranked + list(memories)))[:limit]

    def with_auto(self, question: str, use: Sequence[str] = (), among: Sequence[str] | None = None) -> list[str]:
        """Item ids to activate for ``question``: ``use`` as the user set it (skills included), then the memories
        chosen (of ``among`` keys, default all)."""
        keep = [self.library.resolve(key).id for key in use]
        return list(dict.fromkeys(keep + [i.id for i in self.choose(question, among=among)]))

    def sources(self, question: str, answer: str, keys: Sequence[str], limit: int | None = None) -> list[dict]:
        """The passages of these items' memories that best match question + answer (skills have none)."""
        memories = {i.id: i for i in (self.library.resolve(k) for k in keys) if i.kind == "memory"}
        n = self.cfg.retrieval.n_sources if limit is None else limit
        hits = self.passages.search(f"{question}\n{answer}", list(memories), limit=n) if memories else []
        return [source_row(h, memories[h.item_id]) for h in hits]

    def passage_context(self, question: str, among: Sequence[str]) -> str | None:
        """The best ``cfg.retrieval.n_context`` passages (BM25) of the ``among`` memories for ``question``, joined."""
        hits = self.passages.search(question, list(among), limit=self.cfg.retrieval.n_context)
        return "\n\n".join(h.text for h in hits) if hits else None

    def answer_in_mode(self, mode: str, question: str, document: str | None = None, key: str | None = None,
                       among: Sequence[str] | None = None, max_tokens: int = 32, choices: list | None = None,
                       adapter_weight: float = 1.0, max_adapters: int | None = None) -> Answer:
        """One answer in a mode of engine.eval.evaluate, with the memories ``among`` (item ids; None: the library's).

        ``key`` is the question's own memory (lora, passages_lora); auto and passages_auto activate the adapters
        of the memories chosen for the question, at most ``max_adapters`` of them, best first (None:
        ``cfg.answer.max_memory_adapters``; 0: every one), all every memory; passages* put the best passages in the
        prompt in place of ``document`` (icl). ``choices``, if given, collects (key, chosen ids) per auto answer.
        Every active adapter is scaled by ``adapter_weight``.
        """
        if mode in ("auto", "passages_auto"):
            use = [i.id for i in self.choose(question, among=among)]
            if choices is not None and mode == "auto":
                choices.append((key, use))
            limit = self.cfg.answer.max_memory_adapters if max_adapters is None else max_adapters
            use = use[:limit] if limit else use
        else:
            use = self.memory_ids(among) if mode == "all" else [key] if key and mode != "passages" else []
        if mode.startswith("passages"):
            document = self.passage_context(question, self.memory_ids(among))
        weights = [adapter_weight] * len(use) if use else None
        return self.ask(question, use=use, context=document, max_tokens=max_tokens, weights=weights)

    def memory_ids(self, among: Sequence[str] | None = None) -> list[str]:
        """``among`` as a list, or (None) the ids of every memory in the library."""
        return list(among) if among is not None else [i.id for i in self.library.items() if i.kind == "memory"]

    @contextmanager
    def evaluating(self, max_tokens: int, choices: list | None = None,
                   adapter_weight: float = 1.0) -> Iterator[tuple[Callable, Callable, Callable]]:
        """(teach, answer, fits_context) callables for engine.eval.evaluate.run_eval on the user's path.

        Items taught for the evaluation are forgotten on exit, so the library is left as it was.
        Mode ``auto`` activates the memories chosen among those taught for the evaluation, ``all``
        every one of them; ``choices``, if given, collects (record's key, chosen keys) per auto answer.
        Every active adapter is scaled by ``adapter_weight``.
        """
        taught: list[str] = []
        window = self.runtime.n_ctx - max_tokens

        def teach(rec_id: str, document: str) -> str:
            taught.append(self.teach_text(document, name=f"eval-{rec_id}", kind="memory", source="eval").id)
            return taught[-1]

        def answer(mode: str, question: str, document: str | None, key: str | None) -> str:
            return self.answer_in_mode(mode, question, document, key, taught, max_tokens, choices, adapter_weight).text

        def fits(document: str, question: str) -> bool:
            return len(self.tokenize(self.prompt(question, document))) <= window

        with self._forgetting(taught):
            yield teach, answer, fits

    @contextmanager
    def skill_evaluating(self, max_tokens: int) -> Iterator[tuple[Callable, Callable]]:
        """(teach, answer) callables for engine.eval.evaluate_skills.run_skill_eval on the user's path.

        Modes: the instruction as the system prompt (``in_prompt``), worked examples before the
        input (``few_shot``), or no instruction at all (base, adapter, shuffled). Skills taught
        for the evaluation are forgotten on exit.
        """
        taught: list[str] = []

        def teach(description: str) -> str:
            taught.append(self.teach_text(description, name=f"eval-skill-{len(taught)}", kind="skill", source="eval").id)
            return taught[-1]

        def answer(mode: str, question: str, context: str | None, key: str | None) -> str:
            if mode == "in_prompt":
                messages = [{"role": "system", "content": context}, {"role": "user", "content": question}]
            elif mode == "few_shot":
                messages = [{"role": "user", "content": f"{context}\n\nInput: {question}\nOutput:"}]
            else:
                messages = [{"role": "user", "content": question}]
            pieces = self.generate(self.chat_prompt(messages), [key] if key else [], max_tokens=max_tokens)
            return "".join(pieces).strip()

        with self._forgetting(taught):
            yield teach, answer

    @contextmanager
    def _forgetting(self, taught: list[str]) -> Iterator[None]:
        """On exit, deactivate all adapters and forget the items whose ids ``taught`` holds by then."""
        try:
            yield
        finally:
            self.activate([])
            for key in taught:
                self.forget(key)

    def close(self) -> None:
        if "runtime" in self.__dict__:
            self.runtime.close()


def lstrip_pieces(pieces: Iterable[str]) -> Iterator[str]:
    """A streamed reply without its leading whitespace. A memory may start an answer as the document writes it,
    after a space (" Zurab" is SmolLM2's token for the name there; see engine.train.batches.answer_space).

    >>> list(lstrip_pieces([" ", " Zur", "ab", " Pillai"]))
    ['Zur', 'ab', ' Pillai']
    """
    started = False
    for piece in pieces:
        if not started:
            piece = piece.lstrip()
            started = bool(piece)
        if piece:
            yield piece


def source_row(hit: Hit, item: Item) -> dict:
    """One source of an answer as plain data: which memory, which file and section, where, what it says."""
    return {"item_id": item.id, "name": item.name, "source": hit.source, "section": hit.section,
            "start": hit.start, "end": hit.end, "snippet": hit.snippet, "score": round(hit.score, 6)}
