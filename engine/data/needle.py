"""Needle-in-a-haystack records: one magic number (or name) hidden at a chosen depth of filler text.

This is the Sakana Doc-to-LoRA reference format. The haystack repeats
:data:`FILLER` (or, with ``prose=True``, real sentences from Python
standard-library docstrings), and the needle sentence ``"The special magic
number is 48213."`` sits at one of ten depths, 0 % (index 0) to 100 % (index 9),
always at a sentence boundary.

``value="name"`` hides a person's name instead ("The special magic name is Yael
Tehranian.", drawn like the fact documents' names, so the split rule holds): a
number's digits are a ten-token vocabulary, a name is any token the base knows,
so this variant tests whether the hypernetwork can write an arbitrary token.

Lengths are in *approximate tokens*: pass any ``count_tokens`` (a real
tokenizer's ``len(encode(s))`` works); the default counts four characters a
token.

>>> import random
>>> rec = make_needle(NeedleConfig(n_tokens=64, depth=9), random.Random(0))
>>> rec.document.endswith(f"The special magic number is {rec.questions[0].target}.")
True
"""
from __future__ import annotations

import functools
import importlib
import inspect
import itertools
import random
import re
import warnings
from dataclasses import dataclass

from engine.data.facts import coined_pools, pools
from engine.data.records import QA, SPLITS, Record, TokenCounter, approx_tokens, check_split

FILLER = "The grass is green. The sky is blue. The sun is yellow. Here we go. There and back again."
QUESTION = "What is the special magic number? Reply with only the number."
NAME_QUESTION = "What is the special magic name? Reply with only the name."
VALUES = ("number", "name")
N_DEPTHS = 10

# Modules whose docstrings feed the prose haystack. Sorted; importing them runs
# no user-visible code (socket, pickle, subprocess: only their docstrings are read).
PROSE_MODULES = tuple(sorted((
    "abc", "argparse", "ast", "asyncio", "base64", "bisect", "calendar", "codecs",
    "collections", "contextlib", "copy", "csv", "dataclasses", "datetime", "decimal",
    "difflib", "dis", "email", "email.message", "enum", "fnmatch", "fractions",
    "functools", "gettext", "glob", "hashlib", "heapq", "hmac", "http", "http.client",
    "inspect", "io", "itertools", "json", "locale", "logging", "logging.handlers", "math",
    "operator", "os", "pathlib", "pickle", "pprint", "queue", "random", "re", "secrets",
    "shutil", "socket", "sqlite3", "statistics", "string", "struct", "subprocess",
    "tarfile", "tempfile", "textwrap", "threading", "tokenize", "typing", "unittest",
    "urllib", "urllib.parse", "urllib.request", "uuid", "zipfile",
)))
_CODE_MARKS = (">>>", "{", "}", "==", "`", "\\", "::", "=", "[", "]", "|", "#", "->", "__", "$",
               "*", "..", " - ")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")


@dataclass(frozen=True)
class NeedleConfig:
    """What one needle record looks like.

    n_tokens: haystack length including the needle, in ``count_tokens`` units.
    depth: needle position index 0..9 (0 %, 11 %, ..., 100 %); None picks one at random.
    prose: real docstring sentences as filler instead of the repeated grass/sky lines.
    value: what the needle hides, "number" (the reference) or "name" (a first and last name).
    coined_names: with ``value="name"``, the share of made-up names in the *train* split (the
        held-out splits use their listed names, like the fact documents' test sets).
    """

    n_tokens: int
    depth: int | None = None
    prose: bool = False
    value: str = "number"
    coined_names: float = 0.6

    def __post_init__(self) -> None:
        if not isinstance(self.n_tokens, int) or self.n_tokens < 32:
            raise ValueError(f"n_tokens must be an int >= 32, got {self.n_tokens!r}")
        if self.depth is not None and not 0 <= self.depth < N_DEPTHS:
            raise ValueError(f"depth must be None or 0..{N_DEPTHS - 1}, got {self.depth!r}")
        if self.value not in VALUES:
            raise ValueError(f"value must be one of {VALUES}, got {self.value!r}")


