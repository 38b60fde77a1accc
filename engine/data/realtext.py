"""Questions on real documents whose answers are verbatim spans of the text (``python -m engine.data.realtext make``).

No language model is involved: questions come from patterns over the text of a
:mod:`engine.data.corpus` document.

- in place (``--insitu N``): the sentence around a span asked as a question where the span stands ("To choose a
  different locale for the cluster, use which option?"), the shape of a question people type;
- cloze: a sentence with one span blanked (a number with its unit, a date, a version, a capitalised name,
  a path, a command-line option, an identifier, an e-mail address or a URL);
- wh-questions from sentence patterns: ``NAME`` lines of man pages ("ls - list directory contents"),
  "X is/was released in Y", "written by Y", "defaults to Y" / "default: Y", "requires Y",
  "Report bugs to Y", and command-line option descriptions (which option does ...?);
- recitation: "What does the document say about X?" with the sentence as target and a key span of it
  (not X) as the accepted answer.

A question is dropped when it is ambiguous: its blanked sentence occurs twice, its pattern key has two
different values in the document, or its answer is in the question. Answers that are too common across
the corpus (in more than ``max_df`` of the documents) or too short are not asked about. Every answer is
checked to be a substring of the document, and every target contains its first answer.

Examples from the corpus built on 2026-12-07 (engine/data/README_realtext.md has ten)::

    Which option of tail does this: with -f, terminate after process ID, PID dies?   -> --pid
    Fill in the blank with the exact words from the document: "To choose a different locale for the
    cluster, use the option ____."                                                   -> --locale

Records are ``Record(kind="realtext")``; the output file is xz-compressed JSONL in the evaluation format.
"""
from __future__ import annotations

import argparse
import json
import logging
import lzma
import os
import random
import re
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

from engine.data.records import QA, Record, from_json, to_json

log = logging.getLogger(__name__)

KIND = "realtext"
BLANK = "____"


@dataclass(frozen=True)
class RealtextConfig:
    """How many questions of each sort a document gets."""

    max_questions: int = 12
    min_questions: int = 3  # documents with fewer usable questions are skipped
    max_cloze: int = 6
    max_insitu: int = 0  # questions asked in place of a span ("... use which option?"); 0 keeps the older mixture
    max_recite: int = 2
    max_df: float = 0.02  # an answer in more than this share of the corpus' documents is too common to ask
    cloze_words: int = 28  # words of context kept around a blank
    max_answer_words: int = 12
    max_target_words: int = 45  # recitation targets (a sentence) longer than this are not used

    def __post_init__(self) -> None:
        if not 1 <= self.min_questions <= self.max_questions:
            raise ValueError("need 1 <= min_questions <= max_questions")
        if not 0 < self.max_df <= 1:
            raise ValueError("max_df must be in (0, 1]")


# ---------------------------------------------------------------- spans

_MONTH = r"(?:January|February|March|April|May|June|July|August|September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)"
_UNIT = (r"(?:%|percent|seconds?|secs?|minutes?|mins?|hours?|days?|weeks?|months?|years?|bytes?|bits?|"
         r"[KMGT]i?B|[kKMG]b|ms|milliseconds?|us|ns|lines?|characters?|chars?|columns?|rows?|times|entries|"
         r"files?|pages?|blocks?|threads?|processes|connections?|retries|attempts?|levels?|digits?)")
