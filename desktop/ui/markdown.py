"""Markdown to rich text that never loads a resource: images become plain text, raw HTML is off, loads are refused.

A reply may contain ``![x](http://tracker/pixel.png)``; fetching it would tell
a server what the user asked. So images are rewritten to text before Qt
parses the Markdown, raw HTML is disabled, and every document that renders a
reply refuses ``loadResource`` for any URL.
"""
from __future__ import annotations

import logging
import re

from PySide6.QtCore import QUrl
from PySide6.QtGui import QTextDocument, QTextDocumentFragment

log = logging.getLogger(__name__)

# ![alt](url "title") and ![alt][ref]; the alt text is kept, the target dropped
IMAGE_RE = re.compile(r"!\[([^\]]*)\](\([^)]*\)|\[[^\]]*\])")
FEATURES = QTextDocument.MarkdownFeature.MarkdownDialectGitHub | QTextDocument.MarkdownFeature.MarkdownNoHTML


def strip_images(text: str) -> str:
    """Replace Markdown images by their alt text in brackets.

    >>> strip_images("see ![a cat](http://x/cat.png) here")
    'see [image not loaded: a cat] here'
    """
    return IMAGE_RE.sub(lambda m: f"[image not loaded: {m.group(1) or 'no description'}]", text)


class OfflineDocument(QTextDocument):
    """A QTextDocument whose resources are never loaded (remote or local)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.refused: list[str] = []

    def loadResource(self, kind: int, url: QUrl):  # noqa: N802 (Qt override)
        self.refused.append(url.toString())
        log.debug("refused to load resource %s", url.toString())
        return None


def markdown_fragment(text: str) -> QTextDocumentFragment:
    """``text`` (Markdown, images stripped, no HTML) as a fragment to insert into a view."""
    doc = OfflineDocument()
    doc.setMarkdown(strip_images(text), FEATURES)
    return QTextDocumentFragment(doc)
