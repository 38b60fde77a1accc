"""The conversation view: turns as offline rich text (questions in shaded bubbles, answers with copy and source links, colours from the palette, light or dark), the answer being streamed re-rendered in place, auto-scroll at the bottom only."""
from __future__ import annotations

import html
import logging
import re

from PySide6.QtCore import QUrl, Signal
from PySide6.QtGui import QGuiApplication, QPalette, QTextBlockFormat, QTextCursor
from PySide6.QtWidgets import QTextBrowser

from desktop.store.conversations import Conversation, Message
from desktop.ui.markdown import markdown_fragment

log = logging.getLogger(__name__)
EMPTY_STATE = ("<div style='margin-top:60px' align='center'>"
               "<h2>Drop a file here to teach it</h2>"
               "<p>Documents (text, Markdown, PDF, Word, …) and folders become <b>memories</b>; an instruction pasted on the left becomes a "
               "<b>skill</b>.<br>Check items in the library to use them in the next answer, or leave <i>Auto</i> on.</p>"
               "<p><a href='sample:'>Try a sample document</a> (notes about an observatory), then ask "
               "<i>In which month is the Kestrel Ridge Observatory closed?</i></p></div>")
BOTTOM_SLACK = 4  # pixels from the end that still count as "at the bottom"


def is_dark(palette: QPalette) -> bool:
    """Whether the palette (the system's, light or dark) has a dark background."""
    return palette.color(QPalette.ColorRole.Base).lightness() < 128


def bubble_colour(dark: bool) -> str:
    """The background of the user's questions, readable on the theme's text colour."""
    return "#2b3a4f" if dark else "#e6eefb"


def marked(text: str, query: str) -> str:
    """``text`` escaped, with the words it shares with ``query`` (3+ letters, any case) in bold.

    >>> marked("Founded in 1987 by Maren", "Who founded it?")
    '<b>Founded</b> in 1987 by Maren'
    """
    words = {w.lower() for w in re.findall(r"\w{3,}", query)}
    return "".join(f"<b>{html.escape(t)}</b>" if t.lower() in words else html.escape(t)
                   for t in re.split(r"(\w+)", text))


def chip_colours(dark: bool) -> tuple[str, str]:
    """(background, text) of an "answered with" chip for a dark or a light theme."""
    return ("#33445c", "#e8eef7") if dark else ("#dde6f3", "#1d2b3a")


def chips_html(names: list[str], dark: bool = False) -> str:
    """Each name as a chip (a shaded, padded span), escaped.

    >>> chips_html(["notes", "a<b"])
    "<span style='background-color:#dde6f3; color:#1d2b3a'>&nbsp;notes&nbsp;</span> <span style='background-color:#dde6f3; color:#1d2b3a'>&nbsp;a&lt;b&nbsp;</span>"
    """
    bg, fg = chip_colours(dark)
    return " ".join(f"<span style='background-color:{bg}; color:{fg}'>&nbsp;{html.escape(n)}&nbsp;</span>" for n in names)


def meta_html(msg: Message, index: int | None = None, dark: bool = False) -> str:
    """The line under an answer (chips of the adapters that answered, "(auto)" on those chosen automatically), its
    sources (links ``source:INDEX:N`` when ``index`` is given) and a ``copy:INDEX`` link, escaped."""
    names = [f"{a} (auto)" if a in msg.auto else a for a in msg.adapters]
    who = chips_html(names, dark) if names else "the base model (no memories or skills active)"
    copy = f" · <a href='copy:{index}'>Copy answer</a>" if index is not None else ""
    parts = [f"<p style='color:#888; font-size:small'>answered with: {who}"
             f"{' — stopped' if msg.stopped else ''}{copy}</p>"]
    if msg.dropped:
        parts.append(f"<p style='color:#a60; font-size:small'>{dropped_note(msg.dropped)}</p>")
    if msg.sources:
        rows = []
        for n, s in enumerate(msg.sources):
            where = " · ".join(html.escape(str(s.get(k, ""))) for k in ("name", "section") if s.get(k))
            src = html.escape(str(s.get("source", "")))
            snippet = html.escape(str(s.get("snippet", "")))
            title = f"<a href='source:{index}:{n}'>{where or src}</a>" if index is not None else f"<b>{where or src}</b>"
            rows.append(f"<li>{title} <span style='color:#888'>{src}</span><br><i>{snippet}</i></li>")
        parts.append(f"<p style='color:#888; font-size:small'>sources:</p><ul style='font-size:small'>{''.join(rows)}</ul>")
    return "".join(parts)