SPAN_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("url", re.compile(r"\bhttps?://[^\s<>()\"'\]]+[^\s<>()\"'\].,;:!?]")),
    ("email", re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}\b")),
    ("date", re.compile(rf"\b(?:\d{{4}}-\d{{2}}-\d{{2}}|\d{{1,2}} {_MONTH}\.? \d{{4}}|{_MONTH}\.? \d{{1,2}}, \d{{4}}|"
                        rf"{_MONTH} \d{{4}})\b")),
    ("version", re.compile(r"(?<![\w.-])v?\d+\.\d+(?:\.\d+)+(?:[a-z]\d*|-?(?:rc|beta|alpha)\d*)?(?![\w.-]*\w)|"
                           r"(?<=[Vv]ersion |[Rr]elease )\d+\.\d+(?![\w.]*\d)")),
    ("path", re.compile(r"(?<![\w/.~-])(?:~|\$HOME)?/(?:[\w.+-]+/)*[\w.+*-]*\w(?![\w/])")),
    ("option", re.compile(r"(?<![\w-])--[A-Za-z][\w-]*\w(?:=[\w<>.-]+)?")),
    ("manref", re.compile(r"\b[a-z][\w.+-]*\w\([1-8][a-z]*\)")),
    ("identifier", re.compile(r"\b(?:[a-z][a-z0-9]*_[a-z0-9_]*[a-z0-9]|[A-Z][a-z]+(?:[A-Z][a-z0-9]+){1,4}|"
                              r"[A-Z][A-Z0-9]*_[A-Z0-9_]*[A-Z0-9])\b")),
    ("number", re.compile(rf"(?<![\w.,/-])\d{{1,3}}(?:,\d{{3}})+(?:\s?{_UNIT})?(?![\w.,]\d)|"
                          rf"(?<![\w.,/-])\d+(?:\.\d+)?\s?{_UNIT}\b|(?<![\w.,/:-])\d{{2,}}(?![\w.:/-]|,\d)")),
    ("name", re.compile(r"(?<![\w-])[A-Z][a-z]+(?:-[a-z]+)?(?:[ -](?:[A-Z]\.|[A-Z][a-z]+|van|von|de|der|da|of|the|and|for)){0,3}"
                        r"[ -](?:[A-Z]\.? )?[A-Z][a-z]+\b")),
)
_NAME_STOP = frozenset("""The This That These Those If In On For With When While Where What Which Who How Why A An
Each Every Some Any All No Not Note See Use Using It Its As At By From To Of Or And But So Then Also Both Since
Unless Until After Before Because Although However Otherwise Example Examples Default Options Option Usage
Description Returns Return Set Sets Run Runs Please Thus Here There You Your We Our They Closes Fixes Fixed Thanks
Added Removed Updated Changed New Bug Bugs Version Release Debian""".split())
_MIN_LEN = {"number": 2, "name": 5, "identifier": 5, "option": 4, "path": 5, "manref": 5}


def find_spans(sentence: str) -> list[tuple[str, str, int]]:
    """(kind, span, start) of every answerable span in ``sentence``, without overlaps (earlier kinds win).

    >>> [(k, s) for k, s, _ in find_spans("Written by Richard M. Stallman in 1998; see ls(1) and --block-size=M.")]
    [('name', 'Richard M. Stallman'), ('number', '1998'), ('manref', 'ls(1)'), ('option', '--block-size=M')]
    """
    taken: list[tuple[int, int]] = []
    out = []
    for kind, pat in SPAN_PATTERNS:
        for m in pat.finditer(sentence):
            span, a, b = m.group(0).rstrip(".,;:"), m.start(), m.start() + len(m.group(0).rstrip(".,;:"))
            if kind == "name":
                span, a = _trim_name(span, a, sentence)
                if not span:
                    continue
                b = a + len(span)
            if len(span) < _MIN_LEN.get(kind, 3) or any(a < y and x < b for x, y in taken):
                continue
            if kind == "version" and not sentence[:a].strip():
                continue  # a section number ("5.8.5. /var/lib/color")
            if kind == "path" and (span.count("/") < 2 and not span.startswith(("/etc", "/usr", "/var", "/dev", "/tmp", "~"))):
                continue
            taken.append((a, b))
            out.append((kind, span, a))
    return sorted(out, key=lambda t: t[2])


_DAYS_MONTHS = frozenset("""Mon Tue Wed Thu Fri Sat Sun Monday Tuesday Wednesday Thursday Friday Saturday Sunday
January February March April May June July August September October November December Jan Feb Mar Apr Jun Jul Aug
Sep Sept Oct Nov Dec""".split())


def _trim_name(span: str, start: int, sentence: str = "") -> tuple[str, int]:
    parts = span.split(" ")
    if re.fullmatch(r"[\s*\-\u2022#\d:.()]*", sentence[:start]) and len(parts) < 4:
        start += len(parts[0]) + 1  # a capitalised first word of a sentence is no evidence of a name
        parts = parts[1:]
    cut = next((i for i, p in enumerate(parts) if i and p in _NAME_STOP), len(parts))
    parts = parts[:cut]  # "Ben Low Closes Debian" -> "Ben Low"
    while parts and parts[-1] in _DAYS_MONTHS:
        parts = parts[:-1]
    while parts and (parts[0] in _NAME_STOP or parts[0].lower() in ("of", "the", "and", "for")):
        start += len(parts[0]) + 1
        parts = parts[1:]
    while parts and parts[-1].lower() in ("of", "the", "and", "for", "de", "der", "da", "van", "von"):
        parts = parts[:-1]
    if len(parts) < 2 or all(p.isupper() for p in parts):
        return "", start
    return " ".join(parts), start


