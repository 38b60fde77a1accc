"""The corpus's text filters: licence and navigation removal, cutting into pieces, language and code checks, dedup.

Pure functions over :class:`engine.data.textclean.Block` lists, used by the builder (:mod:`engine.data.corpus`):
:func:`clean_blocks` drops boilerplate, :func:`cut_pieces` cuts at headings and paragraphs, :func:`piece_ok` says why
a piece is dropped, and :class:`NearDup` finds near-duplicates by MinHash over word 5-shingles.
"""
from __future__ import annotations

import hashlib
import re
import zlib
from typing import TYPE_CHECKING

import numpy as np

from engine.data.textclean import CODE, HEADING, PARA, Block

if TYPE_CHECKING:
    from engine.data.corpus import CorpusConfig


STOPWORDS = frozenset("""the a an of to and in is are was were be been it this that for on with as by or not from at
which can if you your we our they their he she his her its will would should may must has have had do does
when then than there these those such also but so all any each no into only other some more most""".split())
_LICENCE = re.compile(
    r"permission is hereby granted|gnu (lesser |library |affero )?general public license|redistribution and use in "
    r"source and binary forms|licensed under the apache license|provided [\"\u201c]?as is[\"\u201d]?|this (program|"
    r"library|file) is free software|without any warranty|mozilla public license|creative commons|all rights reserved"
    r"|subject to the following conditions|the above copyright notice", re.I)
_DROP_SECTIONS = re.compile(r"^(copyright|copying|licen[cs]e|license and copyright|copyright and licen[cs]e|"
                            r"colophon|see also|table of contents|contents|index|trademarks?|legal notice)\b", re.I)
_CODE_LINE = re.compile(r"[{};=<>$]|^\s*(#|//|\$ |>>> |import |from \S+ import|def |class |return\b)")


def words(text: str) -> list[str]:
    return text.split()


def is_licence_text(text: str) -> bool:
    """Whether a paragraph is licence or warranty boilerplate.

    >>> is_licence_text("Permission is hereby granted, free of charge, to any person obtaining a copy")
    True
    """
    return bool(_LICENCE.search(text))


def is_navigation(text: str) -> bool:
    """Whether a short paragraph is a breadcrumb or menu ("Apache > HTTP Server > Documentation").

    >>> is_navigation("Apache > HTTP Server > Documentation > Version 2.4"), is_navigation("a > b is true")
    (True, False)
    """
    return len(text.split()) <= 16 and max(text.count(" > "), text.count(" | "), text.count(" \u00bb ")) >= 2


def stopword_frac(text: str) -> float:
    ws = re.findall(r"[A-Za-z']+", text.lower())
    return sum(w in STOPWORDS for w in ws) / max(1, len(ws))


def non_ascii_frac(text: str) -> float:
    return len(_NON_ASCII.findall(text)) / max(1, len(text) - len(_SPACE.findall(text)))


_NON_ASCII, _SPACE = re.compile(r"[^\x00-\x7f]"), re.compile(r"\s")


