"""Cores of the widened skill catalogue: answer shapes (length, lists, labels), word, letter, number and date tasks."""
from __future__ import annotations

import datetime
import json
import random
import re
from typing import Callable

from engine.data.skills.banks import (
    _answers, _arithmetic, _ints, _number, _numbers, _question, _sentence, _sentence_with, _word_list, _word_from,
    _yes_no_question, arithmetic_value, Checker, DAYS, MONTHS, NOUNS, NUMBER_WORDS, Sampler, Solver, words,
    yes_no_truth, CAPITALS, COLORS, SOUNDS, LEGS, PLURALS, _int_words,
)
from engine.data.skills.cores import Core, _exact, _label
from engine.data.skills.lexicon import (
    ADVERBS, ARTICLES, COMPARATIVES, ELABORATIONS, FRACTIONS, ING, LANGUAGES, METRIC, PALINDROMES, PAST, TIME_UNITS,
    TRANSLATIONS, fold,
    number_to_words, to_roman,
)

# ------------------------------------------------------------------ answers to general questions (format-only)


def sentence(q: str) -> str:
    return _answers()[q][1]


def short(q: str) -> str:
    return _answers()[q][0]


def elaborations(q: str, k: int) -> list[str]:
    """``k`` filler sentences, a stable choice per question."""
    return random.Random(f"skills:elab:{q}").sample(ELABORATIONS, k)


def sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if words(s)]


def _not_question(out: str) -> bool:
    return bool(words(out)) and not out.strip().endswith("?")


def qcore(name: str, solve: Solver, check: Checker, phrases: tuple[str, ...],
          mutate: Callable[[str, str], str] | None = None, sample: Sampler = _question) -> Core:
    return Core(name, sample, solve, check, phrases, True, mutate)


def max_words_core(n: int) -> Core:
    def solve(q: str) -> str:
        return sentence(q) if len(words(sentence(q))) <= n else f"{short(q)}."
    return qcore(f"max_words_{n}", solve, lambda q, o: _not_question(o) and len(words(o)) <= n, (
        f"answer in {n} words or fewer", f"keep every reply under {n + 1} words", f"use at most {n} words",
        f"reply with no more than {n} words"), lambda q, o: f"{o} {ELABORATIONS[0]}")


def max_chars_core(n: int) -> Core:
    def solve(q: str) -> str:
        return sentence(q) if len(sentence(q)) <= n else f"{short(q)}."
    return qcore(f"max_chars_{n}", solve, lambda q, o: _not_question(o) and len(o.strip()) <= n, (
        f"keep your answer under {n + 1} characters", f"reply in at most {n} characters",
        f"answer with no more than {n} characters in total"), lambda q, o: o + " " + ELABORATIONS[1])


def _lengthen(q: str, lo: int, hi: int = 10 ** 6) -> list[str]:
    out = [sentence(q)]
    for e in elaborations(q, len(ELABORATIONS)):
        n = len(words(" ".join(out)))
        if n >= lo:
            break
        if n + len(words(e)) <= hi:
            out.append(e)
    return out


def min_words_core(n: int) -> Core:
    solve = lambda q: " ".join(_lengthen(q, n))  # noqa: E731
    return qcore(f"min_words_{n}", solve, lambda q, o: _not_question(o) and len(words(o)) >= n, (
        f"answer in at least {n} words", f"write {n} words or more in every reply",
        f"never reply with fewer than {n} words", f"give a longer answer of at least {n} words"),
        lambda q, o: sentence(q))


def word_range_core(lo: int, hi: int) -> Core:
    solve = lambda q: " ".join(_lengthen(q, lo, hi))  # noqa: E731
    return qcore(f"words_{lo}_{hi}", solve, lambda q, o: _not_question(o) and lo <= len(words(o)) <= hi, (
        f"answer in between {lo} and {hi} words", f"keep each reply {lo} to {hi} words long",
        f"use no fewer than {lo} and no more than {hi} words"), lambda q, o: short(q))


NUM_NAMES = {2: "two", 3: "three", 4: "four"}


def n_sentences_core(n: int) -> Core:
    solve = lambda q: " ".join([sentence(q)] + elaborations(q, n - 1))  # noqa: E731
    return qcore(f"sentences_{n}", solve, lambda q, o: _not_question(o) and len(sentences(o)) == n, (
        f"answer in exactly {NUM_NAMES[n]} sentences", f"write {n} sentences, no more and no fewer",
        f"reply using precisely {NUM_NAMES[n]} full sentences"), lambda q, o: f"{o} {ELABORATIONS[2]}")


def paragraphs_core(n: int) -> Core:
    solve = lambda q: "\n\n".join([sentence(q)] + elaborations(q, n - 1))  # noqa: E731
    check = lambda q, o: len([p for p in re.split(r"\n\s*\n", o.strip()) if words(p)]) == n  # noqa: E731
    return qcore(f"paragraphs_{n}", solve, check, (
        f"answer in {NUM_NAMES[n]} short paragraphs separated by a blank line",
        f"split your reply into exactly {n} paragraphs", f"write {NUM_NAMES[n]} paragraphs with an empty line between them"),
        lambda q, o: o.replace("\n\n", " "))


def _items(out: str, pattern: str) -> list[str] | None:
    lines = [x.strip() for x in out.strip().splitlines() if x.strip()]
    items = []
    for i, line in enumerate(lines, 1):
        m = re.fullmatch(pattern.format(i=i), line)
        if not m or not words(m[1]):
            return None
        items.append(m[1])
    return items


def list_core(name: str, n: int, fmt: str, pattern: str, phrases: tuple[str, ...]) -> Core:
    """The answer and fillers as ``n`` list lines ``fmt.format(i=..., x=...)``; lines must match ``pattern``."""
    def solve(q: str) -> str:
        return "\n".join(fmt.format(i=i, x=x) for i, x in enumerate([sentence(q)] + elaborations(q, n - 1), 1))

    def check(q: str, o: str) -> bool:
        items = _items(o, pattern)
        return items is not None and len(items) == n
    return qcore(name, solve, check, phrases, lambda q, o: "\n".join(o.splitlines()[:-1]))


