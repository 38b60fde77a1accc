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

Two catalogues. The first (127 tasks, 50 families) holds out whole tasks:
val (~10 %) and test (~15 %) by a stable SHA-256 ranking of task ids. The
widened one (engine.data.skills.families: formatting, tone, language, length
and structure instructions people type) holds out whole *families* ("answer in
N words or fewer" with all its N), ranked by a stable hash of the family name,
so its test split measures unseen kinds of instruction; its tasks that join a
family of the first catalogue take that family's split. Descriptions of train
tasks go to train/val/test (80/10/10) by a stable hash of their text. So the
test split holds unseen tasks (``held_out_kind`` "task"; ``Task.holdout``
says whether by task or by family) and unseen phrasings of trained tasks
("description"), and no task or description is in two splits.

Modules: banks (word banks, samplers), lexicon (translations, word forms,
dates, fillers), cores and styles (first catalogue), wide_cores and
wide_styles (widened catalogue), families (the widened task table), build
(tasks, splits, records, no-op controls, evaluation sets).

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

from engine.data.skills.banks import (
    ADJECTIVES, ASPECTS, CAPITALS, COLORS, DAYS, LEGS, MONTHS, NEG_CLOSERS, NEGATIVE, NOUNS, NUMBER_WORDS, OPPOSITES,
    PLACES, PLURALS, POS_CLOSERS, POSITIVE, PRODUCTS, SOUNDS, TRIVIA, VERBS, Checker, Sampler, Solver,
    arithmetic_value, question_bank, review_label, words, yes_no_truth,
)
from engine.data.skills.build import (
    FRAMES, JOINERS, KIND, MAX_DESCRIPTIONS, NOOP_FIXED, NOOP_KIND, NOOP_TASK, SkillsConfig, Task, check,
    description_split, descriptions, few_shot_examples, get_task, held_out_families, held_out_kind, make_noop,
    make_skill, noop_descriptions, noop_split, skill_record, skills_eval_set, skills_family_eval_set, skills_set,
    target, task_ids, task_of, tasks, with_base_targets,
)
from engine.data.skills.cores import REPLACEMENTS, SENTIMENT_LABELS, Core
from engine.data.skills.styles import COMPOSITIONS, PREFIXES, SUFFIXES, TAGS, Style

__all__ = [
    "ADJECTIVES", "ASPECTS", "CAPITALS", "COLORS", "COMPOSITIONS", "DAYS", "FRAMES", "JOINERS", "KIND", "LEGS",
    "MAX_DESCRIPTIONS", "MONTHS", "NEGATIVE", "NEG_CLOSERS", "NOOP_FIXED", "NOOP_KIND", "NOOP_TASK", "NOUNS",
    "NUMBER_WORDS", "OPPOSITES", "PLACES", "PLURALS", "POSITIVE", "POS_CLOSERS", "PREFIXES", "PRODUCTS",
    "REPLACEMENTS", "SENTIMENT_LABELS", "SOUNDS", "SUFFIXES", "TAGS", "TRIVIA", "VERBS", "Checker", "Core",
    "Sampler", "SkillsConfig", "Solver", "Style", "Task", "arithmetic_value", "check", "description_split",
    "descriptions", "few_shot_examples", "get_task", "held_out_families", "held_out_kind", "make_noop",
    "make_skill", "noop_descriptions", "noop_split", "question_bank", "review_label", "skill_record",
    "skills_eval_set", "skills_family_eval_set", "skills_set", "target", "task_ids", "task_of", "tasks",
    "with_base_targets", "words", "yes_no_truth",
]
