"""Schema-specific templates (a staff profile, an invoice, a recipe card, ...) and the form helpers they share."""
from __future__ import annotations

import random

from engine.data.facts.generic_templates import _t_prose
from engine.data.facts.names import TEAMS
from engine.data.facts.render import (_body, _filler_paras, _first, _join, _kv, _kv_inline, _main_paras, _other_paras,
                                      _sentences, _weave)
from engine.data.facts.schemas import Entity, Fact, Scene


def _split_facts(entity: Entity, keys: tuple[str, ...]) -> tuple[list[Fact], list[Fact]]:
    """Facts whose key is in ``keys`` (schema order), and the others."""
    inside = [f for f in entity.facts if f.attr.key in keys]
    return inside, [f for f in entity.facts if f.attr.key not in keys]


def _prose_of(entity: Entity, facts: list[Fact], rng: random.Random) -> str | None:
    return " ".join(_sentences(entity, rng, rng.sample(facts, len(facts)))) if facts else None


def _others_block(sc: Scene, header: str) -> str | None:
    if not sc.distractors:
        return None
    return header + "\n" + "\n".join(_kv_inline(d) for d in sc.distractors)


def _record_form(sc: Scene, rng: random.Random, header: str, style: str, notes: str,
                 others: str) -> str:
    """A form: heading, one labelled line per fact, a notes section, other records inline."""
    notes_block = f"{notes}\n" + " ".join(sc.filler) if sc.filler else None
    return _join(header + "\n" + "\n".join(_kv(sc.main, style)), notes_block,
                 _others_block(sc, others))


def _letter(sc: Scene, rng: random.Random, greeting: str, opener: str, signoff: str) -> str:
    return _join(greeting, opener, _body(sc, rng), signoff)


def _intro_others(sc: Scene, rng: random.Random, lead: str) -> list[str]:
    """Distractor paragraphs, each opened by ``lead`` formatted with the distractor's mention."""
    return [lead.format(d=d.name.mention) + " " + " ".join(_sentences(d, rng))
            for d in sc.distractors]


def _led_body(sc: Scene, rng: random.Random, lead: str, most: int = 2) -> list[str]:
    """Main paragraphs with lead-in distractor paragraphs and filler woven in after the first."""
    loose = _intro_others(sc, rng, lead) + _filler_paras(sc.filler, rng)
    return _weave(_main_paras(sc.main, rng, most), loose, rng)


def _t_staff_profile(sc: Scene, rng: random.Random) -> str:
    e = sc.main
    top, rest = _split_facts(e, ("profession", "employer"))
    head = "STAFF PROFILE\nName: " + e.name.title + "".join(f"\n{f.attr.label}: {f.shown}" for f in top)
    about = f"About {e.name.refs[0]}\n" + (_prose_of(e, rest, rng) or "")
    return _join(head, about, _filler_paras(sc.filler, rng),
                 _others_block(sc, "Colleagues on the same team:"))


def _t_reference_letter(sc: Scene, rng: random.Random) -> str:
    m = sc.main.name.mention
    opener = rng.choice((f"I am writing to recommend {m}, whom I have known for several years.",
                         f"It is a pleasure to write in support of {m}."))
    body = _led_body(sc, rng, "I have also worked with {d}.")
    return _join("To whom it may concern,", opener, body, f"Yours faithfully,\n{sc.people[0]}")


def _t_speaker_intro(sc: Scene, rng: random.Random) -> str:
    first = sc.main.name.refs[0]
    body = _led_body(sc, rng, "Earlier today you heard from {d}.")
    return _join(f"Good evening, everyone. Please welcome our next speaker, {sc.main.name.mention}.",
                 body, f"So, without further ado, please give {first} a warm welcome!")


def _t_about_page(sc: Scene, rng: random.Random) -> str:
    main = _main_paras(sc.main, rng, 2)
    return _join(f"About {sc.main.name.title}", "Our story\n" + main[0],
                 ["What we do\n" + main[1]] if len(main) > 1 else None, _filler_paras(sc.filler, rng),
                 ["Partners and neighbours"] + _other_paras(sc, rng) if sc.distractors else None)