# ---------------------------------------------------------------- sentences

_ABBREV = re.compile(r"\b(?:e\.g|i\.e|etc|cf|vs|Dr|Mr|Mrs|Ms|St|No|Fig|approx|resp|incl)\.$", re.I)


def sentences(text: str) -> list[str]:
    """Sentences of the prose paragraphs of ``text`` (headings and one-line list items are kept as they are).

    >>> sentences("Hello there. This is e.g. a test.\\n\\nNAME")
    ['Hello there.', 'This is e.g. a test.', 'NAME']
    """
    out: list[str] = []
    for para in re.split(r"\n\s*\n", text):
        para = re.sub(r"\s+", " ", para).strip()
        if not para:
            continue
        cur = ""
        for piece in re.split(r"(?<=[.!?])\s+(?=[A-Z(\"'\u201c])", para):
            cur = f"{cur} {piece}" if cur else piece
            if not _ABBREV.search(cur) and not re.search(r"\b[A-Z]\.$", cur):
                out.append(cur)
                cur = ""
        if cur:
            out.append(cur)
    return out


def window(sentence: str, start: int, end: int, n_words: int) -> str:
    """About ``n_words`` words of ``sentence`` around [start, end), cut at word boundaries, "..." where cut."""
    left, right = sentence[:start].split(" "), sentence[end:].split(" ")
    half = n_words // 2
    lw = left[-half:] if len(left) > half else left
    rw = right[:half] if len(right) > half else right
    pre = ("... " if len(lw) < len(left) else "") + " ".join(lw)
    post = " ".join(rw) + (" ..." if len(rw) < len(right) else "")
    return pre + sentence[start:end] + post


# ---------------------------------------------------------------- question makers

@dataclass(frozen=True)
class Candidate:
    """A question before selection: its sort, the key that must be unambiguous, and the QA."""

    sort: str  # "pattern", "insitu", "cloze" or "recite"
    key: str  # pattern questions: (pattern, subject); two candidates with one key and different answers clash
    qa: QA


def symbol_frac(text: str) -> float:
    """Share of characters that are neither letters, digits, spaces nor plain punctuation (code looks high)."""
    chars = [c for c in text if not c.isspace()]
    return sum(not (c.isalnum() or c in ".,;:'\"!?()-_/") for c in chars) / max(1, len(chars))


# what a span of each kind is asked as, in place (wh_phrase refines numbers and names)
_WH = {"url": "which URL", "email": "which e-mail address", "date": "which date", "version": "which version",
       "path": "which path", "option": "which option", "manref": "which manual page", "identifier": "which name",
       "number": "what number", "name": "which name"}
_UNIT_WORD = re.compile(r"^[\d.,]+\s?(?P<u>[A-Za-z%]+)$")


def wh_phrase(kind: str, span: str, before: str) -> tuple[str, str]:
    """(text before the span, the wh-phrase asking for it): "use the option" + --locale -> ("use", "which option");
    "written by" + a name -> ("written by", "whom"); a year -> "which year"; "1024 bytes" -> "how many bytes".

    >>> wh_phrase("option", "--locale", "use the option "), wh_phrase("number", "1998", "released in ")
    (('use ', 'which option'), ('released in ', 'which year'))
    """
    phrase = _WH[kind]
    if kind == "number":
        unit = _UNIT_WORD.match(span)
        if re.fullmatch(r"(?:19|20)\d\d", span):
            phrase = "which year"
        elif unit and unit.group("u") not in ("%", "percent"):
            phrase = f"how many {unit.group('u')}"
    elif kind == "name" and re.search(r"\b(?:by|to|from|with|thanks)\s*$", before, re.I):
        phrase = "whom"
    noun = phrase.split(" ", 1)[-1]
    trimmed = re.sub(rf"(?:\b(?:the|a|an)\s+)?\b{re.escape(noun)}\s*$", "", before, flags=re.I)
    return (trimmed, phrase) if trimmed != before and noun not in ("year", "name") else (before, phrase)


