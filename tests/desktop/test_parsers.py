"""Parsers on small generated documents of every format, and every refusal the sandbox can give."""
from __future__ import annotations

import time

import pytest

from desktop.ingest.parsers import ParseLimits, ParseRefused, format_of, parse_bytes
from desktop.ingest.sandbox import parse_in_sandbox
from make_docs import make_docx, make_epub, make_pdf

LIMITS = ParseLimits()


def spans(doc) -> list[tuple[str, str]]:
    return [(s.label, doc.text[s.start:s.end]) for s in doc.sections]


def test_markdown_headings_become_sections_outside_code_fences():
    md = "intro line\n\n# Setup\ninstall it\n```\n# not a heading\n```\n## Use\nrun it\n"
    doc = parse_bytes(md.encode(), "guide.md", LIMITS)
    assert spans(doc) == [("", "intro line"), ("Setup", "# Setup\ninstall it\n```\n# not a heading\n```"),
                          ("Use", "## Use\nrun it")]


def test_rst_underlined_titles_become_sections():
    doc = parse_bytes(b"Title\n=====\n\nfirst\n\nPart two\n--------\nsecond\n", "a.rst", LIMITS)
    assert [s.title for s in doc.sections] == ["Title", "Part two"]
    assert doc.text[doc.sections[1].start:doc.sections[1].end].endswith("second")


@pytest.mark.parametrize("name", ["main.py", "data.csv", "notes.txt", "lib.rs"])
def test_code_and_csv_are_text_with_one_section(name):
    raw = "a,b\r\n1,2\r\n" if name.endswith(".csv") else "def f():\n    return 1\n"
    doc = parse_bytes(raw.encode(), name, LIMITS)
    assert doc.text == raw.replace("\r\n", "\n") and spans(doc) == [("", doc.text)]


def test_pdf_pages_keep_their_numbers():
    doc = parse_bytes(make_pdf(["Harbour Street bakery", "Opens at seven"]), "a.pdf", LIMITS)
    assert [(s.page, s.label) for s in doc.sections] == [(1, "page 1"), (2, "page 2")]
    assert spans(doc) == [("page 1", "Harbour Street bakery"), ("page 2", "Opens at seven")]


def test_docx_headings_are_sections():
    doc = parse_bytes(make_docx([("Intro", "Petra owns the bakery."), ("Hours", "It opens at seven.")]), "a.docx", LIMITS)
    assert spans(doc) == [("Intro", "Intro\nPetra owns the bakery."), ("Hours", "Hours\nIt opens at seven.")]


def test_html_to_markdown_sections_without_scripts():
    html = (b"<html><head><title>Shop</title><style>p{}</style></head><body><script>var secret=1</script>"
            b"<h1>Top</h1><p>Para <b>bold</b></p><h2>Sub</h2><p>more</p></body></html>")
    doc = parse_bytes(html, "page.html", LIMITS)
    assert doc.title == "Shop" and "secret" not in doc.text
    assert spans(doc) == [("Top", "# Top\n\nPara **bold**"), ("Sub", "## Sub\n\nmore")]


def test_epub_chapters_in_spine_order():
    doc = parse_bytes(make_epub([("Chapter One", "It was dark."), ("Chapter Two", "Then light.")]), "b.epub", LIMITS)
    assert [s.title for s in doc.sections] == ["Chapter One", "Chapter Two"]
    assert doc.text[doc.sections[1].start:doc.sections[1].end].endswith("Then light.")


def test_invalid_utf8_is_decoded_without_raising():
    doc = parse_bytes(b"caf\xe9 au lait \xff\xfe and more plain words here", "a.txt", LIMITS)
    assert "au lait" in doc.text and "plain words" in doc.text


def test_utf16_with_bom_is_text_not_binary():
    doc = parse_bytes("hello wörld".encode("utf-16"), "a.txt", LIMITS)
    assert doc.text == "hello wörld"