def _t_investor_brief(sc: Scene, rng: random.Random) -> str:
    e = sc.main
    figures, rest = _split_facts(e, ("founded", "employees", "revenue", "offices"))
    lines = "\n".join(f"- {f.attr.label}: {f.shown}" for f in figures)
    key = f"Key figures\n{lines}" if figures else None
    ops = "Leadership and operations\n" + _prose_of(e, rest, rng) if rest else None
    outlook = "Outlook\n" + " ".join(sc.filler) if sc.filler else None
    return _join(f"Investor brief: {e.name.title}", key, ops, _others_block(sc, "Peer comparison:"),
                 outlook)


def _t_spec_sheet(sc: Scene, rng: random.Random) -> str:
    name = sc.main.name
    return _record_form(sc, rng, f"{name.title}: technical specifications\nProduct type: {name.noun}",
                        "{label:.<22} {value}", "Good to know", "Compare with:")


def _t_review(sc: Scene, rng: random.Random) -> str:
    m = sc.main.name.mention
    reviewer = sc.people[0]
    body = _led_body(sc, rng, "Before this, I had a look at {d}.")
    return _join(f"Review: {sc.main.name.title}\nRating: ★★★★☆",
                 f"I bought {m} a few weeks ago, and here is my honest take.", body, f"— {reviewer}")


def _t_guidebook(sc: Scene, rng: random.Random) -> str:
    lead, rest = _main_paras(sc.main, rng, 1)[0], _filler_paras(sc.filler, rng)
    nearby = ["Nearby"] + _other_paras(sc, rng) if sc.distractors else None
    return _join(f"{sc.main.name.title}: a visitor's guide", lead, "Good to know" if rest else None,
                 rest, nearby)


def _t_council_newsletter(sc: Scene, rng: random.Random) -> str:
    fill = _filler_paras(sc.filler, rng)
    neighbours = ["News from neighbouring towns"] + _other_paras(sc, rng) if sc.distractors else None
    return _join(f"{sc.main.name.title} Town Council Newsletter",
                 ["From the editor"] + fill[:1] if fill else None,
                 "Facts and figures", _main_paras(sc.main, rng, 2), fill[1:], neighbours)


def _t_poster(sc: Scene, rng: random.Random) -> str:
    lines = "\n".join(_kv(sc.main, "{LABEL} — {value}"))
    also = _others_block(sc, "ALSO COMING UP")
    return _join(sc.main.name.title.upper(), lines, " ".join(sc.filler) or None, also)


def _t_invitation(sc: Scene, rng: random.Random) -> str:
    body = _led_body(sc, rng, "Please note that {d} is a separate event.")
    return _join(f"You are warmly invited to {sc.main.name.mention}!", body,
                 f"We hope to see you there.\n{sc.people[0]}")


def _t_radio_ad(sc: Scene, rng: random.Random) -> str:
    spots = [f"ANNOUNCER: {p}" for p in _main_paras(sc.main, rng, 2)]
    spots += [f"ANNOUNCER: And coming soon: {p}" for p in _other_paras(sc, rng)]
    spots = _weave(spots, [f"SECOND VOICE: {p}" for p in _filler_paras(sc.filler, rng)], rng)
    return _join("[Radio advert, thirty seconds]", spots, "ANNOUNCER: Don't miss it!")


def _t_minutes(sc: Scene, rng: random.Random) -> str:
    e = sc.main
    top, rest = _split_facts(e, ("date", "chair", "minutes", "room", "attendees"))
    head = f"MINUTES: {e.name.title}\n" + "\n".join(f"{f.attr.label}: {f.shown}" for f in top)
    fill = _filler_paras(sc.filler, rng)
    lead = "For comparison, the notes on {d} were read out."
    aob = ["Any other business"] + _intro_others(sc, rng, lead) if sc.distractors else None
    return _join(head, ["Opening"] + fill[:1] if fill else None,
                 "Decisions\n" + _prose_of(e, rest, rng) if rest else None, fill[1:], aob)


