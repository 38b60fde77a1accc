"""Word banks of the widened skill catalogue: exact translations, word forms, dates, units and filler sentences."""
from __future__ import annotations

import unicodedata

# English word -> (French, Spanish, German, Italian), by category. Only words with one standard translation.
TRANSLATIONS: dict[str, dict[str, tuple[str, str, str, str]]] = {
    "colour": {
        "red": ("rouge", "rojo", "rot", "rosso"), "blue": ("bleu", "azul", "blau", "blu"),
        "green": ("vert", "verde", "grün", "verde"), "yellow": ("jaune", "amarillo", "gelb", "giallo"),
        "black": ("noir", "negro", "schwarz", "nero"), "white": ("blanc", "blanco", "weiß", "bianco"),
        "grey": ("gris", "gris", "grau", "grigio"), "brown": ("marron", "marrón", "braun", "marrone"),
    },
    "number": {
        "one": ("un", "uno", "eins", "uno"), "two": ("deux", "dos", "zwei", "due"),
        "three": ("trois", "tres", "drei", "tre"), "four": ("quatre", "cuatro", "vier", "quattro"),
        "five": ("cinq", "cinco", "fünf", "cinque"), "six": ("six", "seis", "sechs", "sei"),
        "seven": ("sept", "siete", "sieben", "sette"), "eight": ("huit", "ocho", "acht", "otto"),
        "nine": ("neuf", "nueve", "neun", "nove"), "ten": ("dix", "diez", "zehn", "dieci"),
    },
    "day": {
        "Monday": ("lundi", "lunes", "Montag", "lunedì"), "Tuesday": ("mardi", "martes", "Dienstag", "martedì"),
        "Wednesday": ("mercredi", "miércoles", "Mittwoch", "mercoledì"),
        "Thursday": ("jeudi", "jueves", "Donnerstag", "giovedì"), "Friday": ("vendredi", "viernes", "Freitag", "venerdì"),
        "Saturday": ("samedi", "sábado", "Samstag", "sabato"), "Sunday": ("dimanche", "domingo", "Sonntag", "domenica"),
    },
    "greeting": {
        "hello": ("bonjour", "hola", "hallo", "ciao"), "thank you": ("merci", "gracias", "danke", "grazie"),
        "good night": ("bonne nuit", "buenas noches", "gute Nacht", "buona notte"),
        "please": ("s'il vous plaît", "por favor", "bitte", "per favore"),
        "good morning": ("bonjour", "buenos días", "guten Morgen", "buongiorno"),
        "goodbye": ("au revoir", "adiós", "auf Wiedersehen", "arrivederci"),
    },
    "noun": {
        "cat": ("chat", "gato", "Katze", "gatto"), "dog": ("chien", "perro", "Hund", "cane"),
        "house": ("maison", "casa", "Haus", "casa"), "water": ("eau", "agua", "Wasser", "acqua"),
        "bread": ("pain", "pan", "Brot", "pane"), "sun": ("soleil", "sol", "Sonne", "sole"),
        "moon": ("lune", "luna", "Mond", "luna"), "book": ("livre", "libro", "Buch", "libro"),
        "apple": ("pomme", "manzana", "Apfel", "mela"), "tree": ("arbre", "árbol", "Baum", "albero"),
        "friend": ("ami", "amigo", "Freund", "amico"), "milk": ("lait", "leche", "Milch", "latte"),
    },
}
LANGUAGES = ("French", "Spanish", "German", "Italian")
ARTICLES = ("le", "la", "les", "l'", "un", "une", "el", "los", "las", "der", "die", "das", "il", "lo", "i", "gli")

PAST = {
    "go": "went", "see": "saw", "eat": "ate", "take": "took", "write": "wrote", "run": "ran", "swim": "swam",
    "sing": "sang", "drink": "drank", "give": "gave", "come": "came", "make": "made", "buy": "bought",
    "think": "thought", "bring": "brought", "teach": "taught", "catch": "caught", "fly": "flew", "know": "knew",
    "speak": "spoke", "break": "broke", "choose": "chose", "drive": "drove", "sleep": "slept", "feel": "felt",
    "walk": "walked", "play": "played", "jump": "jumped", "cook": "cooked", "clean": "cleaned", "watch": "watched",
    "open": "opened", "stop": "stopped", "carry": "carried", "study": "studied", "try": "tried",
}
ING = {
    "run": "running", "swim": "swimming", "sit": "sitting", "stop": "stopping", "make": "making",
    "write": "writing", "ride": "riding", "dance": "dancing", "play": "playing", "read": "reading",
    "eat": "eating", "sing": "singing", "jump": "jumping", "lie": "lying", "die": "dying", "tie": "tying",
    "cook": "cooking", "walk": "walking", "shop": "shopping", "plan": "planning", "come": "coming",
}
COMPARATIVES = {
    "big": ("bigger", "biggest"), "small": ("smaller", "smallest"), "fast": ("faster", "fastest"),
    "slow": ("slower", "slowest"), "tall": ("taller", "tallest"), "happy": ("happier", "happiest"),
    "good": ("better", "best"), "bad": ("worse", "worst"), "hot": ("hotter", "hottest"),
    "cold": ("colder", "coldest"), "easy": ("easier", "easiest"), "young": ("younger", "youngest"),
    "old": ("older", "oldest"), "long": ("longer", "longest"), "short": ("shorter", "shortest"),
    "heavy": ("heavier", "heaviest"), "strong": ("stronger", "strongest"), "far": ("farther", "farthest"),
    "beautiful": ("more beautiful", "most beautiful"),
    "famous": ("more famous", "most famous"), "busy": ("busier", "busiest"), "thin": ("thinner", "thinnest"),
}
ADVERBS = {
    "quick": "quickly", "slow": "slowly", "happy": "happily", "easy": "easily", "careful": "carefully",
    "quiet": "quietly", "loud": "loudly", "gentle": "gently", "sad": "sadly", "brave": "bravely",
    "kind": "kindly", "polite": "politely", "true": "truly", "safe": "safely", "bright": "brightly",
    "angry": "angrily", "calm": "calmly", "honest": "honestly", "simple": "simply", "warm": "warmly",
}
PALINDROMES = ("level", "radar", "kayak", "civic", "noon", "refer", "madam", "rotor", "stats", "racecar",
               "deed", "peep", "solos", "tenet")