def insitu_question(ctx: str, span: str, kind: str) -> str | None:
    """The window ``ctx`` turned into a question by asking for ``span`` where it stands: "To choose a different locale
    for the cluster, use which option?" (None when the span is not in the window once). The window's text after the
    span is kept up to the end of its clause, so the question ends where a reader expects it to.

    >>> insitu_question("To choose a different locale for the cluster, use the option --locale.", "--locale", "option")
    'To choose a different locale for the cluster, use which option?'
    """
    text = re.sub(r"^(?:[-*\u2022]+|\d+[.)])\s+", "", ctx.removeprefix("... ").removesuffix(" ..."))  # list markers
    if text.count(span) != 1:
        return None
    before, after = text.split(span)
    if before.rstrip()[-1:] in "<([{\"'\u201c\u2018" and before.strip() or after.lstrip()[:1] in (">)]}\"'\u201d\u2019"):
        return None  # quoted or bracketed: "<which URL>" asks nothing a reader would
    if re.match(r"\s*[A-Z]", after):
        return None  # an option list or a heading runs on into the next item
    if (before and not before[-1].isspace()) or (after and not re.match(r"[\s,.;:!?]", after)):
        return None  # glued to a sign or a word ("#1234", "U+0105", "-p/--attach")
    before, phrase = wh_phrase(kind, span, before)
    if after.split()[:1] and after.split()[0].lower() == phrase.split()[-1]:
        return None  # "which option option"
    after = re.split(r"(?<=\w)[.;:!?](?:\s|$)|\s[-\u2013\u2014]\s|\s\(", after, maxsplit=1)[0].rstrip(" ,.;:")
    q = re.sub(r"\b(?:the|a|an) (which|what|whom|how)\b", r"\1", f"{before}{phrase}{after}".strip(), flags=re.I)
    if sum(bool(re.fullmatch(r"[a-z]{2,}[,;:]?", w)) for w in f"{before} {after}".split()) < 3:
        return None  # too little prose around the span to be a question (a sign-off line, a table row)
    return q[:1].upper() + q[1:] + "?"


def span_windows(sents: list[str], cfg: RealtextConfig) -> Iterator[tuple[str, str, str]]:
    """(kind, span, the words around it) for each span of each sentence of six or more words that occurs once in the
    document (a sentence written twice would make its question ambiguous)."""
    count = Counter(sents)
    for s in sents:
        if len(s.split()) < 6 or count[s] > 1:
            continue
        for kind, span, a in find_spans(s):
            yield kind, span, window(s, a, a + len(span), cfg.cloze_words)


def insitu_candidates(sents: list[str], cfg: RealtextConfig) -> Iterator[Candidate]:
    """A question asked in place of each span of each sentence that occurs once in the document (see
    :func:`insitu_question`): the shape of a question people type, where a cloze quotes the sentence."""
    for kind, span, ctx in span_windows(sents, cfg):
        q = insitu_question(ctx, span, kind)
        if q is None or span in q or symbol_frac(q) > 0.06:
            continue
        yield Candidate("insitu", f"insitu:{q}", QA(q, (span,), span))


def cloze_candidates(sents: list[str], cfg: RealtextConfig) -> Iterator[Candidate]:
    """A blank over each span of each sentence that occurs once in the document (else the blank is ambiguous)."""
    for kind, span, ctx in span_windows(sents, cfg):
        blanked = ctx.replace(span, BLANK, 1)
        if blanked.count(BLANK) != 1 or span in blanked or symbol_frac(blanked) > 0.12:
            continue
        q = f'Fill in the blank with the exact words from the document: "{blanked}"'
        yield Candidate("cloze", f"cloze:{blanked}", QA(q, (span,), span))