@pytest.mark.parametrize("data, name, why", [
    (b"", "empty.txt", "empty"),
    (b"  \n\t\n", "blank.md", "empty"),
    (b"\x00\x01\x02ELF\x00\x00" * 50, "binary.txt", "binary data"),
    (make_pdf(["x"]), "disguised.txt", "a PDF"),
    (b"\x89PNG\r\n\x1a\n" + bytes(100), "photo.md", "a PNG image"),
    (make_pdf(["secret"], encrypt=True), "locked.pdf", "password-protected"),
    (make_pdf(["Hello there"])[:150], "truncated.pdf", "damaged"),
    (b"just text", "fake.pdf", "not a PDF"),
    (b"not a zip at all", "fake.docx", "not a valid .docx/.epub"),
    (b"PK\x03\x04 truncated zip", "broken.epub", "not a valid .docx/.epub"),
    (b"\x00\x00", "model.gguf", "does not read .gguf"),
    (b"abc", "picture.jpg", "does not read .jpg"),
])
def test_refusals_say_why(data, name, why):
    with pytest.raises(ParseRefused, match=why):
        parse_bytes(data, name, LIMITS)


def test_zip_bomb_docx_is_refused_before_inflating():
    bomb = make_docx([("A", "b")], bomb_bytes=20 << 20)  # 20 MiB of zeros, ~20 KiB compressed
    assert len(bomb) < 200_000
    with pytest.raises(ParseRefused, match="zip bomb"):
        parse_bytes(bomb, "bomb.docx", LIMITS)
    small_cap = ParseLimits(max_unzipped_bytes=10_000)  # declared total over the cap
    with pytest.raises(ParseRefused, match="unpacks to"):
        parse_bytes(make_docx([("A", "b")]), "a.docx", small_cap)


def test_size_cap():
    with pytest.raises(ParseRefused, match="over the 100-byte limit"):
        parse_bytes(b"x" * 101, "big.txt", ParseLimits(max_bytes=100))
    with pytest.raises(ParseRefused, match="over the 100-byte limit"):
        parse_in_sandbox(b"x" * 101, "big.txt", ParseLimits(max_bytes=100))


def test_deeply_nested_html_ends_with_text_or_a_clear_refusal():
    deep = b"<div>" * 20000 + b"the deep fact" + b"</div>" * 20000
    try:
        doc = parse_in_sandbox(deep, "deep.html", LIMITS)
    except ParseRefused as e:
        assert "nested" in str(e) or "parse" in str(e)
    else:
        assert "the deep fact" in doc.text


def test_sandbox_round_trip_and_refusal():
    doc = parse_in_sandbox(make_docx([("Intro", "Petra owns the bakery.")]), "a.docx", LIMITS)
    assert spans(doc) == [("Intro", "Intro\nPetra owns the bakery.")] and doc.format == "docx"
    with pytest.raises(ParseRefused, match="password-protected"):
        parse_in_sandbox(make_pdf(["x"], encrypt=True), "locked.pdf", LIMITS)


def test_sandbox_stops_a_parse_that_runs_too_long():
    slow = b"<html><body>" + b"<p>word <b>bold</b> <i>it</i></p>" * 120_000 + b"</body></html>"  # ~4 MB: markdownify takes seconds
    t0 = time.monotonic()
    with pytest.raises(ParseRefused, match="longer than 0.5 s"):
        parse_in_sandbox(slow, "slow.html", ParseLimits(seconds=0.5))
    assert time.monotonic() - t0 < 5


def test_sandbox_memory_limit_is_a_refusal_not_a_crash():
    big = b"<p>" + b"x " * 3_000_000 + b"</p>"  # 6 MB of text: the tree and markdown need far more than 64 MiB extra
    with pytest.raises(ParseRefused, match="96 MiB memory limit"):
        parse_in_sandbox(big, "big.html", ParseLimits(memory_mb=96))


def test_formats_by_extension():
    assert [format_of(n) for n in ("a.TXT", "b.Md", "c.pdf", "d.htm", "e.epub", "f.docx", "g.gguf", "h")] == \
        ["text", "markdown", "pdf", "html", "epub", "docx", None, None]