FRACTIONS = (("1/2", 50), ("1/4", 25), ("3/4", 75), ("1/5", 20), ("2/5", 40), ("3/5", 60), ("4/5", 80),
             ("1/10", 10), ("3/10", 30), ("7/10", 70), ("9/10", 90), ("1/20", 5), ("1/25", 4), ("1/50", 2),
             ("1/1", 100), ("1/100", 1), ("3/20", 15), ("7/20", 35))
# name, factor, from-unit words, to-unit words
METRIC = (("km_to_m", 1000, "kilometres", "metres", "km", "m"), ("m_to_cm", 100, "metres", "centimetres", "m", "cm"),
          ("kg_to_g", 1000, "kilograms", "grams", "kg", "g"), ("l_to_ml", 1000, "litres", "millilitres", "l", "ml"),
          ("cm_to_mm", 10, "centimetres", "millimetres", "cm", "mm"))
TIME_UNITS = (("hours_to_minutes", 60, "hours", "minutes", "h", "min"),
              ("minutes_to_seconds", 60, "minutes", "seconds", "min", "s"),
              ("days_to_hours", 24, "days", "hours", "days", "h"), ("weeks_to_days", 7, "weeks", "days", "weeks", "days"))

# Filler sentences that lengthen an answer: no digits, commas, contractions, "!" or "?".
ELABORATIONS = (
    "This is a well known fact.", "Many people learn it at school.", "It is easy to remember.",
    "You can find it in most books.", "I hope this answer helps you.", "Let me know if you want more details.",
    "It is a good question to ask.", "Teachers often mention it in class.", "Children usually learn this early.",
    "It is one of the basic facts of everyday life.", "Most encyclopedias agree on this point.",
    "It comes up often in quizzes and games.",
)
CONTRACTIONS = ("n't", "'re", "'ve", "'ll", "'m", "'d", "it's", "that's", "there's", "here's", "what's", "let's",
                "he's", "she's", "who's")

_ONES = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
         "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen")
_TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")


def number_to_words(n: int) -> str:
    """English words of 0 <= n < 1,000,000 ("one hundred twenty-three"; no "and").

    >>> number_to_words(123), number_to_words(40), number_to_words(7005)
    ('one hundred twenty-three', 'forty', 'seven thousand five')
    """
    if not 0 <= n < 1_000_000:
        raise ValueError(f"number out of range: {n}")
    if n < 20:
        return _ONES[n]
    if n < 100:
        return _TENS[n // 10] + ("" if n % 10 == 0 else "-" + _ONES[n % 10])
    if n < 1000:
        return _ONES[n // 100] + " hundred" + ("" if n % 100 == 0 else " " + number_to_words(n % 100))
    return number_to_words(n // 1000) + " thousand" + ("" if n % 1000 == 0 else " " + number_to_words(n % 1000))


def to_roman(n: int) -> str:
    """Roman numeral of 1 <= n < 4000.

    >>> to_roman(1994)
    'MCMXCIV'
    """
    if not 1 <= n < 4000:
        raise ValueError(f"number out of range: {n}")
    out = []
    for value, sym in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"),
                       (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while n >= value:
            out.append(sym)
            n -= value
    return "".join(out)


def fold(text: str) -> str:
    """Lower case without accents or surrounding punctuation, for comparing words across languages.

    >>> fold(" Grün! "), fold("Adiós.")
    ('grun', 'adios')
    """
    t = unicodedata.normalize("NFKD", text.strip().lower().replace("ß", "ss"))
    t = "".join(c for c in t if not unicodedata.combining(c))
    return " ".join(t.strip(" .!?,;:\"'").split())
