"""The registers of narrative documents (memo, e-mail, minutes, diary, blog, news, ticket, letter, recipe, review).

Each register writes a document's head and tail around the body paragraphs of :mod:`engine.data.narrative_prose`
and brings its own asides (filler sentences, :mod:`engine.data.narrative_tables`); some suit only some schemas.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Callable

from engine.data.facts.names import TEAMS
from engine.data.facts.render import _cap
from engine.data.narrative_prose import Content, _body, _entity_paras, _leads, _no_lead
from engine.data.narrative_tables import (BLOG_ASIDES, DIARY_ASIDES, EMAIL_ASIDES, LETTER_ASIDES, MEMO_ASIDES,
                                          MINUTES_ASIDES, NEWS_ASIDES, NEWSWORTHY, RECIPE_ASIDES, REVIEW_ASIDES,
                                          SERVICE, TICKET_ASIDES)

# --------------------------------------------------------------------------------------
# Registers. Each returns (head blocks, body paragraphs, tail blocks); filler goes into the body.
# --------------------------------------------------------------------------------------

Parts = tuple[list[str], list[str], list[str]]


def _first(person: str) -> str:
    return person.split()[0]


def _r_memo(c: Content, rng: random.Random) -> Parts:
    sender = c.people[0]
    t = c.main.name.title
    head = [f"MEMO\nTo: {rng.choice(TEAMS)}\nFrom: {sender}\nDate: {c.date}\nSubject: {t}",
            rng.choice((f"A few people have asked me about {c.main.name.mention}, so here is where things stand.",
                        f"This note pulls together what we currently know about {c.main.name.mention}.",
                        f"Please read this before the next round of questions about {c.main.name.mention}."))]
    return head, _body(c, rng), [f"Thanks,\n{_first(sender)}"]


def _r_email(c: Content, rng: random.Random) -> Parts:
    sender, recipient = c.people[0], c.people[1]
    m = c.main.name.mention
    head = [f"From: {sender}\nTo: {recipient}\nSubject: {rng.choice(('Re: ', 'Fwd: ', ''))}{c.main.name.title}",
            f"Hi {_first(recipient)},",
            rng.choice((f"You asked about {m} the other day, and I finally have the details.",
                        f"Sorry for the slow reply. Here is what I found out about {m}.",
                        f"Quick update on {m}, since a couple of things have changed."))]
    tail = [rng.choice(("Let me know if anything is unclear.", "Shout if you need anything else.",
                        "Hope that helps.")),
            f"{rng.choice(('Best', 'Cheers', 'Thanks', 'All the best'))},\n{_first(sender)}"]
    return head, _body(c, rng), tail


def _r_minutes(c: Content, rng: random.Random) -> Parts:
    chair, clerk, member = c.people
    speakers = (chair, member, clerk)

    a, b, d = (_first(p) for p in speakers)
    lead = _leads(rng, (f"{a} reported that ", "It was noted that ", f"{b} confirmed that ",
                        f"{d} reminded everyone that ", f"{b} pointed out that "), 0.5)

    head = [f"Minutes of the {rng.choice(('committee', 'team', 'steering group', 'residents'))} meeting, {c.date}",
            f"Present: {chair} (chair), {member}, {clerk} (notes)",
            f"Item 1: {c.main.name.title}"]
    body = _entity_paras(c, c.main, rng, lead)
    if c.second:
        other = _entity_paras(c, c.second, rng, _no_lead)
        other[0] = f"Item 2: {c.second.name.title}\n" + other[0]
        body += other
    return head, body, ["Actions: circulate these notes and confirm any open points by e-mail.",
                        f"Notes taken by {_first(clerk)}."]


def _r_diary(c: Content, rng: random.Random) -> Parts:
    m = c.main.name.mention

    lead = _leads(rng, ("Apparently, ", "As it turns out, ", "I found out that ", "Funny enough, "), 0.3)
    head = ["Dear diary,",
            rng.choice((f"Long day. Most of it went on {m}, so I am writing it down before I forget.",
                        f"I finally sat down this evening and sorted out what I know about {m}.",
                        f"Someone asked me about {m} today and I realised I had it all muddled."))]
    return head, _body(c, rng, lead), [rng.choice(("More tomorrow.", "Time for bed.", "Enough for one day."))]


def _r_blog(c: Content, rng: random.Random) -> Parts:
    m = c.main.name.mention
    head = [rng.choice((f"Everything you wanted to know about {m}", f"A few words on {m}",
                        f"Why I keep coming back to {m}")),
            rng.choice((f"I have been meaning to write about {m} for ages, and readers keep asking.",
                        f"This post is a bit different: no pictures, just what I have learned about {m}."))]
    tail = [rng.choice(("Thanks for reading, and see you in the comments.",
                        "If I got anything wrong, tell me below and I will fix it."))]
    return head, _body(c, rng, _leads(rng, ("Honestly, ", "For what it is worth, ", "Fun fact: "), 0.3)), tail


def _r_news(c: Content, rng: random.Random) -> Parts:
    spokes = c.people[0]
    m = c.main.name.mention
    head = [rng.choice((f"Changes ahead for {m}", f"What is new with {m}", f"{_cap(m)}: the latest"))]
    body = _body(c, rng)
    body[0] = f"{c.town.upper()} — " + body[0]
    quote = rng.choice(c.schema.filler)[:-1]
    body.insert(min(1, len(body)), f'"{quote}," said {spokes}, who follows the matter closely.')
    return head, body, []


def _r_ticket(c: Content, rng: random.Random) -> Parts:
    customer, agent = c.people[0], c.people[1]
    m = c.main.name.mention
    head = [f"Support ticket #{c.code}\nSubject: Question about {c.main.name.title}\nStatus: resolved",
            f"Customer ({customer}) wrote: " + rng.choice((
                f"Hello, I keep getting different answers about {m}. Can someone confirm the details?",
                f"Hi, the information I have about {m} seems out of date. What is correct now?")),
            f"Reply from {agent}: Thanks for getting in touch, and sorry for the confusion. Here is the current picture."]
    return head, _body(c, rng), [f"I hope this clears things up.\n{_first(agent)}, customer support"]


def _r_letter(c: Content, rng: random.Random) -> Parts:
    writer, reader = c.people[0], c.people[1]
    m = c.main.name.mention
    head = [f"{c.town}, {c.date}", f"Dear {_first(reader)},",
            rng.choice((f"Thank you for your letter. You asked about {m}, and I am glad to tell you what I know.",
                        f"I promised to write to you about {m}, so here it is at last."))]
    return head, _body(c, rng), [rng.choice(("With best wishes,", "Yours,", "Warmly,")) + f"\n{writer}"]


def _r_recipe_intro(c: Content, rng: random.Random) -> Parts:
    m = c.main.name.mention
    head = [c.main.name.title,
            rng.choice((f"Before the recipe itself, a little story. {_cap(m)} has been on our table for years.",
                        f"Every family has one dish that everyone asks for, and for us it is {m}."))]
    tail = ["Right, enough talk: the full method is below. Happy baking!"]
    return head, _body(c, rng, _leads(rng, ("By the way, ", "Good to know: "), 0.3)), tail


def _r_review(c: Content, rng: random.Random) -> Parts:
    reviewer = c.people[0]
    m = c.main.name.mention
    head = [f"{rng.choice(('★★★★☆', '★★★☆☆', '★★★★★'))} {c.main.name.title}\nReviewed by {reviewer}",
            rng.choice((f"I have been using {m} for a few weeks now, so here is my honest take.",
                        f"I was not sure about {m} at first, but it has grown on me."))]
    tail = [rng.choice(("Would I buy it again? Probably.", "All in all, a solid choice.",
                        "Not perfect, but good value."))]
    return head, _body(c, rng), tail


@dataclass(frozen=True)
class Register:
    """A kind of human text. ``schemas`` None means it suits any schema."""

    name: str
    write: Callable[[Content, random.Random], Parts]
    filler: tuple[str, ...]
    schemas: tuple[str, ...] | None = None

    def fits(self, schema_name: str) -> bool:
        return self.schemas is None or schema_name in self.schemas


REGISTERS = (
    Register("memo", _r_memo, MEMO_ASIDES),
    Register("email", _r_email, EMAIL_ASIDES),
    Register("minutes", _r_minutes, MINUTES_ASIDES),
    Register("diary", _r_diary, DIARY_ASIDES),
    Register("blog", _r_blog, BLOG_ASIDES),
    Register("news", _r_news, NEWS_ASIDES, NEWSWORTHY),
    Register("support_ticket", _r_ticket, TICKET_ASIDES, SERVICE),
    Register("letter", _r_letter, LETTER_ASIDES),
    Register("recipe_intro", _r_recipe_intro, RECIPE_ASIDES, ("recipe",)),
    Register("review", _r_review, REVIEW_ASIDES, ("product",)),
)
SPECIFIC_WEIGHT = 3


def register_names() -> list[str]:
    return sorted(r.name for r in REGISTERS)