def lines_per_sentence_core() -> Core:
    solve = lambda q: "\n".join([sentence(q)] + elaborations(q, 2))  # noqa: E731

    def check(q: str, o: str) -> bool:
        ls = [x for x in o.strip().splitlines() if x.strip()]
        return len(ls) >= 2 and all(len(sentences(x)) == 1 and x.strip()[-1] in ".!?" for x in ls)
    return qcore("sentence_lines", solve, check, (
        "put every sentence on its own line", "write at least two sentences, each on a new line",
        "start a new line for each sentence of your answer"), lambda q, o: o.replace("\n", " "))


def qa_labels_core(qlabel: str, alabel: str) -> Core:
    def check(q: str, o: str) -> bool:
        ls = [x.strip() for x in o.strip().splitlines() if x.strip()]
        return (len(ls) == 2 and ls[0].startswith(qlabel) and words(ls[0][len(qlabel):]) == words(q)
                and ls[1].startswith(alabel) and bool(words(ls[1][len(alabel):])))
    return qcore(f"qa_{qlabel.strip(':').lower()}", lambda q: f"{qlabel} {q}\n{alabel} {sentence(q)}", check, (
        f'repeat my question after "{qlabel}" and put your reply on the next line after "{alabel}"',
        f'format every reply as two lines: "{qlabel} <my question>" then "{alabel} <your answer>"',
        f'use a {qlabel}/{alabel} layout, question line first, answer line second'),
        lambda q, o: o.replace(qlabel, "", 1))


def reason_core(label: str) -> Core:
    def check(q: str, o: str) -> bool:
        ls = [x.strip() for x in o.strip().splitlines() if x.strip()]
        return (len(ls) >= 2 and bool(words(ls[0])) and not ls[0].lower().startswith(label.lower())
                and ls[-1].lower().startswith(label.lower()) and len(words(ls[-1][len(label):])) >= 2)
    return qcore(f"then_{label.strip(':').lower()}", lambda q: f"{short(q)}.\n{label} {sentence(q)}", check, (
        f'give the short answer first, then a new line starting with "{label}" that explains it',
        f'answer on the first line and add a final line beginning "{label}"',
        f'after the answer, explain yourself on a separate line that opens with "{label}"'),
        lambda q, o: o.splitlines()[0])


def json_qa_core() -> Core:
    def check(q: str, o: str) -> bool:
        try:
            obj = json.loads(o.strip())
        except ValueError:
            return False
        return (isinstance(obj, dict) and set(obj) == {"question", "answer"} and isinstance(obj["question"], str)
                and words(obj["question"]) == words(q) and isinstance(obj["answer"], str) and bool(words(obj["answer"])))
    return qcore("json_question_answer", lambda q: json.dumps({"question": q, "answer": sentence(q)}), check, (
        'reply with JSON holding two keys, "question" (my question copied) and "answer"',
        'return {"question": ..., "answer": ...} with my question repeated under "question"',
        'format each reply as a JSON object that echoes the question and gives the answer'),
        lambda q, o: json.dumps({"answer": sentence(q)}))


def json_count_core() -> Core:
    def check(q: str, o: str) -> bool:
        try:
            obj = json.loads(o.strip())
        except ValueError:
            return False
        return (isinstance(obj, dict) and set(obj) == {"answer", "words"} and isinstance(obj["answer"], str)
                and bool(words(obj["answer"])) and obj["words"] == len(words(obj["answer"])))
    return qcore("json_answer_wordcount",
                 lambda q: json.dumps({"answer": sentence(q), "words": len(words(sentence(q)))}), check, (
        'reply with JSON: "answer" holds the answer and "words" the number of words in it',
        'return {"answer": ..., "words": <word count of the answer>}',
        'give a JSON object with your answer and its exact word count under "words"'),
        lambda q, o: json.dumps({"answer": sentence(q), "words": len(words(sentence(q))) + 1}))


def _restate(q: str) -> str:
    n = _ints(q)
    t = yes_no_truth(q)
    neg = "" if t else "not "
    if "greater than" in q:
        return f"{n[0]} is {neg}greater than {n[1]}."
    if "less than" in q:
        return f"{n[0]} is {neg}less than {n[1]}."
    if "even number" in q:
        return f"{n[0]} is {neg}an even number."
    return f"{n[0]} plus {n[1]} is {n[0] + n[1]}."


def yes_no_explain_core(newline: bool) -> Core:
    sep = "\n" if newline else " "

    def solve(q: str) -> str:
        return f"{'Yes' if yes_no_truth(q) else 'No'}.{sep}{_restate(q)}"

    def check(q: str, o: str) -> bool:
        w = words(o)
        ok = len(w) >= 3 and w[0] == ("yes" if yes_no_truth(q) else "no")
        if newline:
            ls = [x for x in o.strip().splitlines() if x.strip()]
            ok = ok and len(ls) >= 2 and words(ls[0]) == w[:1]
        return ok
    flip = lambda q, o: ("No" if yes_no_truth(q) else "Yes") + o[3 if yes_no_truth(q) else 2:]  # noqa: E731
    if newline:
        return Core("yes_no_line_then_why", _yes_no_question, solve, check, (
            "put only yes or no on the first line, then explain on the next line",
            "first line: yes or no; second line: a short explanation",
            "answer yes or no alone on one line and give the reason below it"), True, flip)
    return Core("yes_no_then_why", _yes_no_question, solve, check, (
        "start with yes or no, then explain in a sentence", "say yes or no first and then why",
        "begin every reply with a clear yes or no followed by a short explanation"), True, flip)


