"""Skills: procedurally checkable instruction-following tasks with paraphrased descriptions (Text-to-LoRA data).

A *task* is a behaviour a 135M model can learn: a *core* that turns a user
message into content (answer the question, reverse the words, count them,
label a review, ...) wrapped by zero or more *styles* (upper case, JSON
``{"answer": ...}``, a fixed opening phrase, tags, ...). Each task has

- >= 20 *descriptions*: paraphrases built compositionally from a few frames x
  phrase synonyms (the text the hypernetwork reads as the "document");
- an input sampler over small word banks (questions, sentences, word lists,
  reviews, numbers);
- ``solve(input)``: the correct output, the SFT target;
- ``check(input, output)``: True when the output follows the instruction.

Checkers are exact where the content follows from the input (reverse, sort,
count, arithmetic, review labels from a fixed lexicon) and format-only where it
would need world knowledge (a style on the answer to a general question: the
reply must be all caps, valid JSON, start with the phrase, ...).

Held-out splits: whole tasks go to val (~10 %) and test (~15 %) by a stable
SHA-256 ranking of task ids; descriptions of train tasks go to train/val/test
(80/10/10) by a stable hash of their text. So the test split holds unseen
tasks (``held_out_kind`` "task") and unseen phrasings of trained tasks
("description"), and no task or description is in two splits.

No-op control (kind ``skill_noop``): descriptions that ask for nothing ("Be
helpful.", irrelevant sentences). An empty description cannot be a Record
(and ``teach`` refuses empty text), so it is left out. Their target is a
plain, unstyled answer from the question bank, a stand-in for what the base
says; :func:`with_base_targets` replaces it by the base's own answer for
distillation, which is what "the adapter changes little" means.

>>> import random
>>> rec = make_skill(SkillsConfig(noop_frac=0.0), random.Random(0), "train")
>>> all(check(rec.id, q.question, q.target) for q in rec.questions)
True
"""
from __future__ import annotations

import functools
import hashlib
import itertools
import json
import random
import re
from dataclasses import dataclass, replace
from typing import Callable, Iterable, Sequence

from engine.data.records import QA, Record, check_split

KIND = "skill"
NOOP_KIND = "skill_noop"
NOOP_TASK = "noop"
MAX_DESCRIPTIONS = 64  # per task; the compositional grammar gives more, a seeded sample is kept

Sampler = Callable[[random.Random], str]
Solver = Callable[[str], str]
Checker = Callable[[str, str], bool]

# --------------------------------------------------------------------------------------
# Word banks.
# --------------------------------------------------------------------------------------

NOUNS = (
    "apple", "river", "stone", "cloud", "garden", "window", "candle", "forest", "bridge", "pencil",
    "tiger", "ocean", "mountain", "basket", "mirror", "rabbit", "castle", "lemon", "violin", "planet",
    "kettle", "meadow", "lantern", "harbor", "feather", "orange", "blanket", "turtle", "rocket", "island",
    "cookie", "ladder", "dragon", "pillow", "coffee", "teacher", "doctor", "farmer", "garage", "tunnel",
    "bottle", "jacket", "wallet", "camera", "guitar", "puzzle", "dolphin", "penguin", "village", "desert",
    "sun", "moon", "tree", "bird", "fish", "book", "door", "lamp", "cup", "road", "ship", "horse",
    "house", "chair", "table", "bread", "cheese", "flower", "train", "snow", "rain", "wind",
)
ADJECTIVES = (
    "red", "quiet", "happy", "tiny", "old", "bright", "cold", "green", "heavy", "soft", "fast", "lazy",
    "brave", "clever", "dark", "gentle", "huge", "little", "noisy", "proud", "shiny", "strange", "warm",
    "young", "yellow", "blue", "calm", "busy", "sleepy", "round",
)
VERBS = (
    "sees", "finds", "likes", "follows", "paints", "carries", "watches", "visits", "moves", "hides",
    "cleans", "builds", "opens", "reaches", "crosses", "passes",
)
PLACES = ("near the", "behind the", "under the", "beside the", "above the", "inside the", "around the")

POSITIVE = ("great", "excellent", "wonderful", "amazing", "lovely", "fantastic", "perfect", "delightful",
            "superb", "brilliant", "pleasant", "impressive")
