"""Build a corpus of human-written English documentation from a Debian system (``python -m engine.data.corpus build``).

Sources, each a *family* (the unit of the train/val/test split):

- ``man``: English man pages (/usr/share/man/man[1-8]), roff stripped by :mod:`engine.data.textclean`;
- ``debian-doc``: README*, NEWS*, changelog*, FAQ* files under /usr/share/doc;
- ``pypi-readme``: long descriptions in the METADATA of installed Python distributions (and of local wheels);
- ``info``: GNU info manuals (/usr/share/info), the VALIDATION family: never trained on;
- ``html-manual``: HTML manuals of ``-doc`` packages (git-doc, debian-reference, debian-handbook, sqlite3-doc, ...);
- ``python-docs``: the python3-doc manual is the TEST family; the builder recognises and drops it, so it is in
  neither the corpus' train nor its val split.

Steps: extract text, clean (markup, licence paragraphs and sections, non-English, mostly-code and too short
documents dropped), cut long documents at headings and paragraphs into pieces of ``min_words..max_words``,
deduplicate (exact hash of normalised text, then near-duplicates by MinHash over word 5-shingles), and write::

    DIR/corpus.jsonl     {"id", "family", "split", "title", "text", "source", "package", "licence", "sha256", "n_words"}
    DIR/manifest.jsonl   the same without "text"
    DIR/counts.json      documents and words per family and split

Sources are visited in an order fixed by hashing their paths, so the output is deterministic for a given
set of installed files, and ``--max-docs`` (per family) keeps a spread sample rather than the first files
alphabetically.
"""
from __future__ import annotations

import argparse
import email.parser
import gzip
import hashlib
import json
import logging
import os
import re
import sys
import zipfile
import zlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

import numpy as np

from engine.data.records import write_rows_jsonl
from engine.data.textclean import (CODE, HEADING, PARA, Block, html_blocks, info_blocks, markup_blocks, roff_blocks,
                                   roff_inline)

log = logging.getLogger(__name__)

FAMILIES = ("man", "debian-doc", "pypi-readme", "info", "html-manual")
VAL_FAMILY = "info"
TEST_FAMILY = "python-docs"
SCHEMA_VERSION = 1


def split_of(family: str) -> str:
    """The split a family belongs to: the test family is "test", the validation family "val", the rest "train".

    >>> [split_of(f) for f in ("man", "info", "python-docs")]
    ['train', 'val', 'test']
    """
    if family == TEST_FAMILY:
        return "test"
    return "val" if family == VAL_FAMILY else "train"


# python3-doc's manual, and what CPython's own packages ship beside it (its NEWS is the manual's changelog page,
# python(1) its command-line page): all of it stays out of the train and val splits
_TEST_PATH = re.compile(r"/python3(\.\d+)?-doc/|/usr/share/doc/python3(\.\d+)?/|/usr/share/info/python3|"
                        r"/man\d/(python|pydoc|pygettext|pysetup|idle)3[^/]*$")
_TEST_PACKAGE = re.compile(r"^(lib)?python3(\.\d+)?(-doc|-minimal|-dev|-stdlib|-examples|-venv)?$")


def is_test_source(path: str, package: str) -> bool:
    """Whether a file is part of the python3-doc manual (the held-out test family) or of CPython's packages."""
    return bool(_TEST_PATH.search(path) or _TEST_PACKAGE.match(package))


@dataclass(frozen=True)
class CorpusConfig:
    """What the builder keeps."""

    min_words: int = 100
    max_words: int = 2500
    target_words: int = 700  # long documents are cut into pieces of about this many words (at headings, paragraphs)
    max_pieces_per_source: int = 24  # one huge manual does not swamp a family
    max_code_frac: float = 0.5  # share of a piece's words in code blocks / code-looking lines
    min_stopword_frac: float = 0.15  # English function words among the words (non-English text has few)
    max_non_ascii_frac: float = 0.05
    near_dup_threshold: float = 0.7  # estimated Jaccard of word 5-shingles above which a piece is a duplicate
    max_docs: int | None = None  # per family
    exclude_projects: tuple[str, ...] = ("lorafy",)  # Python projects left out (this project's own README)
    max_source_chars: int = 400_000  # only the head of a huge file (a changelog of decades) is read
    max_docs_per_package: int = 100  # one package (a cloud SDK's thousands of pages, perl's modules) does not swamp a family

    def __post_init__(self) -> None:
        if not 0 < self.min_words <= self.target_words <= self.max_words:
            raise ValueError("need 0 < min_words <= target_words <= max_words")
        if not 0 < self.near_dup_threshold <= 1:
            raise ValueError("near_dup_threshold must be in (0, 1]")
        if self.max_docs is not None and self.max_docs < 1:
            raise ValueError("max_docs must be >= 1 (or None for no limit)")


