"""Styles of the widened skill catalogue: wrappers, openings, endings, tone markers and key-value formats."""
from __future__ import annotations

import json
import re

from engine.data.skills.banks import words
from engine.data.skills.lexicon import CONTRACTIONS
from engine.data.skills.styles import Style, _has_letters


def _lines(text: str) -> list[str]:
    return [x.strip() for x in text.strip().splitlines() if x.strip()]


def wrap_style(name: str, pre: str, post: str, phrases: tuple[str, ...]) -> Style:
    """``pre`` + content + ``post`` (whitespace around the content is free)."""
    pat = re.compile(re.escape(pre.strip()) + r"\s*(.*?\S.*?)\s*" + re.escape(post.strip()), re.DOTALL)

    def unwrap(text: str) -> str | None:
        m = pat.fullmatch(text.strip())
        return m[1] if m else None
    return Style(name, lambda t: f"{pre}{t}{post}", lambda t: unwrap(t) is not None, unwrap, phrases)


def line_prefix_style(name: str, marker: str, phrases: tuple[str, ...]) -> Style:
    """Every non-empty line starts with ``marker``."""
    m = marker.strip()

    def unwrap(text: str) -> str | None:
        ls = _lines(text)
        if not ls or not all(x.startswith(m) and x[len(m):].strip() for x in ls):
            return None
        return "\n".join(x[len(m):].strip() for x in ls)
    return Style(name, lambda t: "\n".join(f"{marker}{x}" for x in t.splitlines()), lambda t: unwrap(t) is not None,
                 unwrap, phrases)


def heading_style(level: int) -> Style:
    """A first line that is a markdown heading of exactly ``level`` hashes, then the content."""
    hashes = "#" * level

    def unwrap(text: str) -> str | None:
        ls = _lines(text)
        if len(ls) < 2 or not re.fullmatch(rf"{hashes} +\S.*", ls[0]):
            return None
        return "\n".join(ls[1:])
    word = {1: "top-level", 2: "second-level", 3: "third-level"}[level]
    return Style(f"heading{level}", lambda t: f"{hashes} Answer\n{t}", lambda t: unwrap(t) is not None, unwrap, (
        f'start with a {word} markdown heading ("{hashes} Title") on its own line',
        f'put a markdown heading with {level} hash sign{"s" if level > 1 else ""} above your answer',
        f'begin your reply with a "{hashes} " heading line, then the answer below it'))


def last_line_style(name: str, make_last: str, pattern: str, phrases: tuple[str, ...]) -> Style:
    """Content, then a final line matching ``pattern`` (case-insensitive)."""
    pat = re.compile(pattern, re.IGNORECASE)

    def unwrap(text: str) -> str | None:
        ls = _lines(text)
        if len(ls) < 2 or not pat.fullmatch(ls[-1]):
            return None
        return "\n".join(ls[:-1])
    return Style(name, lambda t: f"{t}\n{make_last}", lambda t: unwrap(t) is not None, unwrap, phrases)


def first_line_style(name: str, make_first: str, pattern: str, phrases: tuple[str, ...]) -> Style:
    """A first line matching ``pattern`` (case-insensitive), then the content."""
    pat = re.compile(pattern, re.IGNORECASE)

    def unwrap(text: str) -> str | None:
        ls = _lines(text)
        if len(ls) < 2 or not pat.fullmatch(ls[0]):
            return None
        return "\n".join(ls[1:])
    return Style(name, lambda t: f"{make_first}\n{t}", lambda t: unwrap(t) is not None, unwrap, phrases)


def signoff_style(name: str) -> Style:
    return last_line_style(f"signoff:{name}", f"- {name}", rf"[-\u2013\u2014~ ]*{re.escape(name)}[.!]?", (
        f"sign off every reply with the name {name} on the last line",
        f'end each answer with a signature line "- {name}"',
        f"put your name, {name}, on its own line at the end of the reply",
        f"finish with a new line signed {name}"))


def greet_style(name: str) -> Style:
    pat = re.compile(rf"\s*(?:hi|hello|hey|dear|greetings|good (?:morning|day|afternoon|evening))[ ,]+{name}\b[,.!:]*\s*(.*)",
                     re.IGNORECASE | re.DOTALL)

    def unwrap(text: str) -> str | None:
        m = pat.fullmatch(text)
        return m[1] if m and words(m[1]) else None
    return Style(f"greet:{name}", lambda t: f"Hi {name}! {t}", lambda t: unwrap(t) is not None, unwrap, (
        f"greet me by my name, {name}, at the start of every reply", f'begin each answer with "Hi {name}"',
        f"say hello to {name} before you answer", f"open with a greeting that uses my name, {name}"))


def suffix_token_style(name: str, token: str, phrases: tuple[str, ...]) -> Style:
    """Content, then ``token`` as the very last thing (an emoji, a hashtag)."""
    def unwrap(text: str) -> str | None:
        t = text.strip()
        return t[:-len(token)].strip() if t.endswith(token) and _has_letters(t[:-len(token)]) else None
    return Style(name, lambda t: f"{t} {token}", lambda t: unwrap(t) is not None, unwrap, phrases)


def prefix_token_style(name: str, token: str, phrases: tuple[str, ...]) -> Style:
    def unwrap(text: str) -> str | None:
        t = text.strip()
        return t[len(token):].strip() if t.startswith(token) and _has_letters(t[len(token):]) else None
    return Style(name, lambda t: f"{token} {t}", lambda t: unwrap(t) is not None, unwrap, phrases)


