"""The template table: name, held-out split, renderer and the schemas each template fits."""
from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Callable

from engine.data.facts.generic_templates import (_t_bullets, _t_chat, _t_comparison, _t_diary, _t_email, _t_faq,
                                                 _t_interview, _t_kv_lines, _t_memo, _t_notice, _t_press_release,
                                                 _t_prose, _t_story, _t_table, _t_voicemail, _t_wiki)
from engine.data.facts.schema_templates import (_t_about_page, _t_account_notice, _t_announcement, _t_bank_letter,
                                                _t_blog_post, _t_booking, _t_catalog_entry, _t_council_newsletter,
                                                _t_guidebook, _t_host_message, _t_house_rules, _t_investor_brief,
                                                _t_invitation, _t_invoice, _t_itinerary, _t_lab_manual, _t_lost_poster,
                                                _t_match_report, _t_minutes, _t_poster, _t_radio_ad, _t_recipe_card,
                                                _t_reference_letter, _t_reminder_letter, _t_review, _t_roster,
                                                _t_safety_card, _t_speaker_intro, _t_spec_sheet, _t_staff_profile,
                                                _t_summary_email, _t_syllabus, _t_timetable, _t_vet_record,
                                                _t_welcome_letter)
from engine.data.facts.schemas import Scene
from engine.data.records import check_split


@dataclass(frozen=True)
class Template:
    """A surface form. ``schemas`` None means it renders any schema."""

    name: str
    split: str
    render: Callable[[Scene, random.Random], str]
    schemas: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        check_split(self.split)

    def fits(self, schema_name: str) -> bool:
        return self.schemas is None or schema_name in self.schemas


_PUBLIC = ("company", "product", "event", "town", "club", "course", "lab")

TEMPLATES = (
    Template("any/prose", "train", _t_prose),
    Template("any/kv_lines", "train", _t_kv_lines),
    Template("any/bullets", "train", _t_bullets),
    Template("any/faq", "train", _t_faq),
    Template("any/email", "train", _t_email),
    Template("any/memo", "train", _t_memo),
    Template("any/diary", "train", _t_diary),
    Template("any/press_release", "train", _t_press_release, _PUBLIC),
    Template("any/table", "train", _t_table),
    Template("any/story", "train", _t_story),
    Template("any/wiki", "train", _t_wiki),
    Template("any/comparison", "train", _t_comparison),
    Template("any/chat", "val", _t_chat),
    Template("any/voicemail", "val", _t_voicemail),
    Template("any/notice", "test", _t_notice),
    Template("any/interview", "test", _t_interview),
    Template("person/staff_profile", "train", _t_staff_profile, ("person",)),
    Template("person/reference_letter", "train", _t_reference_letter, ("person",)),
    Template("person/speaker_intro", "test", _t_speaker_intro, ("person",)),
    Template("company/about_page", "train", _t_about_page, ("company",)),
    Template("company/investor_brief", "val", _t_investor_brief, ("company",)),
    Template("product/spec_sheet", "train", _t_spec_sheet, ("product",)),
    Template("product/review", "test", _t_review, ("product",)),
    Template("town/guidebook", "train", _t_guidebook, ("town",)),
    Template("town/council_newsletter", "train", _t_council_newsletter, ("town",)),
    Template("event/poster", "train", _t_poster, ("event",)),
    Template("event/invitation", "train", _t_invitation, ("event",)),
    Template("event/radio_ad", "train", _t_radio_ad, ("event",)),
    Template("meeting/minutes", "train", _t_minutes, ("meeting",)),
    Template("meeting/summary_email", "train", _t_summary_email, ("meeting",)),
    Template("invoice/layout", "train", _t_invoice, ("invoice",)),
    Template("invoice/reminder_letter", "train", _t_reminder_letter, ("invoice",)),
    Template("schedule/timetable", "train", _t_timetable, ("schedule",)),
    Template("schedule/station_announcement", "val", _t_announcement, ("schedule",)),
    Template("recipe/card", "train", _t_recipe_card, ("recipe",)),
    Template("recipe/blog_post", "test", _t_blog_post, ("recipe",)),
    Template("house/rules_sheet", "train", _t_house_rules, ("house",)),
    Template("house/welcome_letter", "train", _t_welcome_letter, ("house",)),
    Template("house/host_message", "train", _t_host_message, ("house",)),
    Template("trip/itinerary", "train", _t_itinerary, ("trip",)),
    Template("trip/booking_confirmation", "train", _t_booking, ("trip",)),
    Template("club/roster", "train", _t_roster, ("club",)),
    Template("club/match_report", "train", _t_match_report, ("club",)),
    Template("lab/manual", "train", _t_lab_manual, ("lab",)),
    Template("lab/safety_card", "test", _t_safety_card, ("lab",)),
    Template("pet/vet_record", "train", _t_vet_record, ("pet",)),
    Template("pet/lost_poster", "val", _t_lost_poster, ("pet",)),
    Template("course/syllabus", "train", _t_syllabus, ("course",)),
    Template("course/catalog_entry", "train", _t_catalog_entry, ("course",)),
    Template("bank/account_notice", "train", _t_account_notice, ("bank",)),
    Template("bank/letter", "val", _t_bank_letter, ("bank",)),
)
_SPECIFIC_WEIGHT = 3  # a schema's own templates are picked 3x as often as generic ones


def template_names(split: str) -> list[str]:
    """Names of the templates held by ``split``, sorted."""
    check_split(split)
    return sorted(t.name for t in TEMPLATES if t.split == split)


def _choose_template(schema_name: str, split: str, rng: random.Random) -> Template:
    options = [t for t in TEMPLATES if t.split == split and t.fits(schema_name)]
    weights = [1 if t.schemas is None else _SPECIFIC_WEIGHT for t in options]
    return rng.choices(options, weights)[0]