@dataclass(frozen=True)
class Source:
    """One file to extract: its family, path, reader ("roff", "markup", "html", "info", "metadata") and package."""

    family: str
    path: str
    reader: str
    package: str
    member: str = ""  # a wheel's METADATA member name


@dataclass
class Doc:
    """One piece of cleaned text with its provenance."""

    family: str
    title: str
    text: str
    source: str
    package: str
    licence: str
    n_words: int = 0
    meta: dict = field(default_factory=dict)


# ---------------------------------------------------------------- text checks

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


# ---------------------------------------------------------------- discovery

def dpkg_owners(info_dir: Path = Path("/var/lib/dpkg/info")) -> dict[str, str]:
    """Installed file path -> Debian package (from dpkg's ``*.list`` files; empty when there are none)."""
    owners: dict[str, str] = {}
    for lst in sorted(info_dir.glob("*.list")) if info_dir.is_dir() else []:
        pkg = lst.name[:-5].split(":")[0]
        for line in lst.read_text(errors="replace").splitlines():
            owners.setdefault(line, pkg)
    return owners


def _owner(path: Path, owners: dict[str, str]) -> str:
    p = str(path)
    if p in owners:
        return owners[p]
    m = re.match(r"/usr/share/doc/([^/]+)/", p)
    return m.group(1) if m else ""


_LANG_DIR = re.compile(r"^[a-z]{2}([-_][A-Za-z]{2,4})?$")
_LANG_SUFFIX = re.compile(r"\.html\.([a-z]{2}(-[a-z]{2})?)$")


def english_path(path: str) -> bool:
    """False for files in a language folder other than English (``de``, ``pt-br``, ``zh_CN``) or with a
    language suffix other than ``.en`` (Apache's ``index.html.fr``)."""
    parts = path.split("/")
    if any(_LANG_DIR.match(p) and not p.lower().startswith("en") and p not in ("js", "db", "ui", "go", "io")
           for p in parts[:-1]):
        return False
    m = _LANG_SUFFIX.search(path)
    return not m or m.group(1) == "en"


_DOC_NAME = re.compile(r"^(README|NEWS|CHANGES|changelog|FAQ|HOWTO|HISTORY|RELEASE[-_]?NOTES|TODO)", re.I)


def discover(roots: dict[str, list[Path]], owners: dict[str, str]) -> list[Source]:
    """Every candidate source file under ``roots`` (family -> folders), test-family files excluded."""
    out: list[Source] = []
    for family, dirs in roots.items():
        for d in dirs:
            if not d.exists():
                continue
            for path in sorted(_walk(d)):
                src = _classify(family, path, owners)
                if src and english_path(src.path) and not is_test_source(src.path, src.package):
                    out.append(src)
    return out


def _walk(d: Path) -> Iterator[Path]:
    if d.is_file():
        yield d
        return
    for root, dirs, files in os.walk(d):
        dirs.sort()
        for f in files:
            p = Path(root) / f
            if not p.is_symlink():
                yield p