def dropped_note(n: int) -> str:
    """What the user sees when earlier turns no longer fit the model's context window.

    >>> dropped_note(3)
    'the 3 oldest messages of this chat no longer fit the model’s context window and were left out'
    """
    what = "oldest message" if n == 1 else f"{n} oldest messages"
    return f"the {what} of this chat no longer fit the model’s context window and were left out"


class ChatView(QTextBrowser):
    """Read-only conversation; ``begin_answer`` / ``append_text`` / ``finish_answer`` stream one answer.

    Links: ``copy:I`` copies answer I to the clipboard; ``source:I:N`` emits ``sourceClicked`` (source N of
    message I, and the question it answered); ``sample:`` emits ``sampleRequested``. No other link is followed.
    """

    sourceClicked = Signal(dict, str)
    sampleRequested = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.messages: list[Message] = []
        self.anchorClicked.connect(self._on_link)
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
        self.messages = []
        self._live_start = None
        if conv is None or not conv.messages:
            if empty_hint:
                self.setHtml(EMPTY_STATE)
            return
        for msg in conv.messages:
            self._append_message(msg)
        self.scroll_to_bottom()

    def _append_message(self, msg: Message) -> None:
        self.messages.append(msg)
        cur = self._end()
        if msg.role == "user":
            text = html.escape(msg.text).replace("\n", "<br>")
            cur.insertHtml(f"<table width='100%' cellpadding='8' style='margin-top:14px; margin-bottom:6px' "
                           f"bgcolor='{bubble_colour(is_dark(self.palette()))}'><tr><td>{text}</td></tr></table>")
            cur = self._end()
            cur.insertBlock(QTextBlockFormat())
        else:
            cur.insertFragment(markdown_fragment(msg.text or "…"))
            cur.insertBlock()
            cur.insertHtml(meta_html(msg, len(self.messages) - 1, is_dark(self.palette())))
            _plain_block(cur)

    def _on_link(self, url: QUrl) -> None:
        kind, _, rest = url.toString().partition(":")
        try:
            if kind == "copy":
                QGuiApplication.clipboard().setText(self.messages[int(rest)].text)
            elif kind == "source":
                i, n = (int(x) for x in rest.split(":"))
                question = next((m.text for m in reversed(self.messages[:i]) if m.role == "user"), "")
                self.sourceClicked.emit(dict(self.messages[i].sources[n]), question)
            elif kind == "sample":
                self.sampleRequested.emit()
        except (ValueError, IndexError):
            log.debug("ignored link %s", url.toString())

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

    def changeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        """The system switched light/dark: the bubbles are redrawn in the new palette's colours."""
        super().changeEvent(event)
        if event.type() == event.Type.PaletteChange and self.messages and self._live_start is None:
            msgs, self.messages = self.messages, []
            self.clear()
            for m in msgs:
                self._append_message(m)


def _plain_block(cur: QTextCursor) -> None:
    """A new block that is not part of the list just inserted (the sources), so no empty bullet follows them."""
    cur.insertBlock(QTextBlockFormat())
    lst = cur.currentList()
    if lst is not None:
        lst.remove(cur.block())
    fmt = cur.blockFormat()
    fmt.setIndent(0)
    cur.setBlockFormat(fmt)