NEGATIVE = ("terrible", "awful", "horrible", "poor", "disappointing", "dreadful", "bad", "useless",
            "broken", "boring", "annoying", "frustrating")
PRODUCTS = ("phone", "blender", "hotel", "movie", "book", "restaurant", "laptop", "jacket", "headphones",
            "coffee maker", "backpack", "concert", "game", "bicycle", "lamp", "tent", "printer", "sofa")
ASPECTS = ("service", "quality", "price", "design", "sound", "screen", "staff", "food", "battery",
           "delivery", "packaging", "story", "music", "room")
POS_CLOSERS = ("I would buy it again.", "Highly recommended.", "I loved every minute.", "Five stars from me.",
               "I am very satisfied.", "Worth every penny.")
NEG_CLOSERS = ("I want a refund.", "Never again.", "I regret buying it.", "One star from me.",
               "I am very unhappy.", "Save your money.")

OPPOSITES = {
    "hot": "cold", "big": "small", "up": "down", "day": "night", "fast": "slow", "happy": "sad",
    "light": "dark", "open": "closed", "early": "late", "full": "empty", "hard": "soft", "loud": "quiet",
    "wet": "dry", "rich": "poor", "tall": "short", "thick": "thin", "strong": "weak", "win": "lose",
    "in": "out", "push": "pull", "old": "young", "left": "right", "give": "take", "first": "last",
    "above": "below", "buy": "sell", "near": "far", "clean": "dirty", "true": "false", "yes": "no",
}
PLURALS = {
    "cat": "cats", "dog": "dogs", "box": "boxes", "child": "children", "mouse": "mice", "man": "men",
    "woman": "women", "foot": "feet", "tooth": "teeth", "goose": "geese", "city": "cities",
    "baby": "babies", "leaf": "leaves", "knife": "knives", "wolf": "wolves", "bus": "buses",
    "fox": "foxes", "church": "churches", "person": "people", "sheep": "sheep", "fish": "fish",
    "book": "books", "tree": "trees", "house": "houses", "story": "stories", "glass": "glasses",
    "potato": "potatoes", "hero": "heroes", "life": "lives", "ox": "oxen",
}
NUMBER_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
                "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
                "eighteen", "nineteen", "twenty")

CAPITALS = (("France", "Paris"), ("Italy", "Rome"), ("Spain", "Madrid"), ("Japan", "Tokyo"),
            ("Germany", "Berlin"), ("Egypt", "Cairo"), ("Russia", "Moscow"), ("Canada", "Ottawa"),
            ("Greece", "Athens"), ("Portugal", "Lisbon"), ("Norway", "Oslo"), ("Kenya", "Nairobi"),
            ("Peru", "Lima"), ("Ireland", "Dublin"), ("Austria", "Vienna"), ("Poland", "Warsaw"),
            ("Sweden", "Stockholm"), ("China", "Beijing"), ("Cuba", "Havana"), ("Chile", "Santiago"))
COLORS = (("the sky", "is", "blue"), ("grass", "is", "green"), ("snow", "is", "white"),
          ("a banana", "is", "yellow"), ("coal", "is", "black"), ("a tomato", "is", "red"),
          ("a lemon", "is", "yellow"), ("milk", "is", "white"), ("a carrot", "is", "orange"),
          ("chocolate", "is", "brown"), ("a strawberry", "is", "red"), ("a frog", "is", "green"),
          ("the sea", "is", "blue"), ("a crow", "is", "black"), ("cherries", "are", "red"))
SOUNDS = (("cow", "moo"), ("dog", "woof"), ("cat", "meow"), ("duck", "quack"), ("sheep", "baa"),
          ("owl", "hoot"), ("lion", "roar"), ("pig", "oink"), ("horse", "neigh"), ("bee", "buzz"))