def fixed_reply_core(reply: str) -> Core:
    sample = lambda rng: _question(rng) if rng.random() < 0.5 else _sentence(rng) + "."  # noqa: E731
    return Core(f"reply_{re.sub(r'[^a-z]+', '_', reply.lower()).strip('_')}", sample, lambda s: reply,
                lambda s, o: words(o) == words(reply), (
        f'reply only with "{reply}", whatever I write', f'answer every message with just "{reply}"',
        f'say "{reply}" and nothing else', f'your whole reply must be "{reply}"'), True,
        lambda s, o: f"{o} {sentence(s) if s in _answers() else s}")


def spell_numbers_core() -> Core:
    qs = tuple(q for q, a, _ in _answers_items() if re.search(r"\d", _answers()[q][1]))

    def solve(q: str) -> str:
        return re.sub(r"\d+", lambda m: number_to_words(int(m[0])), sentence(q))

    def check(q: str, o: str) -> bool:
        w = set(re.findall(r"[a-z]+", o.lower()))
        return re.search(r"\d", o) is None and bool(w & set(_number_word_parts()))
    return Core("no_digits", lambda rng: rng.choice(qs), solve, check, (
        "never use digits: write every number out in words", "spell out all numbers as words, no numerals",
        "do not write any digit; use words like seven instead of 7"), True, lambda q, o: sentence(q))


def _answers_items() -> list[tuple[str, str, str]]:
    return [(q, s, f) for q, (s, f) in _answers().items()]


def _number_word_parts() -> tuple[str, ...]:
    return NUMBER_WORDS + ("thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety", "hundred", "thousand")


# ------------------------------------------------------------------ exact cores on words, letters and numbers


def _guard(solve: Solver) -> Solver:
    """``solve`` raising ValueError (not TypeError, ZeroDivisionError...) on an input of another kind."""
    def guarded(s: str) -> str:
        try:
            return solve(s)
        except (TypeError, AttributeError, ZeroDivisionError, IndexError, KeyError) as e:
            raise ValueError(f"cannot solve {s!r}: {e}") from e
    return guarded


def exact_core(name: str, sample: Sampler, solve: Solver, phrases: tuple[str, ...], letters: bool = True,
               mutate: Callable[[str, str], str] | None = None) -> Core:
    solve = _guard(solve)
    return Core(name, sample, solve, _exact(solve), phrases, letters, mutate or _drop_last)


def string_core(name: str, sample: Sampler, solve: Solver, phrases: tuple[str, ...], letters: bool = False) -> Core:
    """Exact text (whitespace-normalised, a trailing full stop allowed)."""
    solve = _guard(solve)
    check = lambda s, o: " ".join(o.strip().rstrip(".").split()) == solve(s)  # noqa: E731
    return Core(name, sample, solve, check, phrases, letters, lambda s, o: o + "0")


def number_core(name: str, sample: Sampler, value: Callable[[str], int], phrases: tuple[str, ...]) -> Core:
    """One number, checked by value; digits or (up to twenty) a number word."""
    value = _guard(value)
    def check(s: str, o: str) -> bool:
        return _int_words(o) == value(s) or _ints(o.replace(",", "")) == [value(s)] and not re.search(r"[a-z]", o.lower())
    return Core(name, sample, lambda s: str(value(s)), check, phrases, False, lambda s, o: str(value(s) + 1))


def _drop_last(inp: str, out: str) -> str:
    ws = out.split()
    return " ".join(ws[:-1]) if len(ws) > 1 else out + " " + out


def _two_words(rng: random.Random) -> str:
    return " ".join(rng.sample(NOUNS, 2))


def _with_dupes(rng: random.Random) -> str:
    ws = rng.sample(NOUNS, rng.randint(3, 4))
    for _ in range(rng.randint(1, 2)):
        ws.insert(rng.randrange(1, len(ws) + 1), rng.choice(ws))
    return " ".join(ws)


def _words_with(pred: Callable[[str], bool]) -> Sampler:
    def sample(rng: random.Random) -> str:
        while True:
            ws = rng.sample(NOUNS, rng.randint(4, 6))
            if any(pred(w) for w in ws) and not all(pred(w) for w in ws):
                return " ".join(ws)
    return sample


def _shift(word: str, k: int) -> str:
    return "".join(chr((ord(c) - 97 + k) % 26 + 97) if c.isalpha() else c for c in word.lower())


def _is_prime(n: int) -> bool:
    return n > 1 and all(n % d for d in range(2, int(n ** 0.5) + 1))


def _odd_numbers(rng: random.Random) -> str:
    return " ".join(str(n) for n in rng.sample(range(1, 50), rng.choice((3, 5))))


def _mean_numbers(rng: random.Random) -> str:
    while True:
        ns = rng.sample(range(1, 50), rng.randint(2, 4))
        if sum(ns) % len(ns) == 0:
            return " ".join(map(str, ns))


def _pair(rng: random.Random) -> str:
    return f"{rng.randint(2, 12)} {rng.randint(2, 12)}"


def _no_trailing_zero(rng: random.Random) -> str:
    while True:
        n = rng.randint(12, 9999)
        if n % 10:
            return str(n)


def _date(rng: random.Random) -> datetime.date:
    return datetime.date(2000, 1, 1) + datetime.timedelta(days=rng.randrange(365 * 30))


def _iso(rng: random.Random) -> str:
    return _date(rng).isoformat()


def _words_date(d: datetime.date) -> str:
    return f"{MONTHS[d.month - 1]} {d.day}, {d.year}"


def _parse_iso(s: str) -> datetime.date:
    return datetime.date.fromisoformat(s.strip())


