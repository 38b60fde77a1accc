"""A side index of taught passages in SQLite FTS5 (BM25): where an answer's facts came from, and which memories fit a question.

When a memory is taught, its text is split into passages (paragraph-ish,
about 80-200 words, with character offsets and the parser's section or page)
and stored in the library database file ``<home>/lorafy.db`` next to the
library's own tables. This module creates only its own tables::

    passages(id INTEGER PRIMARY KEY, item_id TEXT, ord INTEGER, source TEXT, section TEXT,
             start_char INTEGER, end_char INTEGER, text TEXT)      -- one row a passage
    passages_fts                                                    -- FTS5 over passages.text
                                                                    -- (external content, kept in step by triggers)

No embedding model: ranking is FTS5's ``bm25()``; a passage's score is
``-bm25`` (higher is better). Every call opens its own short-lived
connection (WAL, busy timeout), so any thread may use an index.
"""
from __future__ import annotations

import logging
import os
import re
import sqlite3
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator, Sequence

log = logging.getLogger(__name__)

DB_NAME = "lorafy.db"
PASSAGES_SCHEMA = """
CREATE TABLE IF NOT EXISTS passages(
    id INTEGER PRIMARY KEY,
    item_id TEXT NOT NULL,
    ord INTEGER NOT NULL,
    source TEXT NOT NULL DEFAULT '',
    section TEXT NOT NULL DEFAULT '',
    start_char INTEGER NOT NULL,
    end_char INTEGER NOT NULL,
    text TEXT NOT NULL,
    UNIQUE(item_id, ord));
CREATE INDEX IF NOT EXISTS passages_item ON passages(item_id);
CREATE VIRTUAL TABLE IF NOT EXISTS passages_fts USING fts5(
    text, content='passages', content_rowid='id', tokenize='porter unicode61 remove_diacritics 2');
CREATE TRIGGER IF NOT EXISTS passages_fts_insert AFTER INSERT ON passages BEGIN
    INSERT INTO passages_fts(rowid, text) VALUES (new.id, new.text);
END;
CREATE TRIGGER IF NOT EXISTS passages_fts_delete AFTER DELETE ON passages BEGIN
    INSERT INTO passages_fts(passages_fts, rowid, text) VALUES ('delete', old.id, old.text);
END;
"""
# Words that say nothing about which document a question is about (dropped from queries unless nothing else is left).
STOPWORDS = frozenset("""a an and are as at be but by can could did do does for from had has have how i if in into is it
its me my no not of on or our she he so than that the their them then there these they this to was we were what when
where which who whom whose why will with would you your""".split())
MAX_QUERY_TERMS = 64


class PassageIndexError(Exception):
    """The passage index could not be read or written (damaged or locked database)."""


@dataclass(frozen=True)
class Section:
    """A titled span of a document from its parser: a page ("page 3") or a heading ("Opening hours")."""

    title: str
    start: int
    end: int

    def __post_init__(self) -> None:
        if not 0 <= self.start <= self.end:
            raise ValueError(f"section {self.title!r}: need 0 <= start <= end, got {self.start}, {self.end}")


@dataclass(frozen=True)
class PassageConfig:
    """How texts are cut into passages (words counted as runs of non-space)."""

    min_words: int = 80
    max_words: int = 200

    def __post_init__(self) -> None:
        if not 0 < self.min_words <= self.max_words:
            raise ValueError(f"need 0 < min_words <= max_words, got {self.min_words}, {self.max_words}")


@dataclass(frozen=True)
class Span:
    """One passage of a text: ``text[start:end]``, under ``section`` ('' when the parser gave none)."""

    start: int
    end: int
    section: str = ""


@dataclass(frozen=True)
class Hit:
    """One passage found for a query; ``score`` is -bm25 (higher is better, comparable within one query)."""

    item_id: str
    ord: int
    source: str
    section: str
    start: int
    end: int
    text: str
    snippet: str
    score: float


# -- splitting --------------------------------------------------------------------------------------

def as_sections(sections: Iterable, length: int) -> list[Section]:
    """Sections from Section objects, (title, start, end) tuples or dicts, clipped to ``length`` and sorted."""
    out = []
    for s in sections:
        if isinstance(s, dict):
            s = Section(str(s["title"]), int(s["start"]), int(s["end"]))
        elif not isinstance(s, Section):
            title, start, end = s
            s = Section(str(title), int(start), int(end))
        if s.start < length:
            out.append(Section(s.title, s.start, min(s.end, length)))
    return sorted(out, key=lambda s: (s.start, s.end))


