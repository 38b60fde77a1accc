"""Cores of the first skill catalogue: what a reply says for a user message, with its content checker."""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Callable

from engine.data.skills.banks import (
    _slug,
    _answers, _arithmetic, arithmetic_value, Checker, _digits, _int_words, _ints, _long_sentence, NOUNS,
    _number, NUMBER_WORDS, _numbers, OPPOSITES, PLURALS, _question, _question_or_statement, _review,
    review_label, _same_words, Sampler, _sentence, _sentence_with, Solver, _unique_extreme_words, _word_from,
    _word_list, _word_question, words, _yes_no_question, yes_no_truth,
)

# --------------------------------------------------------------------------------------
# Cores: what the reply says. check() compares content (case-insensitive; styles own case).
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Core:
    """A behaviour on the user's message: its sampler, solver, content checker and phrasings."""

    name: str
    sample: Sampler
    solve: Solver
    check: Checker
    phrases: tuple[str, ...]  # lower-case imperative phrases, e.g. "reverse the order of the words"
    has_letters: bool = True  # its content contains letters (case styles apply)
    mutate: Callable[[str, str], str] | None = None  # (input, correct output) -> a near miss check() rejects


def _exact(solve: Solver) -> Checker:
    return lambda inp, out: _same_words(out, solve(inp))


def _number_check(value: Callable[[str], int]) -> Checker:
    return lambda inp, out: _int_words(out) == value(inp)


def _lines(out: str, marker: str) -> list[str] | None:
    """Items of a bullet ("-") or numbered ("1.") list, or None when a line lacks its marker."""
    items = []
    for i, line in enumerate(x.strip() for x in out.strip().splitlines() if x.strip()):
        pat = r"(?:[-*\u2022])\s+(.+)" if marker == "-" else rf"{i + 1}[.)]\s+(.+)"
        m = re.fullmatch(pat, line)
        if not m:
            return None
        items.append(m[1])
    return items


def _list_check(marker: str) -> Checker:
    def check(inp: str, out: str) -> bool:
        items = _lines(out, marker)
        return items is not None and [words(x) for x in items] == [[w] for w in inp.split()]
    return check


def _bullets(inp: str) -> str:
    return "\n".join(f"- {w}" for w in inp.split())


def _numbered(inp: str) -> str:
    return "\n".join(f"{i}. {w}" for i, w in enumerate(inp.split(), 1))


def _spell_digits(inp: str) -> str:
    return " ".join(NUMBER_WORDS[int(d)] for d in inp)


def _spell_letters_check(inp: str, out: str) -> bool:
    low = out.lower().strip()
    return re.sub(r"[^a-z]", "", low) == inp and re.search(r"[a-z]{2}", low) is None


def _joined_check(solve: Solver) -> Checker:
    return lambda inp, out: out.strip().rstrip(".") == solve(inp)


def _camel(inp: str) -> str:
    ws = inp.split()
    return ws[0] + "".join(w.capitalize() for w in ws[1:])


def _one_word_check(inp: str, out: str) -> bool:
    return len(out.split()) == 1 and len(words(out)) == 1


def _repeat_question_check(inp: str, out: str) -> bool:
    q, o = words(inp), words(out)
    return len(o) > len(q) and o[:len(q)] == q


def _any_content(inp: str, out: str) -> bool:
    return bool(words(out))


def _label(truth: Callable[[str], bool], yes: str, no: str) -> Solver:
    return lambda inp: yes if truth(inp) else no


def _cores() -> list[Core]:
    """Every core but the general answer (see _answer_core) and the parameterised families."""
    return _word_cores() + _number_cores() + _format_cores()


