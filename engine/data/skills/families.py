"""The widened skill catalogue: every new task as (task id, family, core, styles), grouped by family.

A family is one kind of instruction ("answer in N words or fewer", "translate
into German", "sign off with a name"); its tasks vary a parameter. New families
are held out whole (see build.tasks); tasks added to a family of the first
catalogue ("prefix", "tags", "add_one", ...) share that family's split.
"""
from __future__ import annotations

import re

from engine.data.skills.cores import Core, _answer_core
from engine.data.skills.styles import Style, _base_styles, _prefix_style, _suffix_style, _tag_style
from engine.data.skills.wide_cores import (
    fixed_reply_core, json_count_core, json_qa_core, lines_per_sentence_core, list_core, max_chars_core,
    max_words_core, min_words_core, n_sentences_core, paragraphs_core, qa_labels_core, reason_core,
    spell_numbers_core, word_cores, word_range_core, yes_no_explain_core,
)
from engine.data.skills.wide_styles import (
    ALL_EXCLAIM, ALT_CASE, ELLIPSIS, casual_style, first_line_style, formal_style, greet_style, heading_style,
    json_key_style, key_style, last_line_style, line_prefix_style, marker_words_style, prefix_token_style,
    signoff_style, suffix_token_style, wrap_style,
)

Spec = tuple[str, str, Core, tuple[Style, ...]]

NEW_PREFIXES = ("Good morning!", "As requested,", "Of course!", "Quick answer:", "Here you go:", "Alright,",
                "To be honest,", "Short answer:", "Happy to help!", "No problem!")
NEW_SUFFIXES = ("Let me know if you need more.", "Good luck!", "Take care.", "Happy learning!", "See you soon.",
                "Talk soon.", "Enjoy your day.", "All the best.")
NEW_TAGS = ("ans", "text", "solution", "content", "p", "div")
SIGNERS = ("Alex", "Maria", "Sam", "Dr. Lee", "Your Assistant")
GREET_NAMES = ("Tom", "Anna", "Ravi", "Lucy")


def _wrappers() -> list[tuple[str, Style]]:
    w = wrap_style
    return [
        ("code_block", w("fence", "```\n", "\n```", ("put your whole answer in a code block", "wrap the reply in triple backticks",
                                                      "format the answer as a fenced code block"))),
        ("code_block", w("fence:text", "```text\n", "\n```", ('put the answer in a ```text code block',
                                                              'wrap the reply in a fenced block marked "text"',
                                                              'use a code fence with the language tag text'))),
        ("bold", w("bold", "**", "**", ("make the whole answer bold with **", "wrap your reply in double asterisks",
                                         "write everything in markdown bold"))),
        ("italic", w("italic", "_", "_", ("put the whole answer in italics with underscores", "wrap your reply in _ and _",
                                           "write everything in markdown italics using underscores"))),
        ("brackets", w("parens", "(", ")", ("put your whole answer in parentheses", "wrap the reply in round brackets",
                                             "enclose the answer between ( and )"))),
        ("brackets", w("square", "[", "]", ("put your whole answer in square brackets", "wrap the reply in [ and ]",
                                             "enclose the answer between square brackets"))),
        ("brackets", w("curly", "{", "}", ("put your whole answer in curly braces", "wrap the reply in { and }",
                                            "enclose the answer between curly brackets"))),
        ("single_quotes", w("squotes", "'", "'", ("put your whole answer in single quotes", "wrap the reply in ' marks",
                                                   "enclose the answer in single quotation marks"))),
        ("backticks", w("backticks", "`", "`", ("wrap your answer in single backticks", "put the reply between ` marks",
                                                 "format the whole answer as inline code"))),
        ("rule_lines", w("rule:dashes", "---\n", "\n---", ('put a line of three dashes "---" above and below your answer',
                                                        "frame the reply between two --- lines",
                                                        "start and end your answer with a --- separator line"))),
        ("rule_lines", w("rule:equals", "===\n", "\n===", ('put a line "===" above and below your answer',
                                                        "frame the reply between two === lines",
                                                        "start and end your answer with an === separator line"))),
        ("guillemets", w("guillemets", "\u00ab", "\u00bb", ("put your answer between \u00ab and \u00bb",
                                                             "wrap the reply in French quotation marks \u00ab \u00bb",
                                                             "enclose the answer in guillemets"))),
        ("line_prefix", line_prefix_style("lp:quote", "> ", ('start every line with "> " like a quote',
                                                          "format the reply as a markdown blockquote",
                                                          'prefix each line of your answer with ">"'))),
        ("line_prefix", line_prefix_style("lp:pipe", "| ", ('start every line with "| "', 'prefix each line with a pipe "|"',
                                                          'put "|" at the beginning of each line'))),
        ("line_prefix", line_prefix_style("lp:arrow", "-> ", ('start every line with "->"', 'prefix each line with an arrow "->"',
                                                            'put "->" in front of each line'))),
    ] + [("heading", heading_style(n)) for n in (1, 2, 3)]