def segments(length: int, sections: Sequence[Section]) -> list[Span]:
    """Cover [0, length) with the sections (overlaps cut at the next start) and untitled gaps between them.

    >>> segments(10, [Section("p2", 4, 8)])
    [Span(start=0, end=4, section=''), Span(start=4, end=8, section='p2'), Span(start=8, end=10, section='')]
    """
    out, pos = [], 0
    for i, s in enumerate(sections):
        start = max(s.start, pos)
        end = min(s.end, sections[i + 1].start) if i + 1 < len(sections) else s.end
        if start > pos:
            out.append(Span(pos, start))
        if end > start:
            out.append(Span(start, end, s.title))
            pos = end
    if pos < length:
        out.append(Span(pos, length))
    return out


def pieces(text: str, start: int, end: int, max_words: int) -> list[tuple[int, int, int, bool]]:
    """(start, end, words, ends_paragraph) pieces of ``text[start:end]``: paragraphs, long ones cut at sentences, then words."""
    out = []
    for para in re.finditer(r"\S(?:.*?\S)??(?=\s*\n\s*\n|\s*\Z)", text[start:end], re.S):
        p0, p1 = start + para.start(), start + para.end()
        words = list(re.finditer(r"\S+", text[p0:p1]))
        if len(words) <= max_words:
            out.append((p0, p1, len(words), True))
            continue
        sentences = [(p0 + m.start(), p0 + m.end()) for m in re.finditer(r"\S.*?(?:[.!?]+[\"')\]]*(?=\s)|\Z)", text[p0:p1], re.S)]
        for s0, s1 in sentences:
            ws = list(re.finditer(r"\S+", text[s0:s1]))
            for i in range(0, len(ws), max_words):
                w = ws[i:i + max_words]
                out.append((s0 + w[0].start(), s0 + w[-1].end(), len(w), False))
        out[-1] = (*out[-1][:3], True)
    return out


def split_passages(text: str, sections: Iterable = (), cfg: PassageConfig = PassageConfig()) -> list[Span]:
    """Cut ``text`` into passages of about min..max words that never cross a section boundary.

    Paragraphs are packed together until ``min_words``; a passage is cut before it
    would pass ``max_words``. Offsets index ``text`` (``text[s.start:s.end]``).

    >>> [(s.start, s.end) for s in split_passages("One two.\\n\\nThree four.", cfg=PassageConfig(2, 3))]
    [(0, 8), (10, 21)]
    """
    out: list[Span] = []
    for seg in segments(len(text), as_sections(sections, len(text))):
        cur: list[int] | None = None  # [start, end, words]
        for p0, p1, n, para_end in pieces(text, seg.start, seg.end, cfg.max_words):
            if cur is not None and cur[2] + n > cfg.max_words:
                out.append(Span(cur[0], cur[1], seg.section))
                cur = None
            cur = [p0, p1, n] if cur is None else [cur[0], p1, cur[2] + n]
            if para_end and cur[2] >= cfg.min_words:
                out.append(Span(cur[0], cur[1], seg.section))
                cur = None
        if cur is not None:
            out.append(Span(cur[0], cur[1], seg.section))
    return out


# -- queries ----------------------------------------------------------------------------------------

def query_terms(text: str) -> list[str]:
    """Lower-case word terms of free text (letters and digits only), stopwords dropped unless nothing else is left.

    >>> query_terms('Who owns "Lindqvist" Bakery?? NEAR(x) OR *')
    ['owns', 'lindqvist', 'bakery', 'near', 'x']
    """
    words = [w.lower() for w in re.findall(r"\w+", text)]
    words = [w for w in words if w.strip("_")]
    content = [w for w in words if w not in STOPWORDS]
    return list(dict.fromkeys(content or words))[:MAX_QUERY_TERMS]


def fts_query(text: str) -> str | None:
    """A safe FTS5 MATCH expression for free text: every term double-quoted, OR-ed (None if no terms).

    Quoting makes FTS5 operators (AND, NEAR, ``*``, ``^``, ``column:``) plain words, so no user text can raise.

    >>> fts_query('What does "NOT" mean: col:x?')
    '"mean" OR "col" OR "x"'
    """
    terms = query_terms(text)
    return " OR ".join('"' + t.replace('"', '""') + '"' for t in terms) if terms else None


# -- the index --------------------------------------------------------------------------------------

