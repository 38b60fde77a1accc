"""Word banks, text helpers and input samplers of the skill tasks (one shared vocabulary)."""
from __future__ import annotations

import functools
import itertools
import random
import re
from dataclasses import replace
from typing import Callable, Sequence


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


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


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