LEGS = (("spider", 8), ("dog", 4), ("bird", 2), ("ant", 6), ("cat", 4), ("beetle", 6), ("duck", 2),
        ("horse", 4), ("fly", 6), ("chicken", 2))
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")
TRIVIA = (("How many days are in a week?", "7", "There are 7 days in a week."),
          ("How many hours are in a day?", "24", "There are 24 hours in a day."),
          ("How many minutes are in an hour?", "60", "There are 60 minutes in an hour."),
          ("How many months are in a year?", "12", "There are 12 months in a year."),
          ("What do bees make?", "honey", "Bees make honey."),
          ("Which planet do we live on?", "Earth", "We live on the planet Earth."),
          ("What is frozen water called?", "ice", "Frozen water is called ice."),
          ("What gas do people breathe in to live?", "oxygen", "People breathe in oxygen to live."),
          ("Where do fish live?", "water", "Fish live in water."),
          ("What do cows give us to drink?", "milk", "Cows give us milk."),
          ("Which season comes after winter?", "spring", "Spring comes after winter."),
          ("What shines in the sky during the day?", "sun", "The sun shines in the sky during the day."),
          ("What do you call a baby cat?", "kitten", "A baby cat is called a kitten."),
          ("What do you call a baby dog?", "puppy", "A baby dog is called a puppy."),
          ("Which animal is known as the king of the jungle?", "lion", "The lion is known as the king of the jungle."))

# --------------------------------------------------------------------------------------
# Text helpers.
# --------------------------------------------------------------------------------------


def words(text: str) -> list[str]:
    """Lower-case word tokens, punctuation dropped.

    >>> words("Hello, World! It's 42.")
    ['hello', 'world', "it's", '42']
    """
    return re.findall(r"[a-z0-9']+", text.lower().replace("\u2019", "'"))


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _ws(text: str) -> str:
    return " ".join(text.split())


def _same_words(out: str, target: str) -> bool:
    return bool(words(target)) and words(out) == words(target)


def _int_words(out: str) -> int | None:
    """The number an output states: "7", "7.", "seven"; None otherwise."""
    w = words(out)
    if len(w) != 1:
        return None
    if w[0].isdigit():
        return int(w[0])
    return NUMBER_WORDS.index(w[0]) if w[0] in NUMBER_WORDS else None


def _ints(text: str) -> list[int]:
    return [int(x) for x in re.findall(r"-?\d+", text)]


# --------------------------------------------------------------------------------------
# Input samplers.
# --------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def question_bank() -> tuple[tuple[str, str, str], ...]:
    """(question, one-word answer, full-sentence answer) triples; every question ends with "?"."""
    bank = []
    for country, city in CAPITALS:
        bank += [(f"What is the capital of {country}?", city, f"The capital of {country} is {city}."),
                 (f"Which city is the capital of {country}?", city, f"{city} is the capital of {country}.")]
    for thing, verb, color in COLORS:
        bank.append((f"What color {verb} {thing}?", color, f"{_cap(thing)} {verb} {color}."))
    for animal, sound in SOUNDS:
        bank.append((f"What sound does a {animal} make?", sound, f"A {animal} says {sound}."))
    for animal, n in LEGS:
        bank.append((f"How many legs does a {animal} have?", str(n), f"A {animal} has {n} legs."))
    for word, opp in OPPOSITES.items():
        bank.append((f"What is the opposite of {word}?", opp, f"The opposite of {word} is {opp}."))
    for word, plural in PLURALS.items():
        bank.append((f"What is the plural of {word}?", plural, f"The plural of {word} is {plural}."))
    for seq, unit in ((DAYS, "day"), (MONTHS, "month")):
        for a, b in zip(seq, seq[1:] + seq[:1]):
            bank.append((f"Which {unit} comes after {a}?", b, f"{b} comes after {a}."))
    for a, b in itertools.product(range(2, 10), range(1, 10)):
        bank.append((f"What is {a} plus {b}?", str(a + b), f"{a} plus {b} is {a + b}."))
    bank += TRIVIA
    return tuple(bank)


def _question(rng: random.Random) -> str:
    return rng.choice(question_bank())[0]


@functools.lru_cache(maxsize=1)
def _word_answer_questions() -> tuple[str, ...]:
    return tuple(q for q, short, _ in question_bank() if short.isalpha())


def _word_question(rng: random.Random) -> str:
    """A question whose one-word answer has letters (so case styles apply)."""
    return rng.choice(_word_answer_questions())


@functools.lru_cache(maxsize=1)
def _answers() -> dict[str, tuple[str, str]]:
    return {q: (short, sentence) for q, short, sentence in question_bank()}


def _word_list(rng: random.Random, lo: int = 3, hi: int = 6) -> str:
    return " ".join(rng.sample(NOUNS, rng.randint(lo, hi)))