def _classify(family: str, path: Path, owners: dict[str, str]) -> Source | None:
    name, pkg = path.name, _owner(path, owners)
    if family == "man":
        if re.search(r"/man[1-8][^/]*/[^/]+\.[1-8][^/]*(\.gz)?$", str(path)):
            return Source(family, str(path), "roff", pkg)
    elif family == "debian-doc":
        if _DOC_NAME.match(name) and not name.endswith((".html", ".pdf", ".png", ".jpg", ".svg", ".css", ".js")):
            return Source(family, str(path), "markup", pkg)
    elif family == "info":
        if re.search(r"\.info(-\d+)?(\.gz)?$", name):
            return Source(family, str(path), "info", pkg)
    elif family == "html-manual":
        if re.search(r"\.html?(\.en)?(\.gz)?$", name) and not _DOC_NAME.match(name):
            return Source(family, str(path), "html", pkg)
    elif family == "pypi-readme":
        project = re.sub(r"[-_.]+", "-", name.split("-")[0]).lower()
        if name == "METADATA" and path.parent.name.endswith(".dist-info"):
            return Source(family, str(path), "metadata", re.sub(r"[-_.]+", "-", path.parent.name.split("-")[0]).lower())
        if name == "PKG-INFO" and path.parent.name.endswith(".egg-info"):
            return Source(family, str(path), "metadata", re.sub(r"[-_.]+", "-", path.parent.name.split("-")[0]).lower())
        if name.endswith(".whl"):
            return Source(family, str(path), "metadata", project,
                          member=f"{'-'.join(name.split('-')[:2])}.dist-info/METADATA")
    return None


def default_roots() -> dict[str, list[Path]]:
    """Where each family's files live on a Debian system with this project's venv."""
    site = sorted({Path(p) for p in sys.path if p.endswith(("site-packages", "dist-packages")) and Path(p).is_dir()})
    site += [p for p in (Path("/usr/lib/python3/dist-packages"),) if p.is_dir() and p not in site]
    wheels = [p for p in (Path("/opt/pypi"), Path("/opt/pypi-more")) if p.is_dir()]
    man = [Path("/usr/share/man") / f"man{i}" for i in range(1, 9)]
    return {"man": man, "debian-doc": [Path("/usr/share/doc")], "info": [Path("/usr/share/info")],
            "html-manual": [Path("/usr/share/doc"), Path("/usr/share/debian-reference")],
            "pypi-readme": site + wheels}


# ---------------------------------------------------------------- extraction

def read_text(path: str, member: str = "") -> str:
    """Text of a file (gunzipped when it ends in .gz; a member of a zip when ``member`` is set)."""
    if member:
        with zipfile.ZipFile(path) as z:
            names = [n for n in z.namelist() if n.endswith(".dist-info/METADATA")]
            pick = member if member in names else (names[0] if names else None)
            return z.read(pick).decode("utf-8", errors="replace") if pick else ""
    raw = Path(path).read_bytes()
    if path.endswith(".gz"):
        raw = gzip.decompress(raw)
    return raw.decode("utf-8", errors="replace")


def metadata_parts(text: str) -> tuple[str, str, str, str]:
    """(name, licence, content type, long description) of a core-metadata file (METADATA / PKG-INFO)."""
    msg = email.parser.Parser().parsestr(text)
    body = msg.get_payload() if isinstance(msg.get_payload(), str) else ""
    if not body.strip():
        body = re.sub(r"\n {8}|\n\|", "\n", msg.get("Description", "") or "")
    lic = msg.get("License-Expression") or msg.get("License") or ""
    if not lic or len(lic) > 80 or lic.upper() == "UNKNOWN":
        classifiers = [c.split("::")[-1].strip() for c in msg.get_all("Classifier", []) if c.startswith("License ::")]
        lic = classifiers[0] if classifiers else (lic.splitlines()[0][:80] if lic else "")
    return msg.get("Name", ""), lic, (msg.get("Description-Content-Type") or "").lower(), body


def extract(src: Source, text: str) -> tuple[str, list[Block], str]:
    """(title, blocks, licence from the file itself or "") of a source's text."""
    if src.reader == "roff":
        if re.match(r"\s*\.so\s", text) and len(text) < 200:  # a redirect to another page
            return "", [], ""
        m = re.search(r"^\.(?:TH|Dt)\s+\"?([^\s\"]+)\"?\s+\"?([^\s\"]+)", text, re.M)
        title = roff_inline(f"{m.group(1).lower()}({m.group(2)})" if m else Path(src.path).name.split(".")[0])
        return title, roff_blocks(text), ""
    if src.reader == "html":
        m = re.search(r"<title[^>]*>(.*?)</title>", text, re.S | re.I)
        return (re.sub(r"\s+", " ", m.group(1)).strip() if m else ""), html_blocks(text), ""
    if src.reader == "info":
        return Path(src.path).name.split(".")[0], info_blocks(text), ""
    if src.reader == "metadata":
        name, lic, _, body = metadata_parts(text)
        return name, markup_blocks(body), lic
    return f"{src.package} {Path(src.path).name.removesuffix('.gz')}", markup_blocks(text), ""