def _endings() -> list[tuple[str, Style]]:
    out: list[tuple[str, Style]] = [("signoff", signoff_style(n)) for n in SIGNERS]
    out += [("greet_name", greet_style(n)) for n in GREET_NAMES]
    out += [("emoji_end", suffix_token_style(f"emoji_end:{n}", e, (
        f"end every reply with the emoji {e}", f"finish each answer with {e}", f"put {e} as the last character")))
        for n, e in (("smile", "\U0001f60a"), ("thumbs_up", "\U0001f44d"), ("party", "\U0001f389"))]
    out += [("emoji_start", prefix_token_style(f"emoji_start:{n}", e, (
        f"start every reply with the emoji {e}", f"begin each answer with {e}", f"put {e} first, before any words")))
        for n, e in (("wave", "\U0001f44b"), ("check", "\u2705"))]
    out += [("hashtag", suffix_token_style(f"hashtag:{h}", h, (
        f"end every reply with the hashtag {h}", f"finish each answer with {h}", f"add {h} as the very last word"))) for h in
        ("#fact", "#quiz", "#learning")]
    out += [
        ("ps_line", last_line_style("ps", "P.S. Thanks for asking.", r"P\.? ?S\.?:?\s+\S.*", (
            "add a P.S. line at the end of every reply", "finish with a postscript that starts with P.S.",
            "always close with a final line beginning P.S."))),
        ("summary_line", last_line_style("tldr", "TL;DR: see above.", r"TL;? ?DR:?\s+\S.*", (
            'end with a one-line "TL;DR:" summary', "add a final TL;DR line", 'close every answer with "TL;DR: ..."'))),
        ("summary_line", last_line_style("summary", "Summary: as above.", r"Summary:\s+\S.*", (
            'end with a last line starting "Summary:"', "add a one-line summary at the end, labelled Summary:",
            'finish with "Summary: ..." on its own line'))),
        ("summary_line", last_line_style("bottom_line", "Bottom line: as above.", r"Bottom line:\s+\S.*", (
            'end with a last line starting "Bottom line:"', 'add a final line labelled "Bottom line:"',
            'finish with "Bottom line: ..." on its own line'))),
        ("confidence_line", last_line_style("confidence", "Confidence: high", r"Confidence:\s*(high|medium|low)\.?", (
            'add a last line "Confidence: high", "medium" or "low"', "rate your confidence on a final line as high, medium or low",
            'finish with "Confidence: <high|medium|low>"'))),
        ("title_line", first_line_style("title_line", "Title: Answer", r"Title:\s+\S.*", (
            'start with a line "Title: ..." and then answer below', 'give your reply a first line beginning "Title:"',
            "put a title line, labelled Title:, above the answer"))),
        ("end_question", last_line_style("end_question", "Would you like to know more?", r"[^?]*\w[^?]*\?", (
            "end every reply with a follow-up question on its own line", "finish by asking me a question on a new line",
            "close each answer with a question back to the user, on the last line"))),
        ("letter", first_line_style("dear_friend", "Dear friend,", r"Dear friend,?", (
            'write it like a letter that opens with "Dear friend," on its own line',
            'begin with a salutation line "Dear friend,"', 'address me as "Dear friend," on the first line'))),
        ("letter", last_line_style("regards", "Kind regards", r"(Kind|Best|Warm) regards[.,!]?", (
            'end like a letter with "Kind regards" on the last line', 'close with a "Best regards" or "Kind regards" line',
            "sign off with regards on a final line, as in an e-mail"))),
    ]
    return out