def _sentence(rng: random.Random) -> str:
    a, b = rng.sample(NOUNS, 2)
    return f"the {rng.choice(ADJECTIVES)} {a} {rng.choice(VERBS)} the {b}"


def _long_sentence(rng: random.Random) -> str:
    a, b, c = rng.sample(NOUNS, 3)
    return f"The {rng.choice(ADJECTIVES)} {a} {rng.choice(VERBS)} the {b} {rng.choice(PLACES)} {c}."


def _unique_extreme_words(rng: random.Random, longest: bool) -> str:
    while True:
        ws = rng.sample(NOUNS, rng.randint(3, 5))
        lengths = sorted((len(w) for w in ws), reverse=longest)
        if lengths[0] != lengths[1]:
            return " ".join(ws)


def _review(rng: random.Random) -> str:
    positive = rng.random() < 0.5
    adj = POSITIVE if positive else NEGATIVE
    a, b = rng.sample(adj, 2)
    closer = rng.choice(POS_CLOSERS if positive else NEG_CLOSERS)
    product, aspect = rng.choice(PRODUCTS), rng.choice(ASPECTS)
    opener = rng.choice((f"The {product} was {a}.", f"This {product} is {a}.", f"What a {a} {product}."))
    return f"{opener} The {aspect} was {b}. {closer}"


def review_label(review: str) -> bool:
    """True for a positive review: more positive than negative lexicon words (closers count too)."""
    text = review.lower()
    pos = sum(text.count(w) for w in POSITIVE) + sum(c.lower() in text for c in POS_CLOSERS)
    neg = sum(text.count(w) for w in NEGATIVE) + sum(c.lower() in text for c in NEG_CLOSERS)
    return pos > neg


def _number(rng: random.Random) -> str:
    return str(rng.randint(2, 999))


def _digits(rng: random.Random) -> str:
    return str(rng.randint(10, 99999))


def _numbers(rng: random.Random) -> str:
    return " ".join(str(n) for n in rng.sample(range(1, 50), rng.randint(3, 5)))


def _arithmetic(rng: random.Random) -> str:
    op = rng.choice(("plus", "minus", "times"))
    a, b = rng.randint(2, 20), rng.randint(1, 12)
    if op == "minus":
        a, b = max(a, b), min(a, b)
    frame = rng.choice(("What is {a} {op} {b}?", "How much is {a} {op} {b}?", "Calculate {a} {op} {b}.",
                        "Work out {a} {op} {b}."))
    return frame.format(a=a, op=op, b=b)


def arithmetic_value(question: str) -> int:
    m = re.search(r"(\d+) (plus|minus|times) (\d+)", question)
    if not m:
        raise ValueError(f"not an arithmetic question: {question!r}")
    a, op, b = int(m[1]), m[2], int(m[3])
    return a + b if op == "plus" else a - b if op == "minus" else a * b


def _yes_no_question(rng: random.Random) -> str:
    a, b = rng.sample(range(1, 30), 2)
    kind = rng.randrange(4)
    if kind == 0:
        return f"Is {a} greater than {b}?"
    if kind == 1:
        return f"Is {a} less than {b}?"
    if kind == 2:
        return f"Is {a} an even number?"
    c = a + b if rng.random() < 0.5 else a + b + rng.choice((-1, 1))
    return f"Is {a} plus {b} equal to {c}?"


def yes_no_truth(question: str) -> bool:
    n = _ints(question)
    if "greater than" in question:
        return n[0] > n[1]
    if "less than" in question:
        return n[0] < n[1]
    if "even number" in question:
        return n[0] % 2 == 0
    return n[0] + n[1] == n[2]


def _question_or_statement(rng: random.Random) -> str:
    return _question(rng) if rng.random() < 0.5 else _long_sentence(rng)


def _word_from(bank: Sequence[str]) -> Sampler:
    return lambda rng: rng.choice(tuple(bank))


def _sentence_with(word: str) -> Sampler:
    def sample(rng: random.Random) -> str:
        ws = _sentence(rng).split()
        ws[rng.choice((2, 5))] = word  # "the <adj> <noun> <verb> the <noun>"
        return " ".join(ws)
    return sample


