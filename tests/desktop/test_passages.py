"""The passage index: splitting with offsets and sections, safe FTS5 queries, BM25 search and item ranking, its SQLite file."""
from __future__ import annotations

import os
import re
import sqlite3
import stat

import pytest

from desktop.store.passages import PassageConfig, PassageIndex, Section, fts_query, query_terms, split_passages

DOCS = {
    "bakery": "Lindqvist Bakery opened on Harbour Street in 1998. Its owner, Petra Lindqvist, bakes 300 cinnamon buns "
              "every morning and closes the shop at four in the afternoon.",
    "printer": "The office printer on floor 3 is called Heron. It jams on Mondays and the toner is ordered from Oslo.",
    "river": "The river Aln floods every spring near the old watermill, and the ferry stops running in March.",
    "chess": "The chess club meets on Thursdays in the library basement; its champion is Ruth Okafor.",
}
NASTY = ['', '   ', '"', '""', "'", '*', '^', '-', ':', '()', ')(', 'NEAR', 'NEAR(a b, 2)', 'AND', 'OR OR OR', 'NOT x',
         'a AND', 'text:bakery', 'passages_fts:x', '"unterminated', "Petra's buns?", 'who? what!? "why"...',
         'bakery*', '^bakery', '{text}: x', '\x00', 'ünïcødé Ωmega 東京', '🍞🥐', 'a' * 5000, '-- DROP TABLE passages;',
         "x'); DELETE FROM passages; --", '\\', '%_', ' '.join(['word'] * 500) + '?']


def words_of(text: str) -> list[str]:
    return re.findall(r"\S+", text)


@pytest.fixture
def index(tmp_path) -> PassageIndex:
    ix = PassageIndex(tmp_path / "lorafy.db")
    for name, text in DOCS.items():
        ix.add(name, text, source=f"{name}.txt")
    return ix


def long_text(n_paragraphs: int, words_each: int) -> str:
    return "\n\n".join(" ".join(f"p{p}w{w}" + ("." if w % 9 == 8 else "") for w in range(words_each))
                       for p in range(n_paragraphs))


@pytest.mark.parametrize("n_par, words_each", [(1, 10), (12, 30), (3, 500), (40, 7)])
def test_split_offsets_cover_every_word_once_within_bounds(n_par, words_each):
    text = long_text(n_par, words_each)
    cfg = PassageConfig(min_words=80, max_words=200)
    spans = split_passages(text, cfg=cfg)
    got = [w for s in spans for w in words_of(text[s.start:s.end])]
    assert got == words_of(text)  # in order, nothing lost or repeated
    assert all(len(words_of(text[s.start:s.end])) <= cfg.max_words for s in spans)
    assert all(len(words_of(text[s.start:s.end])) >= cfg.min_words for s in spans[:-1])  # only the tail may be short
    assert all(a.end <= b.start for a, b in zip(spans, spans[1:]))


def test_split_never_crosses_a_section_and_names_it():
    text = long_text(10, 40)
    cut = text.index("p5w0")
    spans = split_passages(text, [("page 1", 0, cut), Section("page 2", cut, len(text))])
    assert {s.section for s in spans} == {"page 1", "page 2"}
    for s in spans:
        assert (s.end <= cut) if s.section == "page 1" else (s.start >= cut)
    assert any(s.start == cut for s in spans)
    dict_spans = split_passages(text, [{"title": "page 2", "start": cut, "end": len(text)}])
    assert {s.section for s in dict_spans} == {"", "page 2"}  # the untitled head keeps its words


def test_bad_configs_and_sections_are_refused():
    with pytest.raises(ValueError):
        PassageConfig(min_words=300, max_words=200)
    with pytest.raises(ValueError):
        Section("x", 5, 2)


