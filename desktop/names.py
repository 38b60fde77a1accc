"""Item names and paths made safe: checked before teaching, derived from file names, shown escaped on a terminal."""
from __future__ import annotations

import unicodedata

MAX_NAME_CHARS = 120  # an item name; its export file name is further capped in bytes (file_stem)
MAX_STEM_BYTES = 200  # UTF-8 bytes of an exported file or folder name, below the usual 255-byte NAME_MAX


def _unsafe(ch: str) -> bool:
    """Control, format (bidi overrides), separator (except space), surrogate and unassigned characters."""
    return ch != " " and not ch.isprintable()


def shown(text: str) -> str:
    """``text`` with every non-printable character escaped (``\\x1b``, ``\\u202e``), safe to print on a terminal.

    >>> shown("notes\\x1b]0;pwned\\x07.txt")
    'notes\\\\x1b]0;pwned\\\\x07.txt'
    """
    if not any(_unsafe(ch) for ch in text):
        return text
    return "".join(ch.encode("unicode_escape", "backslashreplace").decode("ascii") if _unsafe(ch) else ch for ch in text)


def check_name(name: str) -> str:
    """A name the user gave (``--name``, a skill's text): stripped; ValueError if empty, not valid UTF-8, holding
    control characters or longer than ``MAX_NAME_CHARS``. Checked before any teaching starts."""
    if not isinstance(name, str):
        raise ValueError(f"a name must be text, not {type(name).__name__}")
    if any(0xD800 <= ord(ch) <= 0xDFFF for ch in name):
        raise ValueError(f"the name {shown(name)!r} is not valid UTF-8; give another with --name")
    bad = sorted({ch for ch in name if _unsafe(ch) and ch not in "\t\n"})
    if bad:
        raise ValueError(f"the name {shown(name)!r} holds control characters ({', '.join(shown(c) for c in bad)}); "
                         "give another with --name")
    name = " ".join(name.split())
    if not name:
        raise ValueError("a name cannot be empty")
    if len(name) > MAX_NAME_CHARS:
        raise ValueError(f"the name is {len(name)} characters long, over the {MAX_NAME_CHARS}-character limit")
    return name


def name_from(text: str, fallback: str = "untitled") -> str:
    """A safe name derived from a file name or a text: unsafe characters replaced by U+FFFD, whitespace collapsed,
    cut to ``MAX_NAME_CHARS``.

    >>> name_from("a\\x1b[31mred\\x1b[0m"), name_from("\\n\\t")
    ('a\\ufffd[31mred\\ufffd[0m', 'untitled')
    """
    cleaned = "".join("\ufffd" if _unsafe(ch) and ch not in "\t\n" or 0xD800 <= ord(ch) <= 0xDFFF else ch
                      for ch in text)
    cleaned = " ".join(cleaned.split())[:MAX_NAME_CHARS].strip()
    return cleaned or fallback


def cap_utf8(text: str, max_bytes: int = MAX_STEM_BYTES) -> str:
    """``text`` cut to at most ``max_bytes`` UTF-8 bytes on a character boundary (NFC first)."""
    text = unicodedata.normalize("NFC", text)
    data = text.encode("utf-8", "replace")
    if len(data) <= max_bytes:
        return text
    return data[:max_bytes].decode("utf-8", "ignore")