def _plain_answer(question: str) -> str:
    return _answers()[question][1] if question in _answers() else "I am not sure."


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

# --------------------------------------------------------------------------------------
# Tasks and their descriptions.
# --------------------------------------------------------------------------------------

FRAMES = ("{P}.", "Please {p}.", "Always {p}.", "From now on, {p}.", "Your task: {p}.", "I want you to {p}.",
          "When you reply, {p}.", "For every message, {p}.", "Whatever I send you, {p}.", "Rule: {p}.",
          "Make sure to {p}.", "You must {p}.", "Instruction: {p}.", "In every response, {p}.")
JOINERS = (", and {s}", ", then {s}", "; also {s}", " and {s}")


@dataclass(frozen=True)
class Task:
    """A checkable behaviour: a core with styles, its descriptions and its held-out split."""

    id: str
    family: str
    core: Core
    styles: tuple[Style, ...]
    descriptions: tuple[str, ...]
    split: str

    def sample(self, rng: random.Random) -> str:
        return self.core.sample(rng)

    def solve(self, inp: str) -> str:
        out = self.core.solve(inp)
        for s in self.styles:
            out = s.apply(out)
        return out

    def check(self, inp: str, out: str) -> bool:
        """True when ``out`` follows the instruction for input ``inp``."""
        text: str | None = out
        for s in reversed(self.styles):
            if text is None or not s.ok(text):
                return False
            text = s.unwrap(text)
        return text is not None and self.core.check(inp, text)


def _describe(task_id: str, core: Core, styles: Sequence[Style]) -> tuple[str, ...]:
    """Every frame x phrase combination, deduplicated, then a seeded sample of at most MAX_DESCRIPTIONS."""
    parts = ([] if core.name == "answer" else [core.phrases]) + [s.phrases for s in styles]
    bodies = []
    for combo in itertools.product(*parts):
        if len(combo) == 1:
            bodies.append(combo[0])
        else:
            for joiner in JOINERS:
                bodies.append(combo[0] + "".join(joiner.format(s=c) for c in combo[1:]))
    texts = list(dict.fromkeys(f.format(p=b, P=_cap(b)) for b in bodies for f in FRAMES))
    rng = random.Random(f"skills:describe:{task_id}")
    return tuple(sorted(rng.sample(texts, min(MAX_DESCRIPTIONS, len(texts)))))


def _stable_rank(key: str) -> int:
    return int.from_bytes(hashlib.sha256(key.encode("utf-8")).digest()[:8], "big")


def description_split(text: str) -> str:
    """train (80 %), val (10 %) or test (10 %) for a description of a train task, by a stable hash."""
    r = _stable_rank(f"skills:description:{text}") % 100
    return "train" if r < 80 else "val" if r < 90 else "test"


def _specs() -> list[tuple[str, str, Core, tuple[Style, ...]]]:
    """(task id, family, core, styles) for every task."""
    cores = {c.name: c for c in _cores()}
    cores.update({c.name: c for c in (_sentiment_core(p, n) for p, n in SENTIMENT_LABELS)})
    cores.update({c.name: c for c in (_replace_core(o, n) for o, n in REPLACEMENTS)})
    answer = _answer_core()
    cores["answer"] = answer
    styles = {s.name: s for s in _base_styles()}
    styles.update({s.name: s for s in map(_prefix_style, PREFIXES)})
    styles.update({s.name: s for s in map(_suffix_style, SUFFIXES)})
    styles.update({s.name: s for s in map(_tag_style, TAGS)})
    specs = []
    for name, style in styles.items():
        family = name.split(":")[0]
        specs.append((f"answer_{_slug(name)}", family, answer, (style,)))
    for name, core in cores.items():
        if name == "answer":
            continue
        family = "sentiment" if name.startswith("sentiment_") else "replace" if name.startswith("replace_") else name
        specs.append((name, family, core, ()))
    for core_name, style_names in COMPOSITIONS:
        sts = tuple(styles[s] for s in style_names)
        if any(s.is_case for s in sts) and not cores[core_name].has_letters:
            raise ValueError(f"composition {core_name}+{style_names}: a case style needs a core with letters")
        if any(s.is_case for s in sts[sum(s.is_case for s in sts):]):
            raise ValueError(f"composition {core_name}+{style_names}: case styles go innermost")
        tid = "_".join([core_name, *map(_slug, style_names)])
        specs.append((tid, "compose", cores[core_name], sts))
    return specs


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