@pytest.mark.parametrize("text", NASTY)
def test_fts_query_is_safe_for_any_text(index, text):
    query = fts_query(text)
    assert query is None or all(re.fullmatch(r'"\w+"', t) for t in query.split(" OR "))
    index.search(text)  # never raises
    index.rank_items(text)
    assert index.item_ids() == set(DOCS)  # and never changes the index


def test_query_terms_drop_stopwords_unless_nothing_else_is_left():
    assert query_terms("Who owns the bakery?") == ["owns", "bakery"]
    assert query_terms("Who is it?") == ["who", "is", "it"]
    assert fts_query("?!") is None


@pytest.mark.parametrize("question, want", [
    ("Who owns the bakery on Harbour Street?", "bakery"),
    ("What is the printer on floor 3 called?", "printer"),
    ("When does the river Aln flood?", "river"),
    ("Who is the champion of the chess club?", "chess"),
])
def test_rank_items_picks_the_document_about_the_question(index, question, want):
    ranked = index.rank_items(question, k=2)
    assert ranked[0][0] == want
    assert all(a[1] >= b[1] for a, b in zip(ranked, ranked[1:]))


def test_search_finds_the_passage_holding_a_fact_and_filters_by_item(tmp_path):
    ix = PassageIndex(tmp_path / "lorafy.db", PassageConfig(min_words=5, max_words=20))
    text = ("Chapter one is about the harbour and its boats and nets and gulls.\n\n"
            "The lighthouse keeper is named Ingrid Falk and she lives alone.\n\n"
            "Chapter three tells of the winter storms and broken masts at sea.")
    assert ix.add("doc", text, "story.txt", [("ch 1", 0, 66), ("ch 2", 66, 132), ("ch 3", 132, len(text))]) == 3
    hit = ix.search("What is the lighthouse keeper's name?")[0]
    assert "Ingrid Falk" in text[hit.start:hit.end] and hit.text == text[hit.start:hit.end]
    assert (hit.item_id, hit.source, hit.section, hit.ord) == ("doc", "story.txt", "ch 2", 1)
    assert hit.score > 0 and "lighthouse" in hit.snippet
    assert ix.search("lighthouse keeper", item_ids=["other"]) == [] and ix.search("lighthouse", item_ids=[]) == []


def test_remove_and_re_add(index):
    assert index.remove("river") == 1
    assert "river" not in {i for i, _ in index.rank_items("river Aln floods", k=4)}
    assert index.remove("river") == 0
    assert index.add("bakery", "A new text about bread.", "b.txt") == 1  # replaces, never duplicates
    assert [h.text for h in index.passages("bakery")] == ["A new text about bread."]


def test_db_is_private_wal_and_shared_with_other_tables(tmp_path):
    db = tmp_path / "lorafy.db"
    with sqlite3.connect(db) as con:  # the library's own tables live in the same file
        con.execute("CREATE TABLE items(id TEXT PRIMARY KEY, name TEXT)")
        con.execute("INSERT INTO items VALUES ('x', 'kept')")
    os.chmod(db, 0o600)
    ix = PassageIndex(db)
    ix.add("x", DOCS["chess"], "chess.txt")
    PassageIndex(db)  # opening again creates nothing twice
    with sqlite3.connect(db) as con:
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert con.execute("SELECT name FROM items").fetchall() == [("kept",)]
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')")}
    assert {"items", "passages", "passages_fts", "passages_fts_insert", "passages_fts_delete"} <= tables
    fresh = PassageIndex(tmp_path / "new.db")
    assert stat.S_IMODE(os.stat(fresh.path).st_mode) == 0o600


def test_min_ratio_keeps_only_memories_close_to_the_best(index):
    loose = index.rank_items("printer floor 3 Heron bakery", k=4)
    tight = index.rank_items("printer floor 3 Heron bakery", k=4, min_ratio=0.9)
    assert [i for i, _ in loose] == ["printer", "bakery"] and tight == loose[:1]
    assert loose[1][1] < 0.9 * loose[0][1]