def _translate(lang: int, cat: str) -> Core:
    bank = TRANSLATIONS[cat]

    def check(s: str, o: str) -> bool:
        out = fold(o)
        for a in ARTICLES:
            if out.startswith(a + " ") or (a.endswith("'") and out.startswith(a)):
                out = out[len(a):].strip()
        return out == fold(bank[s][lang])
    name, what = LANGUAGES[lang], {"colour": "colour", "number": "number word", "day": "day of the week",
                                   "greeting": "greeting or polite phrase", "noun": "noun"}[cat]
    return Core(f"to_{name.lower()}_{cat}", _word_from(sorted(bank)), lambda s: bank[s][lang], check, (
        f"translate the {what} into {name}", f"give the {name} word for the {what} I write",
        f"reply with the {what} in {name}, nothing else", f"say the {what} in {name}"), True,
        lambda s, o: s if fold(s) != fold(bank[s][lang]) else s + " " + s)


def word_cores() -> list[tuple[str, Core]]:
    """(family, core) pairs of exact word, letter, number, date, bank and translation tasks."""
    vowel = lambda w: w[0] in "aeiou"  # noqa: E731
    out: list[tuple[str, Core]] = [
        ("last_letters", exact_core("last_letters", _word_list, lambda s: " ".join(w[-1] for w in s.split()), (
            "reply with the last letter of each word", "give the final letter of every word, separated by spaces",
            "list the ending letter of each word in order"))),
        ("word_lengths", Core("word_lengths", _word_list, lambda s: " ".join(str(len(w)) for w in s.split()),
                              lambda s, o: _ints(o) == [len(w) for w in s.split()] and not re.search("[a-z]", o.lower()), (
            "reply with the number of letters of each word", "give each word's length as a number, in order",
            "replace every word by how many letters it has"), False, lambda s, o: o + " 1")),
        ("rotate_words", exact_core("rotate_words_left", _word_list, lambda s: " ".join(s.split()[1:] + s.split()[:1]), (
            "move the first word to the end", "rotate the words left by one place",
            "put the opening word last and keep the others in order"))),
        ("rotate_words", exact_core("rotate_words_right", _word_list, lambda s: " ".join(s.split()[-1:] + s.split()[:-1]), (
            "move the last word to the front", "rotate the words right by one place",
            "put the final word first and keep the others in order"))),
        ("swap_ends", exact_core("swap_first_last", _word_list,
                                 lambda s: " ".join([s.split()[-1]] + s.split()[1:-1] + [s.split()[0]]), (
            "swap the first and the last word", "exchange the first word with the last one",
            "trade places between the opening and closing words"))),
        ("every_other_word", exact_core("every_other_word", _word_list, lambda s: " ".join(s.split()[::2]), (
            "keep only every other word, starting with the first", "reply with words one, three, five and so on",
            "drop every second word"))),
        ("count_long_words", number_core("count_long_words", _word_list, lambda s: sum(len(w) > 5 for w in s.split()), (
            "count the words longer than five letters", "say how many words have more than five letters",
            "reply with the number of words with six or more letters"))),
        ("filter_vowel_words", exact_core("vowel_start_words", _words_with(vowel),
                                          lambda s: " ".join(w for w in s.split() if vowel(w)), (
            "keep only the words that start with a vowel", "reply with the words beginning with a, e, i, o or u",
            "drop every word that starts with a consonant"))),
        ("dedupe_words", exact_core("dedupe_words", _with_dupes, lambda s: " ".join(dict.fromkeys(s.split())), (
            "remove repeated words, keeping the first of each", "repeat the words without duplicates",
            "drop any word that already appeared earlier"))),
        ("reverse_each_word", exact_core("reverse_each_word", _word_list, lambda s: " ".join(w[::-1] for w in s.split()), (
            "reverse the letters of each word but keep the word order", "spell every word backwards, in place",
            "mirror each word separately"))),
        ("count_vowels", number_core("count_vowels", _word_from(NOUNS), lambda s: sum(c in "aeiou" for c in s), (
            "count the vowels in the word", "say how many vowels the word has", "reply with the number of a, e, i, o, u letters"))),
        ("count_consonants", number_core("count_consonants", _word_from(NOUNS), lambda s: sum(c not in "aeiou" for c in s), (
            "count the consonants in the word", "say how many consonants the word has",
            "reply with the number of letters that are not vowels"))),
        ("letter_at", exact_core("first_letter", _word_from(NOUNS), lambda s: s[0], (
            "reply with the first letter of the word", "say only the word's initial letter", "give the opening letter"))),
        ("letter_at", exact_core("last_letter", _word_from(NOUNS), lambda s: s[-1], (
            "reply with the last letter of the word", "say only the word's final letter", "give the closing letter"))),
        ("sort_letters", exact_core("sort_letters", _word_from(NOUNS), lambda s: "".join(sorted(s)), (
            "sort the letters of the word alphabetically", "rearrange the word's letters in A to Z order",
            "write the letters of the word sorted, joined together"))),
        ("double_letters", exact_core("double_letters", _word_from(NOUNS), lambda s: "".join(c * 2 for c in s), (
            "write every letter of the word twice", "double each letter of the word", "repeat each letter once in place"))),
        ("drop_vowels", exact_core("drop_vowels", _word_from(NOUNS), lambda s: re.sub("[aeiou]", "", s), (
            "remove the vowels from the word", "write the word without a, e, i, o or u", "delete every vowel of the word"))),
        ("is_palindrome", exact_core("is_palindrome", _word_from(PALINDROMES + NOUNS[:14]),
                                     _label(lambda s: s == s[::-1], "yes", "no"), (
            "say yes if the word is a palindrome and no otherwise", "tell me whether the word reads the same backwards: yes or no",
            "answer yes or no: is the word a palindrome"), mutate=lambda s, o: "no" if o == "yes" else "yes")),
        ("starts_with_vowel", exact_core("starts_with_vowel", _word_from(NOUNS), _label(vowel, "yes", "no"), (
            "answer yes if the word starts with a vowel, otherwise no", "say yes or no: does the word begin with a vowel",
            "reply yes for words starting with a, e, i, o or u and no for others"),
            mutate=lambda s, o: "no" if o == "yes" else "yes")),
        ("alpha_first", exact_core("alphabetical_first", _two_words, lambda s: min(s.split()), (
            "reply with whichever of the two words comes first in the alphabet", "say which word is first alphabetically",
            "give the word that a dictionary lists first"), mutate=lambda s, o: max(s.split()))),
        ("number_words", string_core("number_in_words", _number, lambda s: number_to_words(int(s)), (
            "write the number in English words", "spell the number out in words", "say the number in words, not digits"), True)),
        ("number_words", string_core("arithmetic_in_words", _arithmetic, lambda s: number_to_words(arithmetic_value(s)), (
            "give the result of the sum spelled out in words", "answer arithmetic with the number written in words",
            "work out the result and write it as words, not digits"), True)),
        ("roman", string_core("roman_numeral", lambda r: str(r.randint(1, 120)), lambda s: to_roman(int(s)), (
            "convert the number to Roman numerals", "write the number as a Roman numeral", "reply with the Roman numeral for the number"), True)),
        ("binary", string_core("to_binary", lambda r: str(r.randint(2, 64)), lambda s: bin(int(s))[2:], (
            "convert the number to binary", "write the number in base two", "reply with the binary form of the number"))),
        ("digit_sum", number_core("digit_sum", _number, lambda s: sum(int(c) for c in s), (
            "add up the digits of the number", "reply with the sum of the number's digits", "give the digit sum"))),
        ("digit_count", number_core("digit_count", lambda r: str(r.randint(1, 10 ** r.randint(1, 7))), len, (
            "count the digits of the number", "say how many digits the number has", "reply with the number of digits"))),
        ("reverse_digits", string_core("reverse_digits", _no_trailing_zero, lambda s: s[::-1], (
            "reverse the digits of the number", "write the number's digits backwards", "mirror the digits of the number"))),
        ("round_number", number_core("round_ten", lambda r: str(r.randint(11, 999)), lambda s: int(round(int(s) / 10 + 1e-9) * 10), (
            "round the number to the nearest ten", "give the number rounded to tens", "reply with the closest multiple of ten"))),
        ("round_number", number_core("round_hundred", lambda r: str(r.randint(101, 9999)), lambda s: int(round(int(s) / 100 + 1e-9) * 100), (
            "round the number to the nearest hundred", "give the number rounded to hundreds", "reply with the closest multiple of one hundred"))),
        ("square", number_core("square", lambda r: str(r.randint(2, 30)), lambda s: int(s) ** 2, (
            "square the number", "multiply the number by itself", "reply with the number squared"))),
        ("halve", number_core("halve", lambda r: str(2 * r.randint(2, 500)), lambda s: int(s) // 2, (
            "halve the number", "divide the number by two", "reply with half of the number"))),
        ("is_prime", exact_core("is_prime", lambda r: str(r.randint(2, 100)), _label(lambda s: _is_prime(int(s)), "yes", "no"), (
            "say yes if the number is prime and no if it is not", "is the number a prime? answer yes or no",
            "reply yes for prime numbers, no for the rest"), False, lambda s, o: "no" if o == "yes" else "yes")),
        ("thousands_sep", string_core("thousands_commas", lambda r: str(r.randint(1000, 999999)), lambda s: f"{int(s):,}", (
            "write the number with commas between the thousands", "add thousands separators to the number",
            "format the number like 12,345"))),
        ("sort_numbers_desc", exact_core("sort_numbers_desc", _numbers, lambda s: " ".join(map(str, sorted(_ints(s), reverse=True))), (
            "sort the numbers from largest to smallest", "put the numbers in descending order", "list the numbers high to low"), False)),
        ("sort_numbers_desc", string_core("sort_numbers_desc_commas", _numbers, lambda s: ", ".join(map(str, sorted(_ints(s), reverse=True))), (
            "sort the numbers in descending order, separated by commas", "list the numbers largest first with commas between them",
            "give the numbers from biggest to smallest as a comma-separated list"))),
        ("number_range", number_core("number_range", _numbers, lambda s: max(_ints(s)) - min(_ints(s)), (
            "reply with the range: the largest number minus the smallest", "subtract the smallest number from the biggest",
            "give the difference between the maximum and the minimum"))),
        ("second_largest", number_core("second_largest", _numbers, lambda s: sorted(_ints(s))[-2], (
            "reply with the second largest number", "say which number is the second biggest", "give the runner-up number by size"))),
        ("count_numbers", number_core("count_numbers", _numbers, lambda s: len(_ints(s)), (
            "count how many numbers I wrote", "reply with the number of numbers in the list", "say how many numbers there are"))),
        ("median", number_core("median", _odd_numbers, lambda s: sorted(_ints(s))[len(_ints(s)) // 2], (
            "reply with the median of the numbers", "give the middle number once they are sorted", "find the median value"))),
        ("mean", number_core("mean", _mean_numbers, lambda s: sum(_ints(s)) // len(_ints(s)), (
            "reply with the average of the numbers", "give the mean of the numbers", "compute the arithmetic mean"))),
        ("multiply_pair", number_core("multiply_pair", _pair, lambda s: _ints(s)[0] * _ints(s)[1], (
            "multiply the two numbers", "reply with the product of the two numbers", "give the two numbers multiplied together"))),
        ("subtract_pair", number_core("subtract_pair", lambda r: f"{r.randint(20, 99)} {r.randint(1, 19)}", lambda s: _ints(s)[0] - _ints(s)[1], (
            "subtract the second number from the first", "reply with the first number minus the second",
            "give the difference, first number minus second"))),
        ("equation", Core("equation_form", _arithmetic, lambda s: _equation(s), _equation_ok, (
            'write the sum as a full equation like "3 + 4 = 7"', "answer with the whole equation, symbols and result",
            "reply with the calculation written out as an equation"), False, lambda s, o: o.rsplit("=", 1)[0] + "= 0")),
        ("celsius_to_f", number_core("celsius_to_f", lambda r: str(5 * r.randint(-8, 20)), lambda s: int(s) * 9 // 5 + 32, (
            "convert the temperature from Celsius to Fahrenheit", "give the Fahrenheit value of the Celsius temperature",
            "turn degrees Celsius into degrees Fahrenheit"))),
        ("percent", string_core("fraction_to_percent", _word_from([f for f, _ in FRACTIONS]), lambda s: f"{dict(FRACTIONS)[s]}%", (
            "write the fraction as a percentage", "convert the fraction into a percent with a % sign",
            "reply with the fraction as a percentage"))),
        ("currency", string_core("dollars", lambda r: str(r.randint(1, 999)), lambda s: f"${s}.00", (
            "format the amount as dollars with cents, like $5.00", "write the number as a dollar price with two decimals",
            "turn the number into a price in dollars"))),
        ("currency", string_core("euros", lambda r: str(r.randint(1, 999)), lambda s: f"\u20ac{s}.00", (
            "format the amount as euros with cents, like \u20ac5.00", "write the number as a euro price with two decimals",
            "turn the number into a price in euros"))),
        ("date_iso", string_core("date_words_to_iso", lambda r: _words_date(_date(r)),
                                 lambda s: datetime.datetime.strptime(s, "%B %d, %Y").date().isoformat(), (
            "convert the date to ISO format, YYYY-MM-DD", "write the date as year-month-day with dashes",
            "reply with the date in ISO 8601 form"))),
        ("date_words", Core("date_iso_to_words", _iso, lambda s: _words_date(_parse_iso(s)),
                            lambda s, o: words(o) == words(_words_date(_parse_iso(s))), (
            'write the date out like "March 5, 2024"', "convert the ISO date into month name, day and year",
            "spell the date with the month as a word"), True, _drop_last)),
        ("date_slash", string_core("date_us", _iso, lambda s: _parse_iso(s).strftime("%m/%d/%Y"), (
            "convert the date to the US format MM/DD/YYYY", "write the date month first with slashes",
            "reply with the date as month/day/year"))),
        ("date_slash", string_core("date_eu", _iso, lambda s: _parse_iso(s).strftime("%d/%m/%Y"), (
            "convert the date to the European format DD/MM/YYYY", "write the date day first with slashes",
            "reply with the date as day/month/year"))),
        ("weekday_of_date", exact_core("weekday_of_date", _iso, lambda s: DAYS[_parse_iso(s).weekday()], (
            "say which day of the week the date falls on", "reply with the weekday of the date",
            "tell me the day of the week for that date"), mutate=lambda s, o: DAYS[(DAYS.index(o) + 1) % 7])),
        ("month_name", exact_core("month_name", lambda r: str(r.randint(1, 12)), lambda s: MONTHS[int(s) - 1], (
            "reply with the name of the month with that number", "turn the month number into its name",
            "say which month the number stands for"), mutate=lambda s, o: MONTHS[int(s) % 12])),
        ("month_number", number_core("month_number", _word_from(MONTHS), lambda s: MONTHS.index(s) + 1, (
            "reply with the number of the month", "give the month's position in the year as a number",
            "turn the month name into its number"))),
        ("days_in_month", number_core("days_in_month", lambda r: f"{r.choice(MONTHS)} {r.choice((2023, 2024, 2025))}",
                                      lambda s: _days_in(s), (
            "say how many days the month has in that year", "reply with the number of days in the month",
            "count the days of that month"))),
        ("time_12h", string_core("time_to_12h", lambda r: f"{r.randint(0, 23):02d}:{r.choice((0, 15, 30, 45, 5, 50)):02d}",
                                 _to_12h, ("convert the 24-hour time to 12-hour time with AM or PM",
                                           "write the time the American way, with AM or PM",
                                           "turn the clock time into 12-hour format"), True)),
        ("past_tense", exact_core("past_tense", _word_from(sorted(PAST)), lambda s: PAST[s], (
            "reply with the past tense of the verb", "give the simple past form of the verb", "put the verb in the past tense"))),
        ("ing_form", exact_core("ing_form", _word_from(sorted(ING)), lambda s: ING[s], (
            "reply with the -ing form of the verb", "give the present participle of the verb", "add -ing to the verb, spelled correctly"))),
        ("comparative", exact_core("comparative", _word_from(sorted(COMPARATIVES)), lambda s: COMPARATIVES[s][0], (
            "reply with the comparative of the adjective", "give the comparative form, like bigger from big",
            "turn the adjective into its comparative"))),
        ("superlative", exact_core("superlative", _word_from(sorted(COMPARATIVES)), lambda s: COMPARATIVES[s][1], (
            "reply with the superlative of the adjective", "give the superlative form, like biggest from big",
            "turn the adjective into its superlative"))),
        ("adverb", exact_core("adverb", _word_from(sorted(ADVERBS)), lambda s: ADVERBS[s], (
            "turn the adjective into an adverb", "reply with the -ly adverb of the adjective", "give the adverb form of the word"))),
        ("singular", exact_core("singular", _word_from(sorted(v for k, v in PLURALS.items() if k != v)),
                                lambda s: {v: k for k, v in PLURALS.items()}[s], (
            "reply with the singular of the noun", "give the singular form of the plural word", "turn the plural into a singular"))),
        ("capital_of", exact_core("capital_of", _word_from([c for c, _ in CAPITALS]), lambda s: dict(CAPITALS)[s], (
            "reply with the capital city of the country", "name the capital of the country I write",
            "give the country's capital, nothing else"), mutate=lambda s, o: s)),
        ("animal_sound", exact_core("animal_sound", _word_from([a for a, _ in SOUNDS]), lambda s: dict(SOUNDS)[s], (
            "reply with the sound the animal makes", "say what noise the animal makes", "give the animal's sound in one word"),
            mutate=lambda s, o: s)),
        ("animal_legs", number_core("animal_legs", _word_from(sorted({a for a, _ in LEGS})), lambda s: dict(LEGS)[s], (
            "reply with the number of legs the animal has", "say how many legs the animal has", "count the animal's legs"))),
        ("color_of", exact_core("color_of", _word_from([t for t, _, _ in COLORS]), lambda s: {t: c for t, _, c in COLORS}[s], (
            "reply with the usual colour of the thing", "say what colour the thing normally is", "name the colour of what I write"),
            mutate=lambda s, o: "purple")),
        ("weekday_shift", exact_core("day_after", _word_from(DAYS), lambda s: DAYS[(DAYS.index(s) + 1) % 7], (
            "reply with the day that comes after the one I write", "give the next day of the week", "say which day follows"),
            mutate=lambda s, o: s)),
        ("weekday_shift", exact_core("day_before", _word_from(DAYS), lambda s: DAYS[(DAYS.index(s) - 1) % 7], (
            "reply with the day that comes before the one I write", "give the previous day of the week", "say which day precedes it"),
            mutate=lambda s, o: s)),
        ("month_shift", exact_core("month_after", _word_from(MONTHS), lambda s: MONTHS[(MONTHS.index(s) + 1) % 12], (
            "reply with the month after the one I write", "give the next month of the year", "say which month follows"),
            mutate=lambda s, o: s)),
        ("month_shift", exact_core("month_before", _word_from(MONTHS), lambda s: MONTHS[(MONTHS.index(s) - 1) % 12], (
            "reply with the month before the one I write", "give the previous month of the year", "say which month precedes it"),
            mutate=lambda s, o: s)),
        ("join_each_bracket", string_core("bracket_each_word", _word_list, lambda s: " ".join(f"[{w}]" for w in s.split()), (
            "put every word in square brackets", "wrap each word in [ and ]", "surround each word with brackets"), True)),
        ("csv_quoted", string_core("csv_quoted", _word_list, lambda s: ",".join(f'"{w}"' for w in s.split()), (
            "write the words as one CSV row with each word in double quotes", "turn the words into a quoted CSV line",
            'output the words like "a","b","c"'), True)),
        ("lines_plain", Core("word_per_line", _word_list, lambda s: "\n".join(s.split()),
                             lambda s, o: [x.strip() for x in o.strip().splitlines()] == s.split(), (
            "put each word on its own line with nothing else", "write the words one per line, no bullets or numbers",
            "break the message into lines of one word"), True, lambda s, o: o.replace("\n", " "))),
        ("md_table", _table_core("word")), ("md_table", _table_core("item")),
        ("html_list", _html_core("ul")), ("html_list", _html_core("ol")),
        ("repeat_lines", _repeat_lines_core(2)),
        ("repeat_lines", _repeat_lines_core(3)),
        ("strip_punct", Core("strip_punctuation", _punct_sentence, lambda s: re.sub(r"[^\w\s]", "", s),
                             lambda s, o: words(o) == words(s) and not re.search(r"[^\w\s]", o.strip()), (
            "repeat my sentence without any punctuation", "remove every comma and full stop and echo the rest",
            "give back the text with all punctuation marks deleted"), True, lambda s, o: s)),
    ]
    for n in (2, 3, 5):
        out.append(("repeat_word_n", Core(f"repeat_word_{n}", _word_from(NOUNS), lambda s, n=n: " ".join([s] * n),
                                           lambda s, o, n=n: words(o) == [s] * n, (
            f"repeat the word {NUM_NAMES.get(n, 'five')} times", f"say the word {n} times in a row",
            f"write the word {NUM_NAMES.get(n, 'five')} times, separated by spaces"), True, _drop_last)))
    for k, name in ((1, "one"), (2, "two"), (13, "thirteen")):
        out.append(("letter_shift", exact_core(f"shift_letters_{k}", _word_from(NOUNS), lambda s, k=k: _shift(s, k), (
            f"shift every letter of the word {name} place{'s' if k > 1 else ''} forward in the alphabet",
            f"apply a Caesar shift of {k} to the word", f"replace each letter by the letter {k} after it, wrapping z to a"),
            mutate=lambda s, o: s)))
    for letter in "aeo":
        out.append(("count_letter", number_core(f"count_letter_{letter}", _word_list,
                                                lambda s, c=letter: s.count(c), (
            f'count how many times the letter "{letter}" appears', f'reply with the number of "{letter}" letters in my text',
            f'say how often "{letter}" occurs'))))
        out.append(("words_with_letter", exact_core(f"words_with_{letter}", _words_with(lambda w, c=letter: c in w),
                                                    lambda s, c=letter: " ".join(w for w in s.split() if c in w), (
            f'keep only the words that contain the letter "{letter}"', f'reply with the words that have an "{letter}" in them',
            f'drop every word without "{letter}"'))))
    for word in ("the", "very", "not"):
        sample = _sentence if word == "the" else _sentence_with(word)
        out.append(("drop_word", exact_core(f"drop_word_{word}", sample,
                                            lambda s, w=word: " ".join(x for x in s.split() if x != w), (
            f'repeat my message but leave out every "{word}"', f'echo the text with the word "{word}" removed',
            f'delete each "{word}" and give back the rest'), mutate=lambda s, o: s)))
    for i, lang in enumerate(LANGUAGES):
        for cat in TRANSLATIONS:
            out.append((f"translate_{lang.lower()}", _translate(i, cat)))
    for i, lang in enumerate(LANGUAGES[:3]):
        days = TRANSLATIONS["day"]
        out.append(("next_day_lang", Core(f"next_day_{lang.lower()}", _word_from(DAYS),
                                          lambda s, i=i: days[DAYS[(DAYS.index(s) + 1) % 7]][i],
                                          lambda s, o, i=i: fold(o) == fold(days[DAYS[(DAYS.index(s) + 1) % 7]][i]), (
            f"reply with the day after the one I write, in {lang}", f"give the next day of the week, translated into {lang}",
            f"say which day follows, using the {lang} word"), True, lambda s, o: s)))
        nums = TRANSLATIONS["number"]
        keys = list(nums)
        out.append(("count_in_lang", Core(f"count_{lang.lower()}", lambda r: str(r.randint(2, 6)),
                                          lambda s, i=i: ", ".join(nums[k][i] for k in keys[:int(s)]),
                                          lambda s, o, i=i: [fold(x) for x in re.split(r"[,\s]+", o.strip()) if fold(x)]
                                          == [fold(nums[k][i]) for k in keys[:int(s)]], (
            f"count from one up to the number in {lang}", f"list the {lang} number words from one to my number",
            f"count in {lang}, starting at one and stopping at the number I give"), True, _drop_last)))
    for fam, units in (("metric_convert", METRIC), ("time_convert", TIME_UNITS)):
        for key, factor, unit_from, unit_to, symbol, _ in units:
            out.append((fam, number_unit_core(key, factor, unit_from, unit_to, symbol)))
    return out