_STOP = r" (?:if|when|unless|and|or|but|for|on|in|here|which|so|because|instead|otherwise)\b"
_VAGUE = frozenset("given used set specified none when if no not is are was be it this that there".split())
_PATTERNS: tuple[tuple[str, re.Pattern[str], str], ...] = (
    ("released", re.compile(r"^(?P<x>[A-Z][\w.+-]*(?: [A-Z\d][\w.+-]*){0,3}) (?:was|were|is) (?:first |originally |initially )?released "
                            r"(?:in|on) (?P<y>[^,;.()]{2,40})"), "When was {x} released?"),
    ("written", re.compile(r"\b(?:[Ww]ritten|[Cc]reated|[Dd]eveloped|[Oo]riginally written|[Mm]aintained) by "
                           r"(?P<y>[A-Z](?:[^,;()<.]|(?<=\b[A-Z])\.){3,60}?)(?=\s*(?:(?<!\b[A-Z])\.|[,;(<]|$| for | with | in | at | on ))"),
     "Who wrote {title}, according to the document?"),
    ("bugs", re.compile(r"\b[Rr]eport (?:any )?bugs (?:to|at|on|via) (?P<y>\S+@\S+|https?://\S+|<\S+>)"),
     "Where should bugs in {title} be reported?"),
    ("default", re.compile(r"(?:^|\. )(?P<x>(?:[Tt]he )?[\w.-]+(?: [\w.-]+){0,4}?) defaults? to (?P<y>[^,;.()]{1,40}?"
                           r"(?:\.\d+[^,;.()]*)?)(?=[,;.()]|$|" + _STOP + ")"), "What does {x} default to?"),
    ("default_is", re.compile(r"[Tt]he default (?:value |setting )?(?:for |of )?(?P<x>[\w.-]+(?: [\w.-]+)? )?is "
                              r"(?P<y>[^,;()]{1,40}?)(?=[,;()]|\.(?:\s|$)|$|" + _STOP + ")"), "What is the default{ofx}?"),
    ("requires", re.compile(r"^(?P<x>[A-Z][\w.+-]*(?: [\w.+-]+){0,3}?) requires (?P<y>[^,;.()]{2,60}?)(?=[,;.()]|$|" + _STOP + ")"),
     "What does {x} require?"),
    ("is_a", re.compile(r"^(?P<x>[A-Z][\w.+-]*(?: [A-Z\d][\w.+-]*){0,3}) is (?P<y>(?:a|an|the) [^,;.()]{3,80}?)"
                        r"(?=[,;.()]|$| that | which | for | used )"), "What is {x}?"),
)


def _author(y: str) -> str:
    """The names of an author phrase, cut at the first word that is not part of a name.

    >>> _author("Tomas Mraz based on pam_foo"), _author("Doug Rabson dfr@FreeBSD.org")
    ('Tomas Mraz', 'Doug Rabson')
    """
    words = []
    for w in y.split():
        if not (re.fullmatch(r"[A-Z][\w'.-]*", w) or w in ("and", "van", "von", "de", "der", "da")) or "@" in w:
            break
        words.append(w)
    while words and words[-1] in ("and", "van", "von", "de", "der", "da"):
        words.pop()
    return " ".join(words) if len(words) >= 2 else ""


def pattern_candidates(sents: list[str], title: str) -> Iterator[Candidate]:
    subject = title.split("(")[0] if title else "the program"
    for s in sents:
        for name, pat, template in _PATTERNS:
            for m in pat.finditer(s):
                y = m.group("y").strip().rstrip(".,;").strip("<>")
                x = (m.groupdict().get("x") or "").strip()
                if not y or (x and (x in _NAME_STOP or x.lower() in ("it", "this", "that", "there", "which", "this option",
                                                                    "the default", "default", "this package"))):
                    continue
                if name == "default" and x.lower().startswith(("it ", "which", "this")):
                    continue
                if name.startswith("default") and (y.lower() in _VAGUE or any(w in _VAGUE for w in x.lower().split())):
                    continue
                if (name == "default_is" or len(y.split()) > 4) and name.startswith("default") and not (
                        find_spans(y) or re.search(r"[\d'\"/_=-]", y)):
                    continue  # a default worth asking is a value: a number, a path, an option, a quoted word
                if name == "is_a" and " " not in x and not re.search(r"[A-Z\d_.+-]", x[1:]):
                    continue  # "Naming is a bit ...": one plain capitalised word is mostly a heading, not a name
                if name == "written":
                    y = _author(y)
                    if not y:
                        continue
                ofx = f" {x.strip()}" if x else ""
                ofx = f" for{ofx}" if ofx else ""
                q = template.format(x=x[:1].lower() + x[1:] if x.startswith("The ") else x, title=subject, ofx=ofx)
                if name == "default_is" and not x:
                    continue
                yield Candidate("pattern", f"{name}:{x.lower() or subject}", QA(q, (y,), y))
    if "(" in title:  # a man page
        yield from man_candidates(sents, subject)