@functools.lru_cache(maxsize=1)
def tasks() -> tuple[Task, ...]:
    """All tasks, sorted by id; whole tasks are held out: the first 15 % by hash rank test, the next 10 % val."""
    specs = sorted(_specs(), key=lambda s: s[0])
    ranked = sorted((s[0] for s in specs), key=lambda tid: _stable_rank(f"skills:task:{tid}"))
    n_test, n_val = round(0.15 * len(ranked)), round(0.10 * len(ranked))
    split_of = {tid: "test" if i < n_test else "val" if i < n_test + n_val else "train"
                for i, tid in enumerate(ranked)}
    return tuple(Task(tid, fam, core, sts, _describe(tid, core, sts), split_of[tid])
                 for tid, fam, core, sts in specs)


@functools.lru_cache(maxsize=1)
def _by_id() -> dict[str, Task]:
    return {t.id: t for t in tasks()}


def get_task(task_id: str) -> Task:
    """The task called ``task_id``; ValueError naming how to list them when unknown."""
    try:
        return _by_id()[task_id]
    except KeyError:
        raise ValueError(f"unknown skill task {task_id!r}; see engine.data.skills.tasks()") from None


def task_ids(split: str | None = None) -> list[str]:
    """Ids of the tasks held by ``split`` (all tasks when None), sorted."""
    return [t.id for t in tasks() if split is None or t.split == check_split(split)]


def descriptions(task_id: str, split: str) -> list[str]:
    """The descriptions of ``task_id`` usable in ``split``.

    A held-out task's descriptions all belong to its own split; a train task's
    are divided by :func:`description_split`.
    """
    check_split(split)
    t = get_task(task_id)
    if t.split != "train":
        return list(t.descriptions) if t.split == split else []
    return [d for d in t.descriptions if description_split(d) == split]


def held_out_kind(task_id: str, description: str) -> str:
    """"task" (unseen task), "description" (unseen phrasing of a trained task) or "train"."""
    t = get_task(task_id)
    if t.split != "train":
        return "task"
    return "train" if description_split(description) == "train" else "description"


# --------------------------------------------------------------------------------------
# Records.
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SkillsConfig:
    """Shape of skill records.

    min_inputs, max_inputs: task inputs (questions) per record.
    noop_frac: share of make_skill records that are no-op controls (kind "skill_noop").
    held_out: for val/test, which pool: "task" (unseen tasks), "description"
      (unseen descriptions of train tasks) or "any" (both). Ignored for train.
    """

    min_inputs: int = 4
    max_inputs: int = 8
    noop_frac: float = 0.1
    held_out: str = "any"

    def __post_init__(self) -> None:
        if not 1 <= self.min_inputs <= self.max_inputs <= 32:
            raise ValueError(f"need 1 <= min_inputs <= max_inputs <= 32, got {self.min_inputs}, {self.max_inputs}")
        if not 0.0 <= self.noop_frac <= 1.0:
            raise ValueError(f"noop_frac must be in [0, 1], got {self.noop_frac}")
        if self.held_out not in ("any", "task", "description"):
            raise ValueError(f"held_out must be 'any', 'task' or 'description', got {self.held_out!r}")


def _pool(split: str, held_out: str) -> list[Task]:
    """Tasks with at least one description usable in ``split`` under ``held_out``."""
    out = []
    for t in tasks():
        is_task_holdout = t.split != "train"
        if split != "train" and held_out != "any" and is_task_holdout != (held_out == "task"):
            continue
        if descriptions(t.id, split):
            out.append(t)
    return out


def _family_first(pool: Sequence[Task], rng: random.Random) -> Task:
    """A task drawn family-uniformly, so a parameterised family (17 prefixes) counts as one behaviour."""
    families = sorted({t.family for t in pool})
    family = rng.choice(families)
    return rng.choice([t for t in pool if t.family == family])


def _distinct_inputs(sample: Sampler, rng: random.Random, k: int) -> list[str]:
    seen: dict[str, None] = {}
    for _ in range(20 * k):
        seen.setdefault(sample(rng), None)
        if len(seen) == k:
            break
    return list(seen)


