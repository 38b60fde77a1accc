"""The conversation view: messages as offline rich text, the answer being streamed re-rendered in place, auto-scroll at the bottom only."""
from __future__ import annotations

import html
import logging

from PySide6.QtCore import QUrl
from PySide6.QtGui import QTextBlockFormat, QTextCursor
from PySide6.QtWidgets import QTextBrowser

from desktop.store.conversations import Conversation, Message
from desktop.ui.markdown import markdown_fragment

log = logging.getLogger(__name__)
EMPTY_STATE = ("<div style='color:#666; margin-top:60px' align='center'>"
               "<h2>Drop a file here to teach it</h2>"
               "<p>Documents (text, Markdown, PDF, Word, …) and folders become <b>memories</b>; an instruction pasted on the left becomes a "
               "<b>skill</b>.<br>Check items in the library to use them in the next answer.</p></div>")
BOTTOM_SLACK = 4  # pixels from the end that still count as "at the bottom"


def meta_html(msg: Message) -> str:
    """The line under an answer (which adapters answered, which were chosen automatically) and its sources, escaped."""
    names = [f"{a} (auto)" if a in msg.auto else a for a in msg.adapters]
    who = ", ".join(names) if names else "the base model (no memories or skills active)"
    parts = [f"<p style='color:#777; font-size:small'>answered with: {html.escape(who)}"
             f"{' — stopped' if msg.stopped else ''}</p>"]
    if msg.dropped:
        parts.append(f"<p style='color:#a60; font-size:small'>{dropped_note(msg.dropped)}</p>")
    if msg.sources:
        rows = []
        for s in msg.sources:
            where = " · ".join(html.escape(str(s.get(k, ""))) for k in ("name", "section") if s.get(k))
            src = html.escape(str(s.get("source", "")))
            snippet = html.escape(str(s.get("snippet", "")))
            rows.append(f"<li><b>{where or src}</b> <span style='color:#777'>{src}</span><br><i>{snippet}</i></li>")
        parts.append(f"<p style='color:#555; font-size:small'>sources:</p><ul style='font-size:small'>{''.join(rows)}</ul>")
    return "".join(parts)


def dropped_note(n: int) -> str:
    """What the user sees when earlier turns no longer fit the model's context window.

    >>> dropped_note(3)
    'the 3 oldest messages of this chat no longer fit the model’s context window and were left out'
    """
    what = "oldest message" if n == 1 else f"{n} oldest messages"
    return f"the {what} of this chat no longer fit the model’s context window and were left out"


class ChatView(QTextBrowser):
    """Read-only conversation; ``begin_answer`` / ``append_text`` / ``finish_answer`` stream one answer."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setOpenLinks(False)  # links are shown, never followed or fetched
        self.setOpenExternalLinks(False)
        self.setAcceptDrops(False)  # drops go to the window (teach)
        self.refused: list[str] = []
        self._live_start: int | None = None
        self._live_text = ""

    def loadResource(self, kind: int, url: QUrl):  # noqa: N802 (Qt override)
        self.refused.append(url.toString())
        log.debug("refused to load resource %s", url.toString())
        return None

    # -- whole conversations ------------------------------------------------------------------
    def show_conversation(self, conv: Conversation | None, empty_hint: bool = False) -> None:
        self.clear()
        self._live_start = None
        if conv is None or not conv.messages:
            if empty_hint:
                self.setHtml(EMPTY_STATE)
            return
        for msg in conv.messages:
            self._append_message(msg)
        self.scroll_to_bottom()

    def _append_message(self, msg: Message) -> None:
        cur = self._end()
        if msg.role == "user":
            cur.insertHtml(f"<p style='margin-top:12px'><b>You:</b> {html.escape(msg.text)}</p>")
            cur.insertBlock()
        else:
            cur.insertFragment(markdown_fragment(msg.text or "…"))
            cur.insertBlock()
            cur.insertHtml(meta_html(msg))
            _plain_block(cur)

    def add_message(self, msg: Message) -> None:
        if self._is_empty_state():
            self.clear()
        keep = self.at_bottom()
        self._append_message(msg)
        if keep:
            self.scroll_to_bottom()

    # -- streaming one answer ---------------------------------------------------------------
    def begin_answer(self) -> None:
        self._live_start = self._end().position()
        self._live_text = ""

    def append_text(self, text: str) -> None:
        """Add streamed text to the live answer and re-render it (Markdown of the text so far)."""
        if self._live_start is None:
            self.begin_answer()
        self._live_text += text
        self._render_live(self._live_text)

    def finish_answer(self, msg: Message) -> None:
        """Replace the live answer by the final message (text, adapters, sources)."""
        keep = self.at_bottom()
        if self._live_start is not None:
            cur = self._end()
            cur.setPosition(self._live_start, QTextCursor.MoveMode.KeepAnchor)
            cur.removeSelectedText()
        self._live_start = None
        self._append_message(msg)
        if keep:
            self.scroll_to_bottom()

    def _render_live(self, text: str) -> None:
        keep = self.at_bottom()
        cur = self._end()
        cur.setPosition(self._live_start, QTextCursor.MoveMode.KeepAnchor)
        cur.removeSelectedText()
        cur.insertFragment(markdown_fragment(text))
        if keep:
            self.scroll_to_bottom()

    # -- scrolling ----------------------------------------------------------------------------
    def at_bottom(self) -> bool:
        bar = self.verticalScrollBar()
        return bar.value() >= bar.maximum() - BOTTOM_SLACK

    def scroll_to_bottom(self) -> None:
        bar = self.verticalScrollBar()
        bar.setValue(bar.maximum())

    def _end(self) -> QTextCursor:
        cur = QTextCursor(self.document())
        cur.movePosition(QTextCursor.MoveOperation.End)
        return cur

    def _is_empty_state(self) -> bool:
        return "Drop a file here to teach it" in self.toPlainText()


def _plain_block(cur: QTextCursor) -> None:
    """A new block that is not part of the list just inserted (the sources), so no empty bullet follows them."""
    cur.insertBlock(QTextBlockFormat())
    lst = cur.currentList()
    if lst is not None:
        lst.remove(cur.block())
    fmt = cur.blockFormat()
    fmt.setIndent(0)
    cur.setBlockFormat(fmt)