def _t_summary_email(sc: Scene, rng: random.Random) -> str:
    m = sc.main.name.mention
    bullets = "\n".join("- " + s for s in _sentences(sc.main, rng))
    others = _intro_others(sc, rng, "For reference, here are the notes on {d}.")
    header = f"From: {sc.people[0]}\nTo: {rng.choice(TEAMS)}\nSubject: Summary of {sc.main.name.title}"
    return _join(header,
                 f"Hi all, here is a short summary of {m}.", bullets, _filler_paras(sc.filler, rng),
                 others, f"Thanks,\n{_first(sc.people[0])}")


def _t_invoice(sc: Scene, rng: random.Random) -> str:
    return _record_form(sc, rng, f"INVOICE\n{sc.main.name.title}\nDate issued: {sc.date}",
                        "{label}: {value}", "Notes:", "Other open invoices:")


def _t_reminder_letter(sc: Scene, rng: random.Random) -> str:
    body = _led_body(sc, rng, "For your records, here are the details of {d}.")
    return _join("Dear customer,", f"This is a friendly reminder about {sc.main.name.mention}.", body,
                 f"Kind regards,\n{sc.people[0]}\nAccounts team")


def _t_timetable(sc: Scene, rng: random.Random) -> str:
    return _record_form(sc, rng, f"TIMETABLE\n{sc.main.name.title}", "  {label:.<20} {value}",
                        "Travel notes:", "Other services from this station:")


def _t_announcement(sc: Scene, rng: random.Random) -> str:
    greeting = rng.choice(("Good morning.", "Good afternoon.", "Attention, please."))
    paras = _led_body(sc, rng, "Passengers for {d}, please note.")
    paras[0] = f"{greeting} {paras[0]}"
    return _join("Station announcement", paras, "Thank you for travelling with us.")


def _t_recipe_card(sc: Scene, rng: random.Random) -> str:
    e = sc.main
    top, rest = _split_facts(e, ("servings", "bake_time", "oven", "rest"))
    head = e.name.title + "".join(f"\n{f.attr.label}: {f.shown}" for f in top)
    numbered = "\n".join(f"{i}. {s}" for i, s in enumerate(_sentences(e, rng, rest), 1))
    steps = f"Notes\n{numbered}" if rest else None
    tips = "Tips\n" + " ".join(sc.filler) if sc.filler else None
    variations = ["Variations"] + _other_paras(sc, rng) if sc.distractors else None
    return _join(head, steps, tips, variations)


def _t_blog_post(sc: Scene, rng: random.Random) -> str:
    body = _led_body(sc, rng, "If you enjoy this one, you might also like {d}.", most=3)
    return _join(f"{sc.main.name.title}: a recipe worth sharing",
                 f"Let me tell you about {sc.main.name.mention}.", body, "Happy baking!")


def _t_house_rules(sc: Scene, rng: random.Random) -> str:
    rules = "\n".join(f"{i}. {s}" for i, s in enumerate(_sentences(sc.main, rng), 1))
    thanks = f"Thank you for helping us keep {sc.main.name.mention} pleasant for everyone."
    return _join(f"HOUSE RULES: {sc.main.name.title}", rules, " ".join((thanks, *sc.filler)),
                 _intro_others(sc, rng, "Staying at {d} instead? Different rules apply there."))


def _t_welcome_letter(sc: Scene, rng: random.Random) -> str:
    welcome = f"Welcome to {sc.main.name.mention}! We hope you enjoy your stay."
    return _letter(sc, rng, "Dear guest,", welcome,
                   f"Warm wishes,\n{sc.people[0]}")


def _t_host_message(sc: Scene, rng: random.Random) -> str:
    host = _first(sc.people[0])
    lines = "\n".join("• " + s for s in _sentences(sc.main, rng))
    hello = f"Hi! It's {host}, your host. Welcome to {sc.main.name.mention} :)"
    return _join(hello, "A few things:\n" + lines, _filler_paras(sc.filler, rng),
                 _intro_others(sc, rng, "PS, for friends staying at {d}:"),
                 f"Enjoy! {host}")


