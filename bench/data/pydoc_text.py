"""Turn one section of a Sphinx-built HTML page (the python3-doc package) into light-markdown plain text."""
from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from pathlib import Path

_BLOCK = {"p", "li", "dt", "dd", "pre", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "caption"}
_SKIP_CLASSES = {"headerlink", "fn-backref", "copybutton", "contents"}
_SKIP_TAGS = {"script", "style"}
_VOID = {"br", "img", "hr", "meta", "link", "input", "wbr", "col"}


class _SectionText(HTMLParser):
    """Collect the text of the element whose id is ``anchor`` as a list of blocks."""

    def __init__(self, anchor: str, skip_ids: frozenset[str]) -> None:
        super().__init__(convert_charrefs=True)
        self.anchor = anchor
        self.skip_ids = skip_ids
        self.depth = 0          # nesting depth inside the target element, 0 = outside
        self.skip_depth = 0     # nesting depth inside a skipped element
        self.pre = 0
        self.blocks: list[str] = []
        self.cur: list[str] = []
        self.prefix = ""
        self.list_stack: list[str] = []
        self.row: list[str] = []
        self.in_cell = False

    def _flush(self) -> None:
        text = "".join(self.cur)
        self.cur = []
        if self.pre:
            text = text.rstrip("\n")
        else:
            text = re.sub(r"\s+", " ", text).strip()
        if text:
            self.blocks.append(self.prefix + text)
            self.prefix = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if self.depth == 0:
            if a.get("id") == self.anchor:
                self.depth = 1
            return
        if tag not in _VOID:
            self.depth += 1
        if self.skip_depth:
            if tag not in _VOID:
                self.skip_depth += 1
            return
        classes = set((a.get("class") or "").split())
        if tag in _SKIP_TAGS or classes & _SKIP_CLASSES or a.get("id") in self.skip_ids:
            if tag not in _VOID:
                self.skip_depth = 1
            return
        if tag in ("ul", "ol"):
            self._flush()
            self.list_stack.append(tag)
        elif tag == "tr":
            self._flush()
            self.row = []
        elif tag in ("td", "th"):
            self.in_cell = True
            self.cur = []
        elif tag in _BLOCK:
            if not self.in_cell:
                self._flush()
            if tag[0] == "h" and tag[1:].isdigit():
                self.prefix = "#" * int(tag[1:]) + " "
            elif tag == "li":
                self.prefix = "  " * (len(self.list_stack) - 1) + "- "
            elif tag == "dd":
                self.prefix = "  "
            elif tag == "pre":
                self.pre += 1
        elif tag == "br":
            self.cur.append("\n" if self.pre else " ")

    def handle_endtag(self, tag: str) -> None:
        if self.depth == 0:
            return
        self.depth -= 1
        if self.skip_depth:
            self.skip_depth -= 1
            return
        if self.depth == 0:
            self._flush()
            return
        if tag in ("ul", "ol"):
            self._flush()
            if self.list_stack:
                self.list_stack.pop()
        elif tag in ("td", "th"):
            self.row.append(re.sub(r"\s+", " ", "".join(self.cur)).strip())
            self.cur = []
            self.in_cell = False
        elif tag == "tr":
            self.blocks.append("| " + " | ".join(self.row) + " |")
            self.row = []
        elif tag in _BLOCK and not self.in_cell:
            self._flush()
            if tag == "pre":
                self.pre -= 1

    def handle_data(self, data: str) -> None:
        if self.depth and not self.skip_depth:
            self.cur.append(data)


def section_text(path: Path, anchor: str, skip_ids: tuple[str, ...] = ()) -> str:
    """Plain text of the element ``id=anchor`` in ``path``; elements with an id in ``skip_ids`` are left out."""
    parser = _SectionText(anchor, frozenset(skip_ids))
    parser.feed(path.read_text(encoding="utf-8"))
    parser.close()
    if not parser.blocks:
        raise ValueError(f"{path}: no text under id {anchor!r}")
    parts: list[str] = []
    for prev, block in zip([""] + parser.blocks, parser.blocks):
        tight = (block.startswith("| ") and prev.startswith("| ")) or (
            block.lstrip().startswith("- ") and prev.lstrip().startswith("- ")
        )
        parts.append(("\n" if tight else "\n\n") + block if parts else block)
    text = "".join(parts)
    text = text.replace("\u00b6", "")
    text = html.unescape(text)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


def word_count(text: str) -> int:
    """Whitespace-separated words in ``text``."""
    return len(text.split())