class PassageIndex:
    """Passages of taught memories in ``db_path`` (the library's SQLite file), searchable with BM25."""

    def __init__(self, db_path: Path, cfg: PassageConfig = PassageConfig(), busy_timeout_ms: int = 5000):
        self.path = Path(db_path)
        self.cfg = cfg
        self.busy_timeout_ms = busy_timeout_ms
        with self._connect() as con:
            con.executescript(PASSAGES_SCHEMA)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """A connection in WAL mode with a busy timeout; commits on success, rolls back on error, always closes."""
        if not self.path.exists():
            os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600))  # private from the first byte
        try:
            with closing(sqlite3.connect(self.path, timeout=self.busy_timeout_ms / 1000)) as con:
                con.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_ms)}")
                con.execute("PRAGMA journal_mode = WAL")
                with con:
                    yield con
        except sqlite3.DatabaseError as e:
            raise PassageIndexError(f"{self.path}: passage index failed ({e}); close other Lorafy windows and retry") from e

    def add(self, item_id: str, text: str, source: str = "", sections: Iterable = ()) -> int:
        """Index ``text``'s passages under ``item_id`` (replacing any it had); return how many."""
        spans = split_passages(text, sections, self.cfg)
        rows = [(item_id, i, source, s.section, s.start, s.end, text[s.start:s.end]) for i, s in enumerate(spans)]
        with self._connect() as con:
            con.execute("DELETE FROM passages WHERE item_id = ?", (item_id,))
            con.executemany("INSERT INTO passages(item_id, ord, source, section, start_char, end_char, text) "
                            "VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
        log.info("indexed %d passages of %s", len(rows), item_id)
        return len(rows)

    def remove(self, item_id: str) -> int:
        """Drop an item's passages; return how many were dropped."""
        with self._connect() as con:
            return con.execute("DELETE FROM passages WHERE item_id = ?", (item_id,)).rowcount

    def item_ids(self) -> set[str]:
        """Items that have passages."""
        with self._connect() as con:
            return {r[0] for r in con.execute("SELECT DISTINCT item_id FROM passages")}

    def passages(self, item_id: str) -> list[Hit]:
        """All passages of one item in order (score 0)."""
        with self._connect() as con:
            rows = con.execute("SELECT item_id, ord, source, section, start_char, end_char, text, text, 0.0 "
                               "FROM passages WHERE item_id = ? ORDER BY ord", (item_id,)).fetchall()
        return [Hit(*r) for r in rows]

    def search(self, query: str, item_ids: Sequence[str] | None = None, limit: int = 5) -> list[Hit]:
        """The best passages for free text ``query`` by BM25, optionally only of ``item_ids``."""
        match = fts_query(query)
        if match is None or limit <= 0 or (item_ids is not None and not item_ids):
            return []
        where, args = self._among(item_ids)
        sql = ("SELECT p.item_id, p.ord, p.source, p.section, p.start_char, p.end_char, p.text, "
               "snippet(passages_fts, 0, '', '', '…', 32), -bm25(passages_fts) AS score "
               "FROM passages_fts JOIN passages p ON p.id = passages_fts.rowid "
               f"WHERE passages_fts MATCH ? {where} ORDER BY score DESC, p.item_id, p.ord LIMIT ?")
        with self._connect() as con:
            rows = con.execute(sql, (match, *args, limit)).fetchall()
        return [Hit(*r) for r in rows]

    def rank_items(self, query: str, item_ids: Sequence[str] | None = None, k: int = 3, min_score: float = 0.0,
                   min_ratio: float = 0.0) -> list[tuple[str, float]]:
        """Items whose best passage matches ``query`` best: (item id, best passage score), best first.

        At most ``k``, each scoring above ``min_score`` and at least ``min_ratio`` times the best item's score.
        """
        match = fts_query(query)
        if match is None or k <= 0 or (item_ids is not None and not item_ids):
            return []
        where, args = self._among(item_ids)
        sql = ("SELECT p.item_id, -bm25(passages_fts) AS score FROM passages_fts JOIN passages p "
               f"ON p.id = passages_fts.rowid WHERE passages_fts MATCH ? {where} ORDER BY score DESC, p.item_id")
        best: dict[str, float] = {}
        with self._connect() as con:
            for item_id, score in con.execute(sql, (match, *args)):  # passages best first: an item's first is its best
                if score <= min_score or len(best) == k or (best and score < min_ratio * max(best.values())):
                    break
                best.setdefault(item_id, float(score))
        return list(best.items())

    @staticmethod
    def _among(item_ids: Sequence[str] | None) -> tuple[str, list[str]]:
        if item_ids is None:
            return "", []
        ids = list(dict.fromkeys(item_ids))
        return f"AND p.item_id IN ({', '.join('?' * len(ids))})", ids


@dataclass(frozen=True)
class RetrievalConfig:
    """Automatic memory choice and how many sources an answer cites.

    A memory is chosen when it is among the ``k`` best, scores above ``min_score`` (BM25 of its best
    passage; its scale depends on the library) and reaches ``min_ratio`` of the best memory's score
    (so a clear winner comes alone: fewer adapters active means less interference between them).
    """

    k: int = 3
    min_score: float = 0.0
    min_ratio: float = 0.5
    n_sources: int = 3
    n_context: int = 2  # passages put in the prompt by the passages* answer modes

    def __post_init__(self) -> None:
        if self.n_context < 1:
            raise ValueError(f"n_context must be >= 1, got {self.n_context}")
        if self.k < 1 or self.n_sources < 0 or not 0.0 <= self.min_ratio <= 1.0:
            raise ValueError(f"need k >= 1, n_sources >= 0 and 0 <= min_ratio <= 1, got k={self.k}, "
                             f"n_sources={self.n_sources}, min_ratio={self.min_ratio}")