def code_frac(blocks: list[Block]) -> float:
    """Share of words in code blocks or in code-looking paragraphs."""
    total = code = 0
    for b in blocks:
        n = len(b.text.split())
        total += n
        if b.kind == CODE or (b.kind == PARA and len(_CODE_LINE.findall(b.text)) > max(2, n // 6)):
            code += n
    return code / max(1, total)


def clean_blocks(blocks: list[Block]) -> list[Block]:
    """Drop licence paragraphs, sections whose heading says copyright/licence/see also, and empty blocks."""
    out: list[Block] = []
    dropping = False
    for b in blocks:
        if b.kind == HEADING:
            dropping = bool(_DROP_SECTIONS.match(b.text.strip()))
            if not dropping:
                out.append(b)
            continue
        if dropping or not b.text.strip() or (b.kind == PARA and (is_licence_text(b.text) or is_navigation(b.text))):
            continue
        out.append(b)
    while out and out[-1].kind == HEADING:
        out.pop()
    return out


def render(blocks: list[Block]) -> str:
    """Plain text of blocks: headings and paragraphs on their own lines, blank lines between blocks."""
    return "\n\n".join(b.text for b in blocks).strip()


def cut_pieces(blocks: list[Block], cfg: CorpusConfig) -> list[list[Block]]:
    """Cut blocks into pieces of about ``target_words`` (at most ``max_words``), preferring to cut before a heading.

    A block longer than ``max_words`` is itself split at sentence ends.
    """
    units: list[Block] = []
    for b in blocks:
        if len(b.text.split()) > cfg.max_words:
            sentences = re.split(r"(?<=[.!?])\s+", b.text)
            cur: list[str] = []
            for s in sentences:
                if cur and len(" ".join(cur + [s]).split()) > cfg.target_words:
                    units.append(Block(b.kind, " ".join(cur)))
                    cur = []
                cur.append(s)
            if cur:
                units.append(Block(b.kind, " ".join(cur)))
        else:
            units.append(b)
    pieces: list[list[Block]] = []
    cur_p: list[Block] = []
    n = 0
    for b in units:
        m = len(b.text.split())
        at_heading = b.kind == HEADING and n >= cfg.min_words
        if cur_p and (n + m > cfg.max_words or (n >= cfg.target_words and (at_heading or n + m > 1.5 * cfg.target_words))):
            pieces.append(cur_p)
            cur_p, n = [], 0
        cur_p.append(b)
        n += m
    if cur_p:
        if pieces and n < cfg.min_words and sum(len(x.text.split()) for x in pieces[-1]) + n <= cfg.max_words:
            pieces[-1].extend(cur_p)
        else:
            pieces.append(cur_p)
    for p in pieces:  # a piece does not end on a heading
        while len(p) > 1 and p[-1].kind == HEADING:
            p.pop()
    return pieces


def piece_ok(blocks: list[Block], cfg: CorpusConfig) -> str:
    """Why a piece is dropped ("" when it is kept)."""
    text = render(blocks)
    n = len(text.split())
    if n < cfg.min_words:
        return "short"
    if n > cfg.max_words:
        return "long"
    if non_ascii_frac(text) > cfg.max_non_ascii_frac or stopword_frac(text) < cfg.min_stopword_frac:
        return "not-english"
    if code_frac(blocks) > cfg.max_code_frac:
        return "code"
    if sum(len(b.text.split()) for b in blocks if b.kind == PARA and is_licence_text(b.text)) > n / 3:
        return "licence"
    return ""


# ---------------------------------------------------------------- deduplication

def normalise(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


_P = (1 << 31) - 1


class NearDup:
    """MinHash (64 hashes) over word 5-shingles with LSH (16 bands of 4): ``seen(text)`` is True when a
    near-duplicate (estimated Jaccard >= ``threshold``) was added before; otherwise it adds ``text``.

    >>> d = NearDup(0.7)
    >>> base = " ".join(f"w{i}" for i in range(200))
    >>> d.seen(base), d.seen(base.replace("w100", "x")), d.seen(" ".join(f"v{i}" for i in range(200)))
    (False, True, False)
    """

    def __init__(self, threshold: float, n_hash: int = 64, bands: int = 16, shingle: int = 5):
        rng = np.random.default_rng(12345)
        self.a = rng.integers(1, _P, n_hash, dtype=np.int64)
        self.b = rng.integers(0, _P, n_hash, dtype=np.int64)
        self.threshold, self.bands, self.shingle = threshold, bands, shingle
        self.rows = n_hash // bands
        self.buckets: dict[tuple[int, bytes], list[int]] = {}
        self.sigs: list[np.ndarray] = []

    def signature(self, text: str) -> np.ndarray:
        ws = normalise(text).split()
        k = self.shingle
        grams = {" ".join(ws[i:i + k]) for i in range(max(1, len(ws) - k + 1))}
        h = np.array(sorted(zlib.crc32(g.encode()) & 0x7FFFFFFF for g in grams), dtype=np.int64)
        return ((np.outer(self.a, h) + self.b[:, None]) % _P).min(axis=1)

    def seen(self, text: str) -> bool:
        sig = self.signature(text)
        keys = [(i, sig[i * self.rows:(i + 1) * self.rows].tobytes()) for i in range(self.bands)]
        cands = {j for key in keys for j in self.buckets.get(key, ())}
        if any(float((self.sigs[j] == sig).mean()) >= self.threshold for j in cands):
            return True
        idx = len(self.sigs)
        self.sigs.append(sig)
        for key in keys:
            self.buckets.setdefault(key, []).append(idx)
        return False
