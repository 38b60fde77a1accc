"""Generic templates (any schema): each takes a Scene and a seeded rng, returns the document text."""
from __future__ import annotations

import random

from engine.data.facts.names import TEAMS
from engine.data.facts.render import (_body, _cap, _filler_paras, _first, _join, _kv, _main_paras, _other_paras, _poss,
                                      _sentence, _sentences, _weave)
from engine.data.facts.schemas import Entity, Fact, Scene

_CHAT_REACTIONS = ("oh nice", "good to know", "wait, really?", "ok, noted", "huh, I had no idea",
                   "thanks!", "makes sense", "right", "got it")
_INTERVIEW_PROMPTS = ("What else should people know?", "Interesting. Go on.",
                      "Anything that surprised you?", "And beyond that?",
                      "What stands out to you?", "Tell us a bit more.")


def _t_prose(sc: Scene, rng: random.Random) -> str:
    return _join(_body(sc, rng, most=3))


def _t_kv_lines(sc: Scene, rng: random.Random) -> str:
    name = sc.main.name
    header = rng.choice((name.title, f"Fact sheet: {name.title}",
                         f"{_cap(name.noun)} record: {name.title}"))
    others = [f"{d.name.title}\n" + "\n".join(_kv(d)) for d in sc.distractors]
    notes = "Notes: " + " ".join(sc.filler) if sc.filler else None
    return _join(header + "\n" + "\n".join(_kv(sc.main)), notes,
                 "Also on file:" if others else None, others)


def _t_bullets(sc: Scene, rng: random.Random) -> str:
    m = sc.main.name.mention
    intro = rng.choice((f"Key facts about {m}:", f"What you need to know about {m}:",
                        f"{_cap(m)} at a glance:"))
    bullets = "\n".join("- " + s for s in _sentences(sc.main, rng))
    others = "\n".join("- " + s for d in sc.distractors for s in _sentences(d, rng, every_full=True))
    return _join(intro + "\n" + bullets, _filler_paras(sc.filler, rng),
                 "For comparison:\n" + others if others else None)


def _qa_pair(entity: Entity, fact: Fact, rng: random.Random) -> str:
    m = entity.name.mention
    q = rng.choice(fact.attr.questions).format(n=m, np=_poss(m))
    return f"Q: {q}\nA: {_sentence(entity, fact, rng, full=False)}"


def _t_faq(sc: Scene, rng: random.Random) -> str:
    pairs = [_qa_pair(e, f, rng) for e in (sc.main, *sc.distractors) for f in e.facts]
    paras = _filler_paras(sc.filler, rng)
    return _join(f"Frequently asked questions: {sc.main.name.title}", paras[:1],
                 rng.sample(pairs, len(pairs)), paras[1:])


def _t_email(sc: Scene, rng: random.Random) -> str:
    sender, recipient, _ = sc.people
    m, t = sc.main.name.mention, sc.main.name.title
    subject = rng.choice((f"Notes on {t}", f"Re: {t}", f"Quick update about {t}"))
    opener = rng.choice((f"I wanted to pass on a few details about {m}.",
                         f"As promised, here is what I found out about {m}.",
                         f"Here is a short summary on {m} before our call."))
    closing = rng.choice(("Best regards", "Thanks", "Cheers", "Kind regards"))
    header = f"From: {sender}\nTo: {recipient}\nSubject: {subject}"
    return _join(header, f"Hi {_first(recipient)},", opener, _body(sc, rng),
                 f"{closing},\n{_first(sender)}")


def _t_memo(sc: Scene, rng: random.Random) -> str:
    sender, _, _ = sc.people
    header = (f"MEMORANDUM\nTo: {rng.choice(TEAMS)}\nFrom: {sender}\nDate: {sc.date}\n"
              f"Re: {sc.main.name.title}")
    return _join(header, _body(sc, rng, most=3))


def _t_diary(sc: Scene, rng: random.Random) -> str:
    m = sc.main.name.mention
    opening = rng.choice((f"Today I finally sat down and read everything I could find about {m}.",
                          f"I spent the evening making notes on {m}.",
                          f"Someone at work asked me about {m}, so I looked it all up."))
    main = _main_paras(sc.main, rng, 2)
    others = [rng.choice(("I keep mixing it up with {d}, so for the record:",
                          "Then there is {d}, which is a different story.",
                          "Not to be confused with {d}, of course.")).format(d=d.name.mention)
              + " " + " ".join(_sentences(d, rng)) for d in sc.distractors]
    closing = rng.choice(("More tomorrow.", "Time for bed.", "That's enough for one day."))
    return _join("Dear diary,", opening, _weave(main, others + _filler_paras(sc.filler, rng), rng),
                 closing)


def _t_press_release(sc: Scene, rng: random.Random) -> str:
    t = sc.main.name.title
    main = _main_paras(sc.main, rng, 2)
    quote = sc.filler[:1]
    rest = _weave(main[1:], _other_paras(sc, rng) + _filler_paras(sc.filler[1:], rng), rng)
    said = f'"{quote[0][:-1]}," said {sc.people[0]}, a spokesperson.' if quote else None
    headline = rng.choice((f"News about {t}", f"Announcement: {t}", f"{t}: the facts"))
    return _join("FOR IMMEDIATE RELEASE", headline, f"{sc.town.upper()}, {sc.date} — {main[0]}",
                 rest, said, "###")