def _word_cores() -> list[Core]:
    """Cores on words and sentences, checked word by word (case and punctuation ignored)."""
    extreme = lambda longest: lambda inp: (max if longest else min)(inp.split(), key=len)  # noqa: E731
    solvers: dict[str, Solver] = {
        "reverse_words": lambda s: " ".join(reversed(s.split())),
        "sort_words": lambda s: " ".join(sorted(s.split())),
        "sort_words_desc": lambda s: " ".join(sorted(s.split(), reverse=True)),
        "first_word": lambda s: s.split()[0],
        "last_word": lambda s: s.split()[-1],
        "second_word": lambda s: s.split()[1],
        "drop_first_word": lambda s: " ".join(s.split()[1:]),
        "acronym": lambda s: "".join(w[0] for w in s.split()).upper(),
        "echo": lambda s: s,
        "echo_twice": lambda s: f"{s} {s}",
        "double_words": lambda s: " ".join(f"{w} {w}" for w in s.split()),
        "comma_list": lambda s: ", ".join(s.split()),
        "reverse_letters": lambda s: s[::-1],
        "opposite": lambda s: OPPOSITES[s],
        "plural": lambda s: PLURALS[s],
        "longest_word": extreme(True),
        "shortest_word": extreme(False),
        "spell_digits": _spell_digits,
    }
    exact = [
        ("reverse_words", _word_list, ("reverse the order of the words", "say the words in reverse order",
                                       "write the words back to front, last word first",
                                       "give me the same words in the opposite order")),
        ("sort_words", _word_list, ("sort the words alphabetically", "put the words in alphabetical order",
                                    "list the words sorted from A to Z", "arrange the words in dictionary order")),
        ("sort_words_desc", _word_list, ("sort the words in reverse alphabetical order",
                                         "put the words in order from Z to A",
                                         "arrange the words alphabetically, backwards from Z",
                                         "list the words sorted descending, Z first")),
        ("first_word", _sentence, ("reply with only the first word of my message", "say just the first word I wrote",
                                   "give back only the first word", "answer with the opening word of the text")),
        ("last_word", _sentence, ("reply with only the last word of my message", "say just the final word I wrote",
                                  "give back only the last word", "answer with the closing word of the text")),
        ("second_word", _sentence, ("reply with only the second word of my message", "say just the second word I wrote",
                                    "give back the word in second position", "answer with word number two of the text")),
        ("drop_first_word", _sentence, ("repeat my message without its first word", "drop the first word and echo the rest",
                                        "remove the opening word and return the others",
                                        "give back everything except the first word")),
        ("acronym", _word_list, ("make an acronym from the first letters of the words",
                                 "reply with the initials of the words as one capitalised acronym",
                                 "turn the words into an acronym", "combine the first letter of each word into an acronym")),
        ("echo", _long_sentence, ("repeat my message exactly", "echo back whatever I write, word for word",
                                  "say the same text back to me unchanged", "copy my message back verbatim")),
        ("echo_twice", _word_list, ("repeat my message twice", "say the text two times in a row",
                                    "echo back what I write, twice", "give the words back two times")),
        ("double_words", _word_list, ("say every word twice", "double each word of the message",
                                      "repeat each word once right after itself", "write each word two times in a row")),
        ("comma_list", _word_list, ("separate the words with commas", "put a comma between the words",
                                    "return the words as a comma-separated list", "join the words with commas")),
        ("reverse_letters", _word_from(NOUNS), ("spell the word backwards", "reverse the letters of the word",
                                                "write the word with its letters in reverse order",
                                                "give the word back to front, letter by letter joined")),
        ("opposite", _word_from(sorted(OPPOSITES)), ("reply with the opposite of the word", "give the antonym of the word",
                                                     "answer with the word that means the opposite",
                                                     "say the opposite word")),
        ("plural", _word_from(sorted(PLURALS)), ("reply with the plural of the word", "give the plural form of the noun",
                                                 "turn the word into its plural", "say the word in the plural")),
        ("longest_word", lambda r: _unique_extreme_words(r, True), (
            "reply with the longest word", "give back only the longest of the words",
            "say which word is the longest", "answer with the word that has the most letters")),
        ("shortest_word", lambda r: _unique_extreme_words(r, False), (
            "reply with the shortest word", "give back only the shortest of the words",
            "say which word is the shortest", "answer with the word that has the fewest letters")),
        ("spell_digits", _digits, ("spell each digit as a word", "write the digits out in words, one by one",
                                   "read the number digit by digit in words", "replace every digit with its English name")),
    ]
    return [Core(name, sample, solvers[name], _exact(solvers[name]), phrases)
            for name, sample, phrases in exact]


def _number_cores() -> list[Core]:
    """Cores whose content is one number; checked by value ("7", "7." and "seven" all count)."""
    counted: list[tuple[str, Sampler, Callable[[str], int], tuple[str, ...]]] = [
        ("word_count", _word_list, lambda s: len(s.split()), (
            "reply with only the number of words", "count the words and say just the number",
            "tell me how many words there are, as a number", "answer with the word count only")),
        ("letter_count", _word_from(NOUNS), len, (
            "reply with the number of letters in the word", "count the letters of the word",
            "say how many letters the word has", "answer with the length of the word in letters")),
        ("add_one", _number, lambda s: int(s) + 1, (
            "reply with the number plus one", "add one to the number", "give the next number after mine",
            "answer with the number that follows")),
        ("double_number", _number, lambda s: 2 * int(s), (
            "double the number", "multiply the number by two", "reply with twice the number",
            "answer with the number times two")),
        ("max_number", _numbers, lambda s: max(_ints(s)), (
            "reply with the largest number", "say which number is the biggest", "give only the maximum of the numbers",
            "answer with the highest number in the list")),
        ("min_number", _numbers, lambda s: min(_ints(s)), (
            "reply with the smallest number", "say which number is the lowest", "give only the minimum of the numbers",
            "answer with the least number in the list")),
        ("sum_numbers", _numbers, lambda s: sum(_ints(s)), (
            "add up the numbers", "reply with the sum of the numbers", "give the total of all the numbers",
            "answer with what the numbers add up to")),
        ("number_only", _arithmetic, arithmetic_value, (
            "reply with only the number, no words", "answer with just the resulting number",
            "give the numeric result and nothing else", "say only the number")),
    ]
    return [Core(name, sample, lambda s, f=f: str(f(s)), _number_check(f), phrases, False)
            for name, sample, f, phrases in counted]