def number_unit_core(key: str, factor: int, unit_from: str, unit_to: str, symbol: str) -> Core:
    """"3 km" -> 3000 (the unit word after the number is optional in the reply)."""
    def sample(rng: random.Random) -> str:
        return f"{rng.randint(1, 60)} {rng.choice((symbol, unit_from))}"

    def check(s: str, o: str) -> bool:
        return _ints(o.replace(",", "")) == [_ints(s)[0] * factor]
    return Core(key, sample, lambda s: f"{_ints(s)[0] * factor} {unit_to}", check, (
        f"convert the amount from {unit_from} to {unit_to}", f"reply with the value in {unit_to}",
        f"turn {unit_from} into {unit_to} and give the number"), True, lambda s, o: f"{_ints(s)[0]} {unit_to}")


def _punct_sentence(rng: random.Random) -> str:
    a, b, c = rng.sample(NOUNS, 3)
    return f"The {a}, the {b} and the {c} are here."


def _equation(s: str) -> str:
    value = arithmetic_value(s)  # ValueError for other inputs
    m = re.search(r"(\d+) (plus|minus|times) (\d+)", s)
    sym = {"plus": "+", "minus": "-", "times": "*"}[m[2]]
    return f"{m[1]} {sym} {m[3]} = {value}"


def _equation_ok(s: str, o: str) -> bool:
    m = re.fullmatch(r"\s*(\d+)\s*([-+*x\u00d7])\s*(\d+)\s*=\s*(-?\d+)\.?\s*", o)
    q = re.search(r"(\d+) (plus|minus|times) (\d+)", s)
    if not m or not q:
        return False
    ok_sym = {"plus": "+", "minus": "-", "times": "*x\u00d7"}[q[2]]
    return m[1] == q[1] and m[3] == q[3] and m[2] in ok_sym and int(m[4]) == arithmetic_value(s)