def needle_sentence(number: int) -> str:
    """The needle line for ``number``.

    >>> needle_sentence(4417)
    'The special magic number is 4417.'
    """
    return f"The special magic number is {number}."


def name_sentence(name: str) -> str:
    """The needle line for a name.

    >>> name_sentence("Yael Tehranian")
    'The special magic name is Yael Tehranian.'
    """
    return f"The special magic name is {name}."


def depth_fraction(depth: int) -> float:
    """Relative position of depth index 0..9 in the haystack: 0.0, 0.111..., ..., 1.0."""
    return depth / (N_DEPTHS - 1)


def _split_sentences(text: str) -> list[str]:
    return _SENTENCE_END.split(" ".join(text.split()))


def _is_prose(sentence: str) -> bool:
    return (
        20 <= len(sentence) <= 300
        and sentence[0].isupper()
        and sentence.endswith(".")
        and not any(mark in sentence for mark in _CODE_MARKS)
        and "magic number" not in sentence.lower()
        and "magic name" not in sentence.lower()
        and sentence.count("(") == sentence.count(")")
        and sentence.count('"') % 2 == 0
    )


def _module_docs(name: str) -> list[str]:
    """The docstrings of module ``name`` and of its public functions and classes."""
    try:
        module = importlib.import_module(name)
    except ImportError:
        return []
    docs = [inspect.getdoc(module) or ""]
    with warnings.catch_warnings():  # e.g. typing.io warns when touched
        warnings.simplefilter("ignore", DeprecationWarning)
        for attr in sorted(n for n in dir(module) if not n.startswith("_")):
            obj = getattr(module, attr, None)
            defined_here = getattr(obj, "__module__", None) == module.__name__
            if defined_here and (inspect.isclass(obj) or inspect.isroutine(obj)):
                docs.append(inspect.getdoc(obj) or "")
    return docs


@functools.lru_cache(maxsize=1)
def prose_sentences() -> tuple[str, ...]:
    """All usable docstring sentences, deduplicated, in a fixed order (computed once)."""
    seen: dict[str, None] = {}
    for name in PROSE_MODULES:
        for doc in _module_docs(name):
            for sentence in _split_sentences(doc):
                if _is_prose(sentence):
                    seen.setdefault(sentence)
    return tuple(seen)


@functools.lru_cache(maxsize=len(SPLITS))
def prose_pool(split: str) -> tuple[str, ...]:
    """Sentences of one split: index % 10 in 0..7 is train, 8 is val, 9 is test."""
    check_split(split)
    keep = {"train": range(0, 8), "val": (8,), "test": (9,)}[split]
    return tuple(s for i, s in enumerate(prose_sentences()) if i % 10 in keep)


def _filler_stream(rng: random.Random, prose: bool, split: str):
    """Endless filler sentences: FILLER in order, or a docstring run from a random start."""
    pool = prose_pool(split) if prose else tuple(_split_sentences(FILLER))
    i = rng.randrange(len(pool)) if prose else 0
    while True:
        yield pool[i % len(pool)]
        i += 1


def _assemble(filler: list[str], k: int, needle: str, depth: int) -> str:
    """The first ``k`` filler sentences with the needle at the boundary nearest ``depth``.

    Nearest by characters, so long and short sentences do not skew the depth.
    """
    sentences = filler[:k]
    goal = depth_fraction(depth) * sum(len(s) + 1 for s in sentences)
    offsets = list(itertools.accumulate((len(s) + 1 for s in sentences), initial=0))
    at = min(range(len(offsets)), key=lambda i: abs(offsets[i] - goal))
    return " ".join(sentences[:at] + [needle] + sentences[at:])


def _extend(filler: list[str], stream, deficit: int, slack: int, count_tokens: TokenCounter) -> None:
    """Append sentences worth about ``deficit`` tokens, skipping any that overshoot by > slack."""
    skips = 0
    while deficit > slack and skips < 200:
        sentence = next(stream)
        cost = count_tokens(sentence)
        if cost > deficit + slack:
            skips += 1
            continue
        filler.append(sentence)
        deficit -= cost