def skill_record(task: Task, description: str, inputs: Iterable[str], record_id: str) -> Record:
    """A skill record: ``description`` as the document, each input with its solved target."""
    qas = []
    for inp in inputs:
        target = task.solve(inp)
        qas.append(QA(inp, (target,), target))
    return Record(record_id, description, tuple(qas), KIND)


def make_skill(cfg: SkillsConfig, rng: random.Random, split: str, *, record_id: str | None = None) -> Record:
    """One skill record of ``split`` (kind "skill"), or with probability ``noop_frac`` a no-op control.

    The record id is ``skill-{task_id}-{split}-{hex}`` (see :func:`task_of`).
    """
    check_split(split)
    if rng.random() < cfg.noop_frac:
        return make_noop(cfg, rng, split, record_id=record_id)
    pool = _pool(split, cfg.held_out if split != "train" else "any")
    if not pool:
        raise ValueError(f"no skill task has {split} descriptions under held_out={cfg.held_out!r}")
    task = _family_first(pool, rng)
    description = rng.choice(descriptions(task.id, split))
    inputs = _distinct_inputs(task.sample, rng, rng.randint(cfg.min_inputs, cfg.max_inputs))
    rid = record_id or f"skill-{task.id}-{split}-{rng.getrandbits(48):012x}"
    return skill_record(task, description, inputs, rid)


# --------------------------------------------------------------------------------------
# No-op control.
# --------------------------------------------------------------------------------------

NOOP_FIXED = (
    "Be helpful.", "You are a helpful assistant.", "Answer the question.", "Do your best.", "Be polite.",
    "Reply naturally.", "Just answer normally.", "You are a friendly assistant.", "Be honest.",
    "Help the user.", "Answer as usual.", "Be clear.", "Respond to the user.", "Keep being yourself.",
    "Nothing special is needed.", "Be kind to the user.",
    "The museum opens at nine on weekdays.", "Penguins live in the southern hemisphere.",
    "My cousin bought a red bicycle last week.", "Tea tastes better with a little honey.",
    "The train to the coast was late again.", "Our office moved to the third floor.",
    "The library closes early on Sundays.", "It rained all afternoon in the valley.",
    "The bakery sells bread with sunflower seeds.", "Lighthouses were once kept by families.",
)


@functools.lru_cache(maxsize=1)
def noop_descriptions() -> tuple[str, ...]:
    """Fixed no-op instructions plus generated irrelevant sentences ("The quiet tiger is near the bridge.")."""
    gen = [f"The {adj} {a} is {place} {b}."
           for adj, (a, b), place in zip(ADJECTIVES * 4, itertools.permutations(NOUNS[:20], 2), PLACES * 20)]
    return tuple(dict.fromkeys(NOOP_FIXED + tuple(gen)))


def noop_split(text: str) -> str:
    """Split of a no-op description (stable hash, 80/10/10)."""
    r = _stable_rank(f"skills:noop:{text}") % 100
    return "train" if r < 80 else "val" if r < 90 else "test"


def make_noop(cfg: SkillsConfig, rng: random.Random, split: str, *, record_id: str | None = None) -> Record:
    """A no-op control (kind "skill_noop"): a description asking nothing, general questions, plain answers.

    The target is the question bank's plain sentence, a stand-in for the
    base's own reply; replace it with :func:`with_base_targets` to distil.
    """
    check_split(split)
    description = rng.choice([d for d in noop_descriptions() if noop_split(d) == split])
    inputs = _distinct_inputs(_question, rng, rng.randint(cfg.min_inputs, cfg.max_inputs))
    qas = tuple(QA(q, (_plain_answer(q),), _plain_answer(q)) for q in inputs)
    rid = record_id or f"skillnoop-{split}-{rng.getrandbits(48):012x}"
    return Record(rid, description, qas, NOOP_KIND)


def with_base_targets(records: Iterable[Record], generate: Callable[[str], str]) -> list[Record]:
    """No-op records with targets replaced by ``generate(question)`` (the base's greedy reply, no adapter).

    Skill records pass through unchanged. An empty generation keeps the stand-in target.
    """
    out = []
    for rec in records:
        if rec.kind != NOOP_KIND:
            out.append(rec)
            continue
        qas = []
        for qa in rec.questions:
            text = generate(qa.question).strip() or qa.target
            qas.append(QA(qa.question, (text,), text))
        out.append(replace(rec, questions=tuple(qas)))
    return out