def _tones() -> list[tuple[str, Style]]:
    out: list[tuple[str, Style]] = [("formal", formal_style(o)) for o in ("Good day.", "Dear Sir or Madam,", "With respect,")]
    out += [
        ("casual", casual_style("casual", "Oh, that's easy.", r".", (
            "be casual and use contractions like it's or that's", "sound relaxed: use short forms such as don't and it's",
            "talk informally with contractions"))),
        ("casual", casual_style("casual_hey", "Hey! So here's the thing:", r"hey\b", (
            'talk like a friend: start with "Hey" and use contractions', 'open casually with "Hey" and write informally',
            'say "Hey" first and keep it chatty, with contractions'))),
        ("polite", marker_words_style("thank", "{t} Thank you for your question.", ("thank",), (
            "always thank me in your reply", "say thank you in every answer", "include a thank-you in each response"))),
        ("polite", marker_words_style("please", "Please note: {t}", ("please",), (
            'be polite and use the word "please" in every reply', 'include "please" somewhere in each answer',
            'always say "please" when you answer'))),
        ("persona", marker_words_style("pirate", "Arr, matey! {t}", ("arr", "matey"), (
            'talk like a pirate, saying "arr" and "matey"', 'answer as a pirate would, with "arr" and "matey"',
            'speak pirate: use the words "arr" and "matey"'))),
        ("persona", marker_words_style("cowboy", "Howdy, partner! {t}", ("howdy", "partner"), (
            'talk like a cowboy, saying "howdy" and "partner"', 'answer as a cowboy would, with "howdy" and "partner"',
            'speak like a cowboy: use "howdy" and "partner"'))),
        ("persona", marker_words_style("robot", "Processing complete. {t} End of transmission.", ("processing", "transmission"), (
            'talk like a robot: say "processing" and "transmission"', 'answer as a robot, with "Processing complete" and "End of transmission"',
            'speak like a machine, using the words "processing" and "transmission"'))),
        ("include_word", marker_words_style("word:indeed", "Indeed, {t}", ("indeed",), (
            'use the word "indeed" in every reply', 'make sure each answer contains "indeed"', 'include "indeed" somewhere'))),
        ("include_word", marker_words_style("word:banana", "{t} Banana!", ("banana",), (
            'mention the word "banana" in every reply', 'make sure each answer contains "banana"', 'include "banana" somewhere'))),
        ("include_word", marker_words_style("word:honestly", "Honestly, {t}", ("honestly",), (
            'use the word "honestly" in every reply', 'make sure each answer contains "honestly"', 'include "honestly" somewhere'))),
        ("include_word", marker_words_style("word:friend", "{t} Have a nice day, friend.", ("friend",), (
            'use the word "friend" in every reply', 'make sure each answer contains "friend"', 'include "friend" somewhere'))),
        ("alt_case", ALT_CASE), ("all_exclaim", ALL_EXCLAIM), ("ellipsis", ELLIPSIS),
    ]
    return out


def _records() -> list[tuple[str, Style]]:
    out: list[tuple[str, Style]] = [("json_key", json_key_style(k)) for k in ("result", "reply", "response", "output", "text")]
    out += [("yaml_key", key_style(f"yaml:{k}", k, ": ", (
        f'reply in YAML as one line "{k}: <answer>"', f"format the answer as YAML with the key {k}",
        f'write a single YAML field "{k}:" holding your reply'))) for k in ("answer", "reply", "result")]
    out += [("key_equals", key_style(f"kv:{k}", k, "=", (
        f'reply as key=value: "{k}=<answer>"', f"format the answer as {k}=... with an equals sign",
        f'write "{k}=" followed by your answer'))) for k in ("answer", "result", "value")]
    return out


def _question_cores() -> list[tuple[str, Core]]:
    out: list[tuple[str, Core]] = [("max_words", max_words_core(n)) for n in (3, 4, 5, 6)]
    out += [("max_chars", max_chars_core(n)) for n in (15, 20, 25)]
    out += [("min_words", min_words_core(n)) for n in (12, 20, 30)]
    out += [("word_range", word_range_core(lo, hi)) for lo, hi in ((10, 18), (15, 25))]
    out += [("n_sentences", n_sentences_core(n)) for n in (2, 3, 4)]
    out += [("n_paragraphs", paragraphs_core(n)) for n in (2, 3)]
    out += [("n_bullets", list_core(f"bullets_{n}", n, "- {x}", r"[-*\u2022]\s+(.+)", (
        f"answer as a bullet list of exactly {n} points", f"reply with {n} bullet points, no more",
        f"give {n} bullets, one per line"))) for n in (2, 3, 4)]
    out += [("bullet_char", list_core(f"bullets_{name}", 3, f"{ch} {{x}}", rf"{ch_re}\s+(.+)", (
        f'format the answer as bullets that start with "{ch}"', f"use {ch} as the bullet character, one point per line",
        f'write a list of points, each line beginning with "{ch}"'))) for name, ch, ch_re in
        (("star", "*", r"\*"), ("dot", "\u2022", "\u2022"))]
    out += [("n_numbered", list_core(f"numbered_{n}", n, "{i}. {x}", r"{i}[.)]\s+(.+)", (
        f"answer as a numbered list of {n} points", f"reply with {n} numbered lines: 1., 2. and so on",
        f"give exactly {n} points, numbered"))) for n in (2, 3)]
    out += [("steps", list_core(f"steps_{n}", n, "Step {i}: {x}", r"Step {i}:\s+(.+)", (
        f'answer in {n} steps labelled "Step 1:", "Step 2:" and so on', f"break the reply into {n} lines starting Step 1:, Step 2:",
        f"write {n} numbered steps, each line beginning with Step and its number"))) for n in (2, 3)]
    out += [("sentence_lines", lines_per_sentence_core())]
    out += [("qa_labels", qa_labels_core(q, a)) for q, a in (("Q:", "A:"), ("Question:", "Answer:"), ("User:", "Bot:"))]
    out += [("then_reason", reason_core(label)) for label in ("Reason:", "Because:", "Explanation:", "Why:")]
    out += [("json_question_answer", json_qa_core()), ("json_word_count", json_count_core())]
    out += [("yes_no_explain", yes_no_explain_core(False)), ("yes_no_explain", yes_no_explain_core(True))]
    out += [("fixed_reply", fixed_reply_core(r)) for r in ("OK", "Noted.", "Got it.", "Understood.", "Acknowledged.")]
    out += [("no_digits", spell_numbers_core())]
    return out