def debian_licence(package: str, doc_root: Path = Path("/usr/share/doc")) -> str:
    """The licence of a Debian package from its copyright file: the first ``License:`` field (machine-readable
    format), else the first non-empty line; "" when there is no copyright file."""
    path = doc_root / package / "copyright"
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return ""
    m = re.search(r"^License:\s*(\S.*)$", text, re.M)
    if m:
        return m.group(1).strip()[:80]
    for pattern, name in _LICENCE_NAMES:  # free-form copyright files: the first licence they name
        if re.search(pattern, text, re.I):
            return name
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return first[:120]


_LICENCE_NAMES = (
    (r"GNU (Lesser|Library) General Public License", "LGPL"), (r"GNU General Public License", "GPL"),
    (r"Artistic License", "Artistic"), (r"Apache License", "Apache"), (r"BSD", "BSD"),
    (r"Permission is hereby granted, free of charge", "MIT/Expat"), (r"public domain", "public-domain"),
    (r"Mozilla Public License", "MPL"),
)


# ---------------------------------------------------------------- build

def order_key(src: Source) -> str:
    """Deterministic, path-hashed visiting order (spread over packages, stable between runs)."""
    return hashlib.sha256(f"{src.path}::{src.member}".encode()).hexdigest()


def build_docs(sources: list[Source], cfg: CorpusConfig, read: Callable[[Source], str],
               licence_of: Callable[[str], str], progress: Callable[[Iterable], Iterable] = lambda x: x,
               drops: Counter | None = None) -> list[Doc]:
    """Extract, clean, cut and deduplicate ``sources`` -> documents; ``drops`` counts why pieces were dropped."""
    drops = drops if drops is not None else Counter()
    exact: set[str] = set()
    near = NearDup(cfg.near_dup_threshold)
    per_family: Counter = Counter()
    per_package: Counter = Counter()
    seen_projects: set[tuple[str, str]] = set()
    docs: list[Doc] = []
    for src in progress(sorted(sources, key=lambda s: (FAMILIES.index(s.family) if s.family in FAMILIES else 99,
                                                       order_key(s)))):
        if cfg.max_docs is not None and per_family[src.family] >= cfg.max_docs:
            continue
        if per_package[(src.family, src.package)] >= cfg.max_docs_per_package:
            drops["package-cap"] += 1
            continue
        if is_test_source(src.path, src.package):
            drops["test-family"] += 1
            continue
        if src.reader == "metadata" and src.package in cfg.exclude_projects:
            drops["excluded-project"] += 1
            continue
        if src.reader == "metadata" and (src.family, src.package) in seen_projects:
            drops["same-project"] += 1  # one description per Python project (wheels of many versions)
            continue
        try:
            text = read(src)
        except (OSError, ValueError, zipfile.BadZipFile, EOFError, KeyError) as e:
            log.debug("skip %s: %s", src.path, e)
            drops["unreadable"] += 1
            continue
        if len(text) > cfg.max_source_chars:
            text = text[:text.rfind("\n", 0, cfg.max_source_chars) + 1 or cfg.max_source_chars]
        title, blocks, own_licence = extract(src, text)
        if src.reader == "metadata":
            seen_projects.add((src.family, src.package))
        blocks = clean_blocks(blocks)
        if not blocks:
            drops["empty"] += 1
            continue
        whole = normalise(render(blocks))
        if text_sha256(whole) in exact:
            drops["exact-dup"] += 1
            continue
        exact.add(text_sha256(whole))
        licence = own_licence or licence_of(src.package)
        pieces = cut_pieces(blocks, cfg)
        kept = 0
        for i, piece in enumerate(pieces):
            if kept >= cfg.max_pieces_per_source:
                drops["cap"] += len(pieces) - i
                break
            why = piece_ok(piece, cfg)
            if not why and near.seen(render(piece)):
                why = "near-dup"
            if why:
                drops[why] += 1
                continue
            if (kept >= cfg.max_pieces_per_source or per_package[(src.family, src.package)] >= cfg.max_docs_per_package
                    or (cfg.max_docs is not None and per_family[src.family] >= cfg.max_docs)):
                drops["cap"] += 1
                continue
            if i > 0 and title and not (piece[0].kind == HEADING and piece[0].text == title):
                piece = [Block(HEADING, title)] + piece  # a later piece says what it is part of
            body = render(piece)
            docs.append(Doc(src.family, title, body, src.path + (f"!{src.member}" if src.member else ""),
                            src.package, licence, len(body.split()), {"piece": i}))
            per_family[src.family] += 1
            per_package[(src.family, src.package)] += 1
            kept += 1
    return docs