# --------------------------------------------------------------------------------------
# Looking tasks up from records; sets.
# --------------------------------------------------------------------------------------


def task_of(record_id: str) -> str:
    """The task id inside a record id ("skill-upper_json-test-..." -> "upper_json"); "noop" for controls.

    >>> task_of("skill-reverse_words-train-0a1b")
    'reverse_words'
    """
    if record_id.startswith("skillnoop-"):
        return NOOP_TASK
    parts = record_id.split("-")
    if len(parts) < 2 or parts[0] != "skill" or not parts[1]:
        raise ValueError(f"{record_id!r} is not a skill record id (expected 'skill-<task>-...')")
    return parts[1]


def check(task_or_record_id: str, inp: str, out: str) -> bool:
    """Whether ``out`` follows the skill for input ``inp``; takes a task id or a skill record id."""
    tid = task_of(task_or_record_id) if task_or_record_id.startswith("skill") else task_or_record_id
    if tid == NOOP_TASK:
        raise ValueError("no-op records have no checker; compare the adapter's answer with the base's")
    return get_task(tid).check(inp, out)


def target(task_id: str, inp: str) -> str:
    """The correct output of ``task_id`` for input ``inp`` (the SFT target)."""
    return get_task(task_id).solve(inp)


def few_shot_examples(task_id: str, rng: random.Random, k: int = 3, exclude: str = "") -> list[tuple[str, str]]:
    """``k`` (input, output) demonstrations of ``task_id``, none equal to ``exclude``."""
    t = get_task(task_id)
    inputs = [x for x in _distinct_inputs(t.sample, rng, k + 1) if x != exclude][:k]
    return [(x, t.solve(x)) for x in inputs]


def skills_set(n: int, seed: int, split: str, cfg: SkillsConfig = SkillsConfig()) -> list[Record]:
    """``n`` records of ``split``, reproducible from ``seed`` (record ``i`` has its own rng)."""
    check_split(split)
    return [make_skill(cfg, random.Random(f"skills:{split}:{seed}:{i}"), split) for i in range(n)]


def skills_eval_set(seed: int = 11, split: str = "test", n_desc_tasks: int = 14, descs_per_task: int = 2,
                    n_inputs: int = 5, n_noop: int = 4) -> list[Record]:
    """A fixed evaluation set: every held-out task of ``split`` and ``n_desc_tasks`` trained tasks
    with held-out descriptions, ``descs_per_task`` descriptions each, ``n_inputs`` inputs a
    description, plus ``n_noop`` no-op controls. Ids say which (``skill-<task>-<split>task-...``
    or ``...-<split>desc-...``)."""
    check_split(split)
    rng = random.Random(f"skills:eval:{split}:{seed}")
    held = [t for t in tasks() if t.split == split]
    trained = [t for t in tasks() if t.split == "train" and descriptions(t.id, split)]
    trained = _spread(trained, n_desc_tasks, rng)
    records = []
    for kind, group in (("task", held), ("desc", trained)):
        for t in group:
            pool = descriptions(t.id, split)
            for j, d in enumerate(rng.sample(pool, min(descs_per_task, len(pool)))):
                inputs = _distinct_inputs(t.sample, rng, n_inputs)
                records.append(skill_record(t, d, inputs, f"skill-{t.id}-{split}{kind}-{seed}-{j}"))
    cfg = SkillsConfig(min_inputs=n_inputs, max_inputs=n_inputs)
    records += [make_noop(cfg, rng, split, record_id=f"skillnoop-{split}-{seed}-{i}") for i in range(n_noop)]
    return records


def _spread(pool: Sequence[Task], n: int, rng: random.Random) -> list[Task]:
    """Up to ``n`` tasks, one per family first (round-robin over shuffled families)."""
    by_family: dict[str, list[Task]] = {}
    for t in pool:
        by_family.setdefault(t.family, []).append(t)
    lists = [rng.sample(v, len(v)) for _, v in sorted(by_family.items())]
    rng.shuffle(lists)
    picked = [t for round_ in itertools.zip_longest(*lists) for t in round_ if t is not None]
    return sorted(picked[:n], key=lambda t: t.id)