# (family, core id, style ids inner -> outer) compositions of the widened catalogue
WIDE_COMPOSITIONS = (
    ("compose_case_wrap", "answer", ("upper", "fence")), ("compose_case_wrap", "answer", ("lower", "bold")),
    ("compose_case_wrap", "answer", ("title", "heading2")), ("compose_case_wrap", "answer", ("upper", "signoff:Alex")),
    ("compose_format_open", "answer", ("json_key:result", "prefix:Certainly!")),
    ("compose_format_open", "answer", ("yaml:answer", "fence")), ("compose_format_open", "answer", ("bold", "emoji_end:smile")),
    ("compose_format_open", "answer", ("lp:quote", "signoff:Sam")),
    ("compose_length_style", "max_words_5", ("upper",)), ("compose_length_style", "min_words_20", ("lower",)),
    ("compose_length_style", "sentences_3", ("all_exclaim",)), ("compose_length_style", "bullets_3", ("heading2",)),
    ("compose_length_style", "max_words_4", ("json_key:output",)),
    ("compose_lang_format", "to_french_colour", ("upper",)), ("compose_lang_format", "to_spanish_number", ("json_key:result",)),
    ("compose_lang_format", "to_german_day", ("bold",)), ("compose_lang_format", "to_italian_greeting", ("squotes",)),
    ("compose_words_format", "dedupe_words", ("upper",)), ("compose_words_format", "rotate_words_left", ("json_key:result",)),
    ("compose_words_format", "past_tense", ("upper", "exclaim")), ("compose_words_format", "reverse_each_word", ("fence",)),
    ("compose_numbers_format", "median", ("json_key:result",)), ("compose_numbers_format", "date_words_to_iso", ("kv:value",)),
    ("compose_numbers_format", "roman_numeral", ("bold",)), ("compose_numbers_format", "celsius_to_f", ("yaml:result",)),
    ("compose_tone_length", "sentences_2", ("formal:Good day.",)), ("compose_tone_length", "min_words_12", ("thank",)),
    ("compose_tone_length", "max_words_6", ("ellipsis",)),
)


def wide_specs() -> list[Spec]:
    """Every task of the widened catalogue, sorted by id."""
    answer = _answer_core()
    styles: dict[str, tuple[str, Style]] = {}
    for fam, st in _wrappers() + _endings() + _tones() + _records():
        styles[st.name] = (fam, st)
    specs: list[Spec] = [(f"answer_{_slug(name)}", fam, answer, (st,)) for name, (fam, st) in styles.items()]
    cores: dict[str, Core] = {}
    for fam, core in _question_cores() + word_cores():
        specs.append((core.name, fam, core, ()))
        cores[core.name] = core
    legacy = [("prefix", _prefix_style(p)) for p in NEW_PREFIXES] + [("suffix", _suffix_style(p)) for p in NEW_SUFFIXES]
    legacy += [("tags", _tag_style(t)) for t in NEW_TAGS]
    specs += [(f"answer_{_slug(st.name)}", fam, answer, (st,)) for fam, st in legacy]
    base = {s.name: s for s in _base_styles()} | {st.name: st for _, st in legacy}
    base |= {"prefix:Certainly!": _prefix_style("Certainly!")}
    all_styles = base | {name: st for name, (_, st) in styles.items()}
    for fam, core_name, style_names in WIDE_COMPOSITIONS:
        core = answer if core_name == "answer" else cores[core_name]
        sts = tuple(all_styles[s] for s in style_names)
        specs.append(("_".join([core_name, *map(_slug, style_names)]), fam, core, sts))
    return sorted(specs, key=lambda s: s[0])


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower().encode("ascii", "ignore").decode()).strip("_") or "x"