def man_candidates(sents: list[str], subject: str) -> Iterator[Candidate]:
    """The NAME line of a man page and its option list ("-a, --all do not ignore entries ...")."""
    for i, s in enumerate(sents):
        if s == "NAME" and i + 1 < len(sents):
            m = re.match(r"^(?P<x>[\w.+:,\s-]+?) [-\u2013\u2014] (?P<y>.{5,100})$", sents[i + 1])
            if m:
                y = m.group("y").rstrip(".")
                yield Candidate("pattern", f"name:{m.group('x')}", QA(f"What does {subject} do, in a few words?", (y,), y))
        m = re.match(r"^(?P<opts>-\w(?:, )?)?(?P<opt>--[a-z][\w-]+)(?:[= ]\[?=?[A-Z][A-Z_]*\]?)?,? (?P<d>[a-z].{10,150}?)"
                     r"(?=[.;]|$)", s)
        if m and len(m.group("d").split()) >= 3:
            desc = m.group("d")
            first, _, rest = desc.partition(" ")
            if rest[:1].isupper():  # "--delete-keys name Remove key ...": a lowercase argument name first
                desc = rest
            desc = desc.strip()
            if re.search(r"[\[\]|<>{}]", desc):
                continue
            yield Candidate("pattern", f"optdesc:{desc.lower()}",
                            QA(f"Which option of {subject} does this: {desc}?", (m.group("opt"),), m.group("opt")))


_RECITE_KINDS = ("number", "date", "version", "path", "option", "url", "email", "name", "identifier")


def recite_candidates(sents: list[str], cfg: RealtextConfig, document: str) -> Iterator[Candidate]:
    """"What does the document say about X?" for a sentence that is the only one naming X and holds another span."""
    for s in sents:
        n = len(s.split())
        if not 8 <= n <= cfg.max_target_words or symbol_frac(s) > 0.08:
            continue
        spans = [(k, sp) for k, sp, _ in find_spans(s) if k in _RECITE_KINDS]
        if len(spans) < 2:
            continue
        topic = next((sp for k, sp in spans if k in ("option", "identifier", "name", "path", "manref")), None)
        key = next((sp for k, sp in spans if sp != topic and sp.lower() not in (topic or "").lower()), None)
        if not topic or not key or sum(topic in t for t in sents) != 1 or key in topic:
            continue
        yield Candidate("recite", f"recite:{topic}", QA(f"What does the document say about {topic}?", (key,), s))


# ---------------------------------------------------------------- selection

def answer_ok(answer: str, question: str, document: str, common: frozenset[str], cfg: RealtextConfig) -> bool:
    a = answer.strip()
    if len(a) < 2 or a not in document or a.lower() in question.lower() or a in common:
        return False
    if len(a.split()) > cfg.max_answer_words or a.lower() in ("yes", "no", "none", "true", "false", "the", "a"):
        return False
    return True


def make_questions(document: str, title: str, rng: random.Random, cfg: RealtextConfig,
                   common: frozenset[str] = frozenset()) -> list[QA]:
    """Up to ``cfg.max_questions`` unambiguous questions on ``document``, patterns first, then cloze, then recitation.

    >>> doc = "NAME\\n\\nls - list directory contents\\n\\nDESCRIPTION\\n\\nThe block size defaults to 1024 bytes here."
    >>> [q.target for q in make_questions(doc, "ls(1)", random.Random(0), RealtextConfig(min_questions=1))]
    ['1024 bytes', 'list directory contents']
    """
    sents = sentences(document)
    groups = {"pattern": list(pattern_candidates(sents, title)),
              "insitu": list(insitu_candidates(sents, cfg)) if cfg.max_insitu else [],
              "cloze": list(cloze_candidates(sents, cfg)), "recite": list(recite_candidates(sents, cfg, document))}
    by_key: dict[str, set[str]] = {}
    for cands in groups.values():
        for c in cands:
            by_key.setdefault(c.key, set()).add(c.qa.answers[0])
    out: list[QA] = []
    asked: set[str] = set()
    limits = {"pattern": cfg.max_questions, "insitu": cfg.max_insitu, "cloze": cfg.max_cloze, "recite": cfg.max_recite}
    for sort in ("pattern", "insitu", "cloze", "recite"):
        cands = groups[sort]
        rng.shuffle(cands)
        taken = 0
        for c in cands:
            a = c.qa.answers[0]
            if len(out) >= cfg.max_questions or taken >= limits[sort]:
                break
            if len(by_key[c.key]) > 1 or c.qa.question in asked or not answer_ok(a, c.qa.question, document, common, cfg):
                continue
            if sort != "recite" and any(a == q.answers[0] for q in out):
                continue  # one question per answer span
            asked.add(c.qa.question)
            out.append(c.qa)
            taken += 1
    return out