def _format_cores() -> list[Core]:
    """Cores with structured or labelled content: joins, lists, spelling, labels, question answers."""
    is_question = _label(lambda s: s.strip().endswith("?"), "question", "statement")
    sort_nums: Solver = lambda s: " ".join(str(n) for n in sorted(_ints(s)))  # noqa: E731
    joins: dict[str, tuple[Solver, tuple[str, ...]]] = {
        "hyphenate": (lambda s: "-".join(s.split()), (
            "join the words with hyphens", "connect the words with dashes and no spaces",
            "put a hyphen between the words instead of spaces", "link the words together with hyphens")),
        "snake_case": (lambda s: "_".join(s.split()), (
            "turn the words into snake_case", "join the words with underscores",
            "write the words in snake case", "put underscores between the words, no spaces")),
        "camel_case": (_camel, (
            "turn the words into camelCase", "write the words in camel case",
            "join the words with no spaces, capitalising every word after the first",
            "make one camelCase identifier out of the words")),
    }
    cores = [Core(name, _word_list, solve, _joined_check(solve), phrases, False)
             for name, (solve, phrases) in joins.items()]
    cores += [
        Core("sort_numbers", _numbers, sort_nums, _exact(sort_nums), (
            "sort the numbers from smallest to largest", "put the numbers in ascending order",
            "list the numbers sorted low to high", "arrange the numbers in increasing order"), False),
        Core("bullets", _word_list, _bullets, _list_check("-"), (
            "list the words as bullet points", "put each word on its own line with a dash in front",
            "format the words as a bulleted list", "turn the words into a bullet list, one per line")),
        Core("numbered", _word_list, _numbered, _list_check("1"), (
            "list the words as a numbered list", "put each word on its own numbered line",
            "number the words, one per line", "format the words as 1., 2., 3. and so on")),
        Core("spell_letters", _word_from(NOUNS), lambda s: "-".join(s), _spell_letters_check, (
            "spell the word letter by letter", "spell out the word with dashes between the letters",
            "write each letter of the word separately", "break the word into its letters")),
        Core("even_odd", _number, _label(lambda s: int(s) % 2 == 0, "even", "odd"),
             _exact(_label(lambda s: int(s) % 2 == 0, "even", "odd")), (
            "say whether the number is even or odd", "reply even or odd for the number",
            "tell me if the number is even or odd, in one word", "answer with the parity of the number: even or odd")),
        Core("yes_no", _yes_no_question, _label(yes_no_truth, "yes", "no"), _exact(_label(yes_no_truth, "yes", "no")), (
            "answer only yes or no", "reply with a single yes or no", "say just yes or no, nothing more",
            "answer every question with either yes or no")),
        Core("question_or_statement", _question_or_statement, is_question, _exact(is_question), (
            "say whether my message is a question or a statement", "classify the text as question or statement",
            "reply question if I asked something and statement otherwise",
            "label the message: question or statement")),
        Core("one_word", _word_question, lambda q: _answers()[q][0], _one_word_check, (
            "answer with one word", "reply using a single word only", "give a one-word answer",
            "keep every answer to exactly one word")),
        Core("repeat_question", _question, lambda q: f"{q} {_answers()[q][1]}", _repeat_question_check, (
            "repeat the question before you answer it", "first restate my question, then answer",
            "echo the question back and then give the answer", "begin by repeating the question word for word, then answer")),
    ]
    return cores


def _answer_core() -> Core:
    """The answer to a general question; format-only (any content), so only styled tasks use it."""
    return Core("answer", _question, lambda q: _answers()[q][1], _any_content, ("answer the question",))


def _sentiment_core(pos: str, neg: str) -> Core:
    solve = _label(review_label, pos, neg)
    return Core(f"sentiment_{_slug(pos)}_{_slug(neg)}", _review, solve, _exact(solve), (
        f'label the review as "{pos}" or "{neg}"',
        f'say "{pos}" if the review is favourable and "{neg}" if it is not',
        f'classify the sentiment of the text as "{pos}" or "{neg}"',
        f'reply "{pos}" for a positive review and "{neg}" for a negative one',
        f'tell me whether the review is {pos} or {neg}, in one word'))


def _replace_core(old: str, new: str) -> Core:
    solve: Solver = lambda s: " ".join(new if w == old else w for w in s.split())  # noqa: E731
    return Core(f"replace_{old}_{new}", _sentence_with(old), solve, _exact(solve), (
        f'replace the word "{old}" with "{new}" and repeat the text',
        f'swap every "{old}" for "{new}", keeping the other words',
        f'echo my message but write "{new}" wherever "{old}" appears',
        f'change each "{old}" into "{new}" and return the sentence',
        f'use "{new}" instead of "{old}" when you repeat my words'))


SENTIMENT_LABELS = (("positive", "negative"), ("good", "bad"), ("liked", "disliked"),
                    ("thumbs up", "thumbs down"), ("happy", "unhappy"), ("pos", "neg"))
REPLACEMENTS = (("apple", "pear"), ("river", "lake"), ("stone", "pebble"), ("cloud", "mist"),
                ("garden", "yard"), ("window", "door"), ("tiger", "panther"), ("ocean", "sea"),
                ("castle", "palace"), ("lemon", "lime"), ("rabbit", "hare"), ("planet", "star"))