def has_contraction(text: str) -> bool:
    low = text.lower().replace("\u2019", "'")
    return any(re.search(rf"(?<![a-z]){re.escape(c)}\b" if c[0].isalpha() else rf"\w{re.escape(c)}\b", low)
               for c in CONTRACTIONS)


def formal_style(opener: str) -> Style:
    """A fixed formal opening and no contractions anywhere."""
    def unwrap(text: str) -> str | None:
        t = " ".join(text.split())
        if not t.lower().startswith(opener.lower()) or has_contraction(t):
            return None
        rest = t[len(opener):].strip()
        return rest if words(rest) else None

    def mutate(text: str) -> str:
        return text + " That's all."
    return Style(f"formal:{opener}", lambda t: f"{opener} {t}", lambda t: unwrap(t) is not None, unwrap, (
        f'use a formal tone: open with "{opener}" and never use contractions',
        f'write formally, starting with "{opener}", with no short forms like "it\'s" or "don\'t"',
        f'reply in formal English without contractions, beginning with "{opener}"'), mutate=mutate)


def casual_style(name: str, opener: str, pattern: str, phrases: tuple[str, ...]) -> Style:
    """A casual opening (``pattern`` at the start) and at least one contraction; loose."""
    pat = re.compile(pattern, re.IGNORECASE)
    ok = lambda t: bool(pat.match(t.strip())) and has_contraction(t) and len(words(t)) > 2  # noqa: E731
    return Style(name, lambda t: f"{opener} {t}", ok, lambda t: t, phrases,
                 mutate=lambda t: t.replace("'s", " is").replace("n't", " not"), loose=True)


def marker_words_style(name: str, insert: str, required: tuple[str, ...], phrases: tuple[str, ...]) -> Style:
    """Every word of ``required`` occurs (whole word, any case); ``insert`` is a template with {t}; loose."""
    def ok(text: str) -> bool:
        low = text.lower()
        return len(words(text)) > len(required) and all(re.search(rf"\b{re.escape(w)}\b", low) for w in required)

    def mutate(text: str) -> str:
        for w in required:
            text = re.sub(rf"\b{re.escape(w)}\b", "", text, flags=re.IGNORECASE)
        return text
    return Style(name, lambda t: insert.format(t=t), ok, lambda t: t, phrases, mutate=mutate, loose=True)


def alternate_case(text: str) -> str:
    out, upper = [], False
    for c in text:
        if c.isalpha():
            out.append(c.upper() if upper else c.lower())
            upper = not upper
        else:
            out.append(c)
    return "".join(out)


def _alternates(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() != letters[i].isupper() for i, c in enumerate(letters[1:]))


ALT_CASE = Style("alt_case", alternate_case, _alternates, lambda t: t, (
    "alternate lower case and upper case letters, like aLtErNaTiNg",
    "write in alternating caps: every other letter upper case",
    "switch between small and capital letters for each letter of your reply"), True, mutate=str.lower)


def all_exclaim(text: str) -> str:
    t = re.sub(r"[.?]+(?=\s|$)", "!", text.strip())
    return t if t.endswith("!") else t + "!"


def _all_exclaim_ok(text: str) -> bool:
    t = text.strip()
    return bool(words(t)) and t.endswith("!") and re.search(r"[.?](?=\s|$)", t) is None


ALL_EXCLAIM = Style("all_exclaim", all_exclaim, _all_exclaim_ok, lambda t: t, (
    "end every sentence with an exclamation mark", "finish each sentence with ! instead of a full stop",
    "make every sentence an exclamation, never ending with a period"), mutate=lambda t: t.rstrip("!") + ".")

ELLIPSIS = Style("ellipsis", lambda t: t.strip().rstrip(".!?") + "...",
                 lambda t: t.strip().endswith("...") and bool(words(t)), lambda t: t, (
    'end your reply with an ellipsis ("...")', "trail off at the end with three dots",
    "finish every answer with ... instead of a full stop"), mutate=lambda t: t.strip().rstrip(".") + ".")


def key_style(name: str, key: str, sep: str, phrases: tuple[str, ...]) -> Style:
    """One ``key<sep>value`` record (YAML "answer: ...", "answer=..."); quotes around the value are allowed."""
    pat = re.compile(rf"{re.escape(key)}\s*{re.escape(sep.strip())}\s*(.*\S)", re.DOTALL)

    def unwrap(text: str) -> str | None:
        m = pat.fullmatch(text.strip())
        if not m:
            return None
        v = m[1]
        return v[1:-1] if len(v) > 2 and v[0] == v[-1] and v[0] in "\"'" else v
    return Style(name, lambda t: f"{key}{sep}{t}", lambda t: unwrap(t) is not None, unwrap, phrases)


def json_key_style(key: str) -> Style:
    def unwrap(text: str) -> str | None:
        t = text.strip()
        m = re.fullmatch(r"```(?:json)?\s*(.*?)\s*```", t, re.DOTALL)
        try:
            obj = json.loads(m[1] if m else t)
        except ValueError:
            return None
        if not isinstance(obj, dict) or set(obj) != {key} or isinstance(obj[key], (dict, list, bool)) or obj[key] is None:
            return None
        return str(obj[key])
    return Style(f"json_key:{key}", lambda t: json.dumps({key: t}, ensure_ascii=False), lambda t: unwrap(t) is not None,
                 unwrap, (f'reply with a JSON object whose only key is "{key}"',
                          f'return JSON like {{"{key}": ...}} and nothing else',
                          f'put your answer in a JSON object under the key "{key}"'),
                 mutate=lambda t: t.replace(f'"{key}"', '"answer"' if key != "answer" else '"text"', 1))
