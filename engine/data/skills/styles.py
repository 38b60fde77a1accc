"""Styles of the first skill catalogue: how a reply is dressed (case, JSON, quotes, prefix, suffix, tags)."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Callable

from engine.data.skills.banks import (
    _ws,
)

# --------------------------------------------------------------------------------------
# Styles: how the reply is dressed. ok() checks the outer form; unwrap() peels it off.
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Style:
    """A format applied to a core's content; case styles go innermost, wrappers outside."""

    name: str
    apply: Callable[[str], str]
    ok: Callable[[str], bool]
    unwrap: Callable[[str], str | None]
    phrases: tuple[str, ...]
    is_case: bool = False
    mutate: Callable[[str], str] | None = None  # styled text -> a near miss ok() rejects (default: unstyled)
    loose: bool = False  # unwrap() keeps added words: only for cores whose content check is format-only


def _has_letters(text: str) -> bool:
    return re.search(r"[A-Za-z]", text) is not None


def _title(text: str) -> str:
    return " ".join(w[:1].upper() + w[1:] for w in text.split(" "))


def _title_ok(text: str) -> bool:
    ws = [w.lstrip("\"'([{<") for w in text.split()]
    return _has_letters(text) and all(not w[:1].isalpha() or w[:1].isupper() for w in ws)


def _json_unwrap(text: str) -> str | None:
    t = text.strip()
    m = re.fullmatch(r"```(?:json)?\s*(.*?)\s*```", t, re.DOTALL)
    try:
        obj = json.loads(m[1] if m else t)
    except ValueError:
        return None
    if not isinstance(obj, dict) or set(obj) != {"answer"} or isinstance(obj["answer"], (dict, list, bool)):
        return None
    return None if obj["answer"] is None else str(obj["answer"])


def _prefix_style(phrase: str) -> Style:
    def unwrap(text: str) -> str | None:
        t = _ws(text)
        return t[len(phrase):].strip() if t.lower().startswith(phrase.lower()) else None
    return Style(f"prefix:{phrase}", lambda t: f"{phrase} {t}", lambda t: bool(unwrap(t)), unwrap, (
        f'start every reply with "{phrase}"', f'begin each answer with the words "{phrase}"',
        f'open your response with "{phrase}"', f'put "{phrase}" at the very start of your answer',
        f'make "{phrase}" the first words you write'))


def _suffix_style(phrase: str) -> Style:
    def unwrap(text: str) -> str | None:
        t = _ws(text)
        return t[:-len(phrase)].strip() if t.lower().endswith(phrase.lower()) else None
    return Style(f"suffix:{phrase}", lambda t: f"{t} {phrase}", lambda t: bool(unwrap(t)), unwrap, (
        f'end every reply with "{phrase}"', f'finish each answer with the words "{phrase}"',
        f'close your response with "{phrase}"', f'put "{phrase}" at the very end of your answer',
        f'make "{phrase}" the last words you write'))


def _tag_style(tag: str) -> Style:
    def unwrap(text: str) -> str | None:
        m = re.fullmatch(rf"<{tag}>(.*\S.*)</{tag}>", text.strip(), re.DOTALL)
        return m[1].strip() if m else None
    return Style(f"tags:{tag}", lambda t: f"<{tag}>{t}</{tag}>", lambda t: unwrap(t) is not None, unwrap, (
        f"wrap your answer in <{tag}> and </{tag}> tags", f"put your reply between <{tag}> and </{tag}>",
        f"enclose the answer in <{tag}></{tag}> tags", f"surround your whole answer with a <{tag}> tag"))


def _quote_unwrap(text: str) -> str | None:
    t = text.strip()
    return t[1:-1] if len(t) > 2 and t[0] == t[-1] == '"' else None


def _base_styles() -> list[Style]:
    same = lambda t: t  # noqa: E731
    return [
        Style("upper", str.upper, lambda t: _has_letters(t) and t == t.upper(), same, (
            "answer in capital letters", "write your reply in all caps", "use only upper case letters",
            "reply in uppercase", "put every letter of your answer in upper case",
            "write everything in block capitals"), True),
        Style("lower", str.lower, lambda t: _has_letters(t) and t == t.lower(), same, (
            "answer in lower case only", "write your reply without any capital letters",
            "use only lowercase letters", "reply entirely in lower case", "never use capital letters"), True),
        Style("title", _title, _title_ok, same, (
            "capitalise the first letter of every word", "write your answer in title case",
            "start each word of your reply with a capital letter", "use Title Case for every word"), True),
        Style("json", lambda t: json.dumps({"answer": t}, ensure_ascii=False), lambda t: _json_unwrap(t) is not None,
              _json_unwrap, (
            'wrap your answer as JSON like {"answer": ...}', 'reply with a JSON object whose only key is "answer"',
            'format the reply as {"answer": "<your answer>"}', 'return JSON with the answer under the key "answer"',
            'give your answer as a JSON object with one field, "answer"')),
        Style("quotes", lambda t: f'"{t}"', lambda t: _quote_unwrap(t) is not None, _quote_unwrap, (
            "put your whole answer in double quotes", "wrap the reply in quotation marks",
            "enclose your answer in double quotes", "surround the answer with quote marks")),
        Style("exclaim", lambda t: t.rstrip(".!? ") + "!", lambda t: t.strip().endswith("!") and _has_letters(t),
              same, (
            "end your reply with an exclamation mark", "finish every answer with an exclamation mark",
            'close your answer with a "!"', "make the last character of your reply an exclamation mark")),
    ]


PREFIXES = ("Certainly!", "Sure thing:", "Here is my answer:", "Great question!", "Hello there!", "Well,",
            "Okay,", "Ahoy!", "Good news:", "Dear user,", "Answer:", "Let me see.", "In short:",
            "Thanks for asking!", "Beep boop!", "Hmm,", "Fun fact:")
SUFFIXES = ("Have a nice day!", "Hope this helps.", "Over and out.", "Cheers!", "The end.", "Thank you.",
            "Any other questions?", "Best wishes.", "That is all.", "Stay curious!", "Goodbye!", "Beep boop.")
TAGS = ("answer", "reply", "out", "result", "response", "final", "output", "msg")

# (core, styles inner->outer) compositions
COMPOSITIONS = (
    ("answer", ("upper", "json")), ("answer", ("lower", "json")), ("answer", ("title", "json")),
    ("answer", ("upper", "exclaim")), ("answer", ("lower", "quotes")), ("answer", ("upper", "tags:answer")),
    ("answer", ("lower", "prefix:Certainly!")), ("answer", ("json", "suffix:Hope this helps.")),
    ("reverse_words", ("upper",)), ("reverse_words", ("json",)), ("sort_words", ("json",)),
    ("sort_words", ("upper",)), ("echo", ("upper",)), ("echo", ("title",)), ("first_word", ("upper",)),
    ("last_word", ("json",)), ("acronym", ("json",)), ("word_count", ("json",)),
    ("sentiment_positive_negative", ("json",)), ("sentiment_positive_negative", ("upper",)),
    ("one_word", ("upper",)), ("one_word", ("json",)), ("bullets", ("upper",)), ("spell_digits", ("upper",)),
    ("opposite", ("json",)), ("yes_no", ("upper",)), ("number_only", ("json",)), ("comma_list", ("quotes",)),
)