def _trim(filler: list[str], excess: int, slack: int, count_tokens: TokenCounter) -> None:
    """Drop trailing sentences worth about ``excess`` tokens, never more than excess + slack."""
    while filler and excess > slack and count_tokens(filler[-1]) <= excess + slack:
        excess -= count_tokens(filler.pop())


def _fit(stream, needle: str, depth: int, n_tokens: int, count_tokens: TokenCounter) -> str:
    """The haystack whose exact token count is closest to ``n_tokens`` (within ~3 %).

    Per-sentence counts steer the packing; the joined text is re-counted
    exactly a few times to correct for the estimate's drift.
    """
    slack = max(2, n_tokens // 50)
    filler: list[str] = []
    best, best_err = "", None
    for _ in range(6):
        doc = _assemble(filler, len(filler), needle, depth)
        err = count_tokens(doc) - n_tokens
        if best_err is None or abs(err) < abs(best_err):
            best, best_err = doc, err
        if abs(err) <= slack:
            break
        if err < 0:
            _extend(filler, stream, -err, slack, count_tokens)
        else:
            _trim(filler, err, slack, count_tokens)
    return best


def _magic_number(rng: random.Random) -> int:
    digits = rng.randint(4, 7)
    return rng.randrange(10 ** (digits - 1), 10**digits)


def _magic_name(rng: random.Random, split: str, coined: float) -> str:
    """A first and last name of ``split``: listed names, or with probability ``coined`` made-up ones."""
    pool = coined_pools(rng, split, size=4) if rng.random() < coined else pools(split)
    return f"{rng.choice(pool.first)} {rng.choice(pool.last)}"


def _style(prose: bool, value: str) -> str:
    """The part of a needle's record id that names its filler and what it hides ("plain", "prose-name")."""
    return ("prose" if prose else "plain") + ("-name" if value == "name" else "")


def make_needle(
    cfg: NeedleConfig,
    rng: random.Random,
    count_tokens: TokenCounter = approx_tokens,
    *,
    split: str = "train",
    record_id: str | None = None,
) -> Record:
    """One needle record (kind "needle"); ``split`` picks the prose filler and the names."""
    check_split(split)
    depth = rng.randrange(N_DEPTHS) if cfg.depth is None else cfg.depth
    if cfg.value == "name":
        value = _magic_name(rng, split, cfg.coined_names if split == "train" else 0.0)
        sentence, question = name_sentence(value), NAME_QUESTION
    else:
        value = str(_magic_number(rng))
        sentence, question = needle_sentence(int(value)), QUESTION
    stream = _filler_stream(rng, cfg.prose, split)
    document = _fit(stream, sentence, depth, cfg.n_tokens, count_tokens)
    qa = QA(question, (value,), value)
    rid = record_id or f"needle-{_style(cfg.prose, cfg.value)}-{split}-{cfg.n_tokens}t-d{depth}-{value.replace(' ', '_')}"
    return Record(rid, document, (qa,), "needle")


def needle_set(
    n_tokens: int,
    n_per_depth: int,
    seed: int,
    prose: bool = False,
    count_tokens: TokenCounter = approx_tokens,
    split: str = "train",
    value: str = "number",
) -> list[Record]:
    """``n_per_depth`` needle records at each of the ten depths, reproducible from ``seed``.

    Record ``j`` at depth ``d`` uses its own stream seeded by (seed, d, j), so
    changing ``n_per_depth`` keeps the records already there.
    """
    if n_per_depth < 1:
        raise ValueError(f"n_per_depth must be >= 1, got {n_per_depth}")
    style = _style(prose, value)
    records = []
    for depth in range(N_DEPTHS):
        cfg = NeedleConfig(n_tokens=n_tokens, depth=depth, prose=prose, value=value)
        for j in range(n_per_depth):
            rng = random.Random(f"needle:{style}:{split}:{n_tokens}:{seed}:{depth}:{j}")
            rid = f"needle-{style}-{split}-{n_tokens}t-{seed}-d{depth}-{j}"
            records.append(make_needle(cfg, rng, split=split, count_tokens=count_tokens,
                                       record_id=rid))
    return records