def _days_in(s: str) -> int:
    name, year = s.split()
    m = MONTHS.index(name) + 1
    nxt = datetime.date(int(year) + (m == 12), m % 12 + 1, 1)
    return (nxt - datetime.date(int(year), m, 1)).days


def _to_12h(s: str) -> str:
    h, m = map(int, s.split(":"))
    return f"{(h - 1) % 12 + 1}:{m:02d} {'AM' if h < 12 else 'PM'}"


def _table_core(header: str) -> Core:
    def solve(s: str) -> str:
        return "\n".join([f"| {header} |", "| --- |"] + [f"| {w} |" for w in s.split()])

    def check(s: str, o: str) -> bool:
        rows = [re.sub(r"\s+", "", x) for x in o.strip().splitlines() if x.strip()]
        return len(rows) >= 2 and rows[0] == f"|{header}|" and re.fullmatch(r"\|:?-{3,}:?\|", rows[1]) is not None \
            and rows[2:] == [f"|{w}|" for w in s.split()]
    return Core(f"md_table_{header}", _word_list, solve, check, (
        f'put the words in a one-column markdown table headed "{header}"',
        f'make a markdown table with the column "{header}" and one word per row',
        f'format the words as a table: header "{header}", then a row per word'), True,
        lambda s, o: "\n".join(o.splitlines()[:-1]))