def doc_rows(docs: list[Doc]) -> list[dict]:
    """Corpus rows with ids unique per family (``man-000123``) and their split."""
    rows = []
    counters: Counter = Counter()
    for d in docs:
        counters[d.family] += 1
        rows.append({"id": f"{d.family}-{counters[d.family]:06d}", "family": d.family, "split": split_of(d.family),
                     "title": d.title, "source": d.source, "package": d.package, "licence": d.licence,
                     "sha256": text_sha256(d.text), "n_words": d.n_words, "text": d.text})
    return rows


def count_rows(rows: list[dict]) -> dict:
    out: dict = {"schema_version": SCHEMA_VERSION, "families": {}, "splits": {}}
    for r in rows:
        for key, name in (("families", r["family"]), ("splits", r["split"])):
            c = out[key].setdefault(name, {"docs": 0, "words": 0})
            c["docs"] += 1
            c["words"] += r["n_words"]
    return out


def write_corpus(out: Path, rows: list[dict]) -> dict:
    """Write corpus.jsonl, manifest.jsonl and counts.json into ``out``; returns the counts."""
    out.mkdir(parents=True, exist_ok=True)
    leaked = [r["id"] for r in rows if r["split"] == "test" or r["family"] == TEST_FAMILY]
    if leaked:
        raise ValueError(f"test-family documents must not be written to the corpus: {leaked[:3]}")
    write_rows_jsonl(out / "corpus.jsonl", rows)
    write_rows_jsonl(out / "manifest.jsonl", ({k: v for k, v in r.items() if k != "text"} for r in rows))
    counts = count_rows(rows)
    write_rows_jsonl(out / "counts.json", [counts])
    return counts


def read_corpus(path: Path, split: str | None = None) -> list[dict]:
    """Rows of ``DIR/corpus.jsonl`` (``path`` is the folder or the file), optionally of one split."""
    path = Path(path)
    if path.is_dir():
        path = path / "corpus.jsonl"
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r for r in rows if split is None or r["split"] == split]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m engine.data.corpus", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build", help="build the corpus into a folder")
    b.add_argument("--out", required=True, type=Path)
    b.add_argument("--max-docs", type=int, default=None, help="at most N documents per family")
    b.add_argument("--families", default=",".join(FAMILIES), help="comma-separated families to build")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    from tqdm import tqdm

    cfg = CorpusConfig(max_docs=args.max_docs)
    wanted = [f for f in args.families.split(",") if f]
    unknown = set(wanted) - set(FAMILIES)
    if unknown:
        raise SystemExit(f"unknown families {sorted(unknown)}; choose from {', '.join(FAMILIES)}")
    owners = dpkg_owners()
    roots = {f: d for f, d in default_roots().items() if f in wanted}
    sources = discover(roots, owners)
    log.info("%d candidate files: %s", len(sources), dict(Counter(s.family for s in sources)))
    licences: dict[str, str] = {}
    drops: Counter = Counter()
    docs = build_docs(sources, cfg, lambda s: read_text(s.path, s.member),
                      lambda pkg: licences.setdefault(pkg, debian_licence(pkg)),
                      lambda xs: tqdm(list(xs), desc="corpus", unit="file"), drops)
    counts = write_corpus(args.out, doc_rows(docs))
    counts["dropped_pieces"] = dict(sorted(drops.items()))
    write_rows_jsonl(args.out / "counts.json", [counts])
    print(json.dumps(counts, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
