"""Sentence helpers shared by the templates: articles, possessives, fact sentences, paragraphs, joining blocks."""
from __future__ import annotations

import random

from engine.data.facts.schemas import Entity, Fact, Scene

_YU_SOUNDS = ("uni", "ukulele", "euro", "one")


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _poss(text: str) -> str:
    """Possessive: 'it' -> 'its', 'Nadia' -> "Nadia's", 'Kestrel Works' -> "Kestrel Works'"."""
    if text == "it":
        return "its"
    return text + ("'" if text.endswith("s") else "'s")


def _article(word: str) -> str:
    """'iguana' -> 'an iguana', 'ukulele' -> 'a ukulele'."""
    vowel = word[:1].lower() in "aeiou" and not word.lower().startswith(_YU_SOUNDS)
    return ("an " if vowel else "a ") + word


def _sentence(entity: Entity, fact: Fact, rng: random.Random, full: bool) -> str:
    """One sentence stating ``fact``; ``full`` names the entity, otherwise a short reference.

    "it" is only used where the clause opens with the subject ("It costs €40."),
    never in object position ("the mayor of it").
    """
    clause = rng.choice(fact.attr.clauses)
    name = entity.name
    subject = name.mention
    if not full:
        opens = clause.startswith(("{S}", "{P}"))
        subject = rng.choice([r for r in name.refs if r != "it" or opens] + [name.mention])
    v = fact.value.text
    return clause.format(S=_cap(subject), s=subject, P=_cap(_poss(subject)), p=_poss(subject),
                         v=v, av=_article(v))


def _sentences(entity: Entity, rng: random.Random, facts: list[Fact] | None = None,
               every_full: bool = False) -> list[str]:
    """Sentences for ``facts`` (default: all, shuffled); the first always names the entity."""
    if facts is None:
        facts = rng.sample(list(entity.facts), len(entity.facts))
    return [_sentence(entity, f, rng, every_full or i == 0) for i, f in enumerate(facts)]


def _chunks(items: list, n: int) -> list[list]:
    """Split ``items`` into ``n`` nearly equal, non-empty runs (fewer if too short)."""
    n = max(1, min(n, len(items)))
    size, extra = divmod(len(items), n)
    out, start = [], 0
    for i in range(n):
        end = start + size + (i < extra)
        out.append(items[start:end])
        start = end
    return out


def _main_paras(entity: Entity, rng: random.Random, most: int) -> list[str]:
    """The entity's facts as 1..most paragraphs, each opening with its full name."""
    facts = rng.sample(list(entity.facts), len(entity.facts))
    runs = _chunks(facts, rng.randint(1, most))
    return [" ".join(_sentences(entity, rng, run)) for run in runs]


def _filler_paras(filler: tuple[str, ...], rng: random.Random) -> list[str]:
    runs = _chunks(list(filler), max(1, len(filler) // 3))
    return [" ".join(run) for run in runs if run]


def _other_paras(sc: Scene, rng: random.Random) -> list[str]:
    return [" ".join(_sentences(d, rng)) for d in sc.distractors]


def _weave(fixed: list[str], loose: list[str], rng: random.Random) -> list[str]:
    """Insert ``loose`` blocks at random places after the first of ``fixed``, keeping orders."""
    out = list(fixed)
    for block in loose:
        out.insert(rng.randint(min(1, len(out)), len(out)), block)
    return out


def _body(sc: Scene, rng: random.Random, most: int = 2) -> list[str]:
    """Main paragraphs first, then distractor and filler paragraphs mixed in after."""
    main = _main_paras(sc.main, rng, most)
    rest = _weave(main[1:], _other_paras(sc, rng), rng)
    return main[:1] + _weave(rest, _filler_paras(sc.filler, rng), rng)


def _kv(entity: Entity, style: str = "{label}: {value}") -> list[str]:
    return [style.format(label=f.attr.label, value=f.shown, LABEL=f.attr.label.upper())
            for f in entity.facts]


def _kv_inline(entity: Entity) -> str:
    return f"{entity.name.title}: " + "; ".join(_kv(entity)) + "."


def _first(person: str) -> str:
    return person.split()[0]


def _join(*blocks: str | list[str] | None) -> str:
    """Join non-empty blocks (strings or lists of strings) with blank lines."""
    flat: list[str] = []
    for b in blocks:
        flat.extend([b] if isinstance(b, str) else (b or []))
    return "\n\n".join(x for x in flat if x)