def _t_table(sc: Scene, rng: random.Random) -> str:
    attrs = [f.attr for f in sc.main.facts]
    rows = [sc.main, *sc.distractors]
    rows = rng.sample(rows, len(rows))

    def cells(e: Entity) -> str:
        values = [(e.get(a.key).shown if e.get(a.key) else "-") for a in attrs]
        return "| " + " | ".join([e.name.title, *values]) + " |"

    head = "| " + " | ".join([_cap(sc.main.name.noun), *(a.label for a in attrs)]) + " |"
    rule = "|" + "---|" * (len(attrs) + 1)
    intro = rng.choice(("The table below summarises the records.", "Summary table:",
                        "Overview of the current records:"))
    notes = "Notes: " + " ".join(sc.filler) if sc.filler else None
    return _join(intro, "\n".join([head, rule, *map(cells, rows)]), notes)


def _t_story(sc: Scene, rng: random.Random) -> str:
    narrator = sc.people[0]
    m = sc.main.name.mention
    opening = rng.choice(("{p} first heard about {m} on a rainy afternoon.",
                          "It was {p} who got everyone talking about {m}.",
                          "Nobody knew more about {m} than {p}.")).format(p=narrator, m=m)
    others = [f"{_first(narrator)} also kept notes on {d.name.mention}. "
              + " ".join(_sentences(d, rng)) for d in sc.distractors]
    closing = rng.choice(("By evening, {f} had filled half a notebook.",
                          "{f} smiled and closed the folder.",
                          "And that, {f} said, was all there was to it.")).format(f=_first(narrator))
    main = _main_paras(sc.main, rng, 3)
    return _join(opening, _weave(main, others + _filler_paras(sc.filler, rng), rng), closing)


def _t_wiki(sc: Scene, rng: random.Random) -> str:
    main = _main_paras(sc.main, rng, 2)
    fill = _filler_paras(sc.filler, rng)
    related = ["See also"] + _other_paras(sc, rng) if sc.distractors else None
    return _join(sc.main.name.title, main[0], "Overview" if len(main) > 1 or fill else None,
                 main[1:], fill, related)


def _t_comparison(sc: Scene, rng: random.Random) -> str:
    if not sc.distractors:
        return _t_prose(sc, rng)
    m, other = sc.main.name.mention, sc.distractors[0].name.mention
    intro = rng.choice((f"People often confuse {m} with {other}, so here is how to tell them apart.",
                        f"A short comparison of {m} and {other}.",
                        f"How does {m} differ from {other}? Read on."))
    return _join(intro, _body(sc, rng))


def _t_chat(sc: Scene, rng: random.Random) -> str:
    a, b = _first(sc.people[0]), _first(sc.people[1])
    m = sc.main.name.mention
    lines = [f"{a}: " + rng.choice((f"hey, do you know anything about {m}?",
                                    f"quick question about {m}", f"what's the story with {m}?"))]
    for s in _sentences(sc.main, rng):
        lines.append(f"{b}: {s}")
        if rng.random() < 0.4:
            lines.append(f"{a}: {rng.choice(_CHAT_REACTIONS)}")
    for d in sc.distractors:
        lines.append(f"{a}: and what about {d.name.mention}?")
        lines += [f"{b}: {s}" for s in _sentences(d, rng)]
    for s in sc.filler:
        lines.insert(rng.randint(2, len(lines)), f"{rng.choice((a, b))}: {s}")
    return "\n".join(lines + [f"{a}: {rng.choice(_CHAT_REACTIONS)}"])


def _t_voicemail(sc: Scene, rng: random.Random) -> str:
    sender, recipient, _ = sc.people
    m = sc.main.name.mention
    hello = f"Hi {_first(recipient)}, it's {_first(sender)}. I'm calling about {m}."
    others = [f"Oh, and one more thing, about {d.name.mention}. " + " ".join(_sentences(d, rng))
              for d in sc.distractors]
    paras = _weave(_main_paras(sc.main, rng, 2), others + _filler_paras(sc.filler, rng), rng)
    paras[0] = hello + " " + paras[0]
    paras[-1] += " Anyway, call me back when you get a chance. Bye!"
    return _join(f"Voicemail transcript\nFrom: {sender}", paras)


def _t_notice(sc: Scene, rng: random.Random) -> str:
    lines = "\n".join(_sentences(sc.main, rng))
    others = [f"Please note: {' '.join(_sentences(d, rng))}" for d in sc.distractors]
    return _join("NOTICE", sc.main.name.title.upper(), lines, _filler_paras(sc.filler, rng),
                 others, f"Questions? Please speak to {sc.people[0]}.")


def _t_interview(sc: Scene, rng: random.Random) -> str:
    guest = _first(sc.people[1])
    m = sc.main.name.mention
    turns = [f"Interviewer: Thanks for joining us, {guest}. Let's talk about {m}."]
    replies = _main_paras(sc.main, rng, 3)
    filler = list(sc.filler)
    for i, reply in enumerate(replies):
        if i:
            turns.append(f"Interviewer: {rng.choice(_INTERVIEW_PROMPTS)}")
        extra = " ".join(filler[i::len(replies)])
        opener = "Happy to. " if i == 0 else ""
        turns.append(f"{guest}: {opener}{reply}" + (f" {extra}" if extra else ""))
    for d in sc.distractors:
        turns += [f"Interviewer: And what about {d.name.mention}?",
                  f"{guest}: " + " ".join(_sentences(d, rng))]
    return "\n\n".join(turns)