def _t_itinerary(sc: Scene, rng: random.Random) -> str:
    return _record_form(sc, rng, f"ITINERARY\n{sc.main.name.title}", "{label}: {value}",
                        "Notes:", "Other travellers in the group:")


def _t_booking(sc: Scene, rng: random.Random) -> str:
    lines = "\n".join(_kv(sc.main, "• {label}: {value}"))
    return _join("Booking confirmed", f"Thank you for booking with us. Below are the details of "
                 f"{sc.main.name.mention}.\n{lines}", " ".join(sc.filler) or None,
                 _others_block(sc, "Linked bookings:"), "We wish you a pleasant journey.")


def _t_roster(sc: Scene, rng: random.Random) -> str:
    return _record_form(sc, rng, f"{sc.main.name.title}: club information", "{label} | {value}",
                        "Club notes", "Other clubs in the league:")


def _t_match_report(sc: Scene, rng: random.Random) -> str:
    if not sc.distractors:
        return _t_prose(sc, rng)
    title = f"Match report: {sc.main.name.title} v {sc.distractors[0].name.title}"
    body = _led_body(sc, rng, "A word on {d}.")
    return _join(title, body)


def _t_lab_manual(sc: Scene, rng: random.Random) -> str:
    e = sc.main
    specs, rest = _split_facts(e, ("max_temp", "warmup", "calibration", "power", "error"))
    spec_lines = "\n".join(f"{f.attr.label}: {f.shown}" for f in specs)
    spec_block = f"2. Specifications\n{spec_lines}" if specs else None
    care = "3. Care and maintenance\n" + " ".join(sc.filler) if sc.filler else None
    general = "1. General information\n" + (_prose_of(e, rest, rng) or "")
    return _join(f"OPERATING MANUAL: {e.name.title}", general,
                 spec_block, care, _others_block(sc, "Appendix: other equipment in the lab"))


def _t_safety_card(sc: Scene, rng: random.Random) -> str:
    lines = "\n".join("! " + s for s in _sentences(sc.main, rng))
    fill = "\n".join("! " + s for s in sc.filler)
    return _join(f"SAFETY CARD\nEquipment: {sc.main.name.title}", lines, fill or None,
                 _intro_others(sc, rng, "Not to be confused with {d}."))


def _t_vet_record(sc: Scene, rng: random.Random) -> str:
    return _record_form(sc, rng, f"PATIENT RECORD\nPatient: {sc.main.name.title}", "{label}: {value}",
                        "Clinical notes:", "Other patients seen today:")


def _t_lost_poster(sc: Scene, rng: random.Random) -> str:
    name = sc.main.name.title
    body = _led_body(sc, rng, "Please do not confuse our pet with {d}, who lives nearby.")
    return _join(f"LOST PET\nHave you seen {name}?", body,
                 f"If you spot {name}, please get in touch with the owner right away.")


def _t_syllabus(sc: Scene, rng: random.Random) -> str:
    return _record_form(sc, rng, f"SYLLABUS\n{sc.main.name.title}\nCourse information",
                        "{label}: {value}", "Course description", "Related courses:")


def _t_catalog_entry(sc: Scene, rng: random.Random) -> str:
    parts = [f"{sc.main.name.title}.", *_sentences(sc.main, rng), *sc.filler]
    for d in sc.distractors:
        parts += [f"See also {d.name.title}.", *_sentences(d, rng)]
    return " ".join(parts)


def _t_account_notice(sc: Scene, rng: random.Random) -> str:
    return _record_form(sc, rng, f"ACCOUNT NOTICE\n{sc.main.name.title}\nIssued: {sc.date}",
                        "{label}: {value}", "Important information", "Linked accounts:")


def _t_bank_letter(sc: Scene, rng: random.Random) -> str:
    return _letter(sc, rng, "Dear customer,", f"We are writing to you about {sc.main.name.mention}.",
                   f"Yours sincerely,\n{sc.people[0]}\nCustomer Services")


