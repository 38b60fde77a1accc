"""Fictional fact documents (bios, invoices, recipes, ...) with short-answer questions.

A document is built in four steps: pick a *schema* (what kind of thing it is
about, e.g. a company), sample its *facts* (attribute -> value) and 1-4
*distractor* entities of the same kind, render them through a *template* (a
surface form: memo, FAQ, table, ...), then pad with fact-free filler sentences
to a sampled length. Questions always name the main entity, so they stay
unambiguous next to the distractors; every accepted answer's first form is
written in the document.

Held-out splits: templates are assigned to train/val/test in an explicit table
(:data:`TEMPLATES`), and entity names (first names, last names, company cores,
towns, pet names, brands) go to a split by a stable SHA-256 hash of the string,
so val/test documents use formats and names never seen in training. Training can also coin
names afresh from syllables (``FactsConfig.coined_names``, :func:`coined_pools`), hashed by the same
rule: with list names alone the hypernetwork wrote no unseen name into its adapters (it had a closed
vocabulary of names to pick from).

Modules: ``names`` (word lists, splits, coined names), ``schemas`` (values, Draw, the schema model),
``schema_tables`` (the schemas as tables), ``render`` (sentence helpers), ``generic_templates`` and
``schema_templates`` (the surface forms), ``templates`` (the template table), ``build`` (sampling
documents and sets). Names with a leading underscore are shared between these modules only.

>>> import random
>>> rec = make_document(FactsConfig(), random.Random(0), "train")
>>> all(q.answers[0].lower() in rec.document.lower() for q in rec.questions)
True
"""
from engine.data.facts.build import FactsConfig, FactsDocument, facts_set, make_document, sample_document
from engine.data.facts.names import Pools, coined_pools, coined_word, entity_names, pools, stable_split
from engine.data.facts.schema_tables import GENERIC_FILLER, schema, schemas
from engine.data.facts.schemas import Attr, Draw, Entity, Fact, Name, PoolExhausted, Scene, Schema, Value
from engine.data.facts.templates import TEMPLATES, Template, template_names

__all__ = ["FactsConfig", "FactsDocument", "facts_set", "make_document", "sample_document", "Pools", "coined_pools",
           "coined_word", "entity_names", "pools", "stable_split", "GENERIC_FILLER", "schema", "schemas", "Attr",
           "Draw", "Entity", "Fact", "Name", "PoolExhausted", "Scene", "Schema", "Value", "TEMPLATES", "Template",
           "template_names"]