def document_frequency(texts: Iterable[str]) -> tuple[Counter, int]:
    """How many documents each candidate answer span occurs in, and the number of documents."""
    df: Counter = Counter()
    n = 0
    for text in texts:
        n += 1
        df.update({sp for s in sentences(text) for _, sp, _ in find_spans(s)})
    return df, n


def common_answers(df: Counter, n_docs: int, cfg: RealtextConfig) -> frozenset[str]:
    limit = max(3, cfg.max_df * n_docs)
    return frozenset(a for a, c in df.items() if c > limit)


def make_records(rows: list[dict], cfg: RealtextConfig, seed: int, common: frozenset[str]) -> list[Record]:
    """One realtext Record per corpus row that gets at least ``cfg.min_questions`` questions."""
    out = []
    for row in rows:
        rng = random.Random(f"{seed}:{row['id']}")
        qas = make_questions(row["text"], row.get("title", ""), rng, cfg, common)
        if len(qas) >= cfg.min_questions:
            out.append(Record(row["id"], row["text"], tuple(qas), KIND))
    return out


# ---------------------------------------------------------------- files

def write_records_xz(path: str | os.PathLike[str], records: Iterable[Record]) -> None:
    """Write records as xz-compressed JSONL atomically (temp file, fsync, rename)."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as raw:
            with lzma.open(raw, "wt", encoding="utf-8", preset=9) as f:
                for r in records:
                    f.write(json.dumps(to_json(r), ensure_ascii=False) + "\n")
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_records_xz(path: str | os.PathLike[str]) -> list[Record]:
    """Records of an xz JSONL file (a plain .jsonl works too)."""
    opener = lzma.open if str(path).endswith(".xz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        return [from_json(json.loads(line)) for line in f if line.strip()]


def main(argv: list[str] | None = None) -> int:
    from engine.data.corpus import read_corpus

    p = argparse.ArgumentParser(prog="python -m engine.data.realtext", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("make", help="write question records for one split of a corpus")
    m.add_argument("--corpus", required=True, type=Path, help="the corpus folder (engine.data.corpus build --out)")
    m.add_argument("--out", required=True, type=Path, help="output .jsonl.xz")
    m.add_argument("--split", required=True, choices=("train", "val"))
    m.add_argument("--seed", type=int, default=0)
    m.add_argument("--max-docs", type=int, default=None, help="at most N records (a seeded sample)")
    m.add_argument("--insitu", type=int, default=RealtextConfig.max_insitu,
                   help="questions asked in place of a span per document (\"... use which option?\")")
    m.add_argument("--cloze", type=int, default=RealtextConfig.max_cloze, help="fill-in-the-blank questions per document")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    cfg = RealtextConfig(max_insitu=args.insitu, max_cloze=args.cloze)
    every = read_corpus(args.corpus)
    df, n = document_frequency(r["text"] for r in every)  # commonness over the whole corpus, every split alike
    rows = [r for r in every if r["split"] == args.split]
    records = make_records(rows, cfg, args.seed, common_answers(df, n, cfg))
    if args.max_docs is not None and len(records) > args.max_docs:
        records = sorted(random.Random(args.seed).sample(records, args.max_docs), key=lambda r: r.id)
    write_records_xz(args.out, records)
    family = {r["id"]: r["family"] for r in rows}
    counts: dict = {}
    for r in records:
        c = counts.setdefault(family[r.id], {"records": 0, "questions": 0})
        c["records"] += 1
        c["questions"] += len(r.questions)
    print(json.dumps({"split": args.split, "records": len(records), "questions": sum(len(r.questions) for r in records),
                      "corpus_docs": len(rows), "families": counts}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