def _html_core(tag: str) -> Core:
    def solve(s: str) -> str:
        return f"<{tag}>" + "".join(f"<li>{w}</li>" for w in s.split()) + f"</{tag}>"

    def check(s: str, o: str) -> bool:
        return re.sub(r"\s+", "", o) == re.sub(r"\s+", "", solve(s))
    kind = "bulleted" if tag == "ul" else "numbered"
    return Core(f"html_{tag}", _word_list, solve, check, (
        f"turn the words into an HTML {kind} list with <{tag}> and <li> tags",
        f"write the words as <li> items inside a <{tag}> element", f"format the words as HTML: one <{tag}> list, an <li> per word"),
        True, lambda s, o: o.replace(f"<{tag}>", "<ul>" if tag == "ol" else "<ol>"))


def _repeat_lines_core(n: int) -> Core:
    return Core(f"repeat_lines_{n}", lambda r: _sentence(r), lambda s: "\n".join([s] * n),
                lambda s, o: [words(x) for x in o.strip().splitlines() if x.strip()] == [words(s)] * n, (
        f"repeat my message {NUM_NAMES[n]} times, each copy on its own line",
        f"write my text {n} times on separate lines", f"echo the message on {NUM_NAMES[n]} lines"), True,
        lambda s, o: "\n".join(o.splitlines()[:-1]))
