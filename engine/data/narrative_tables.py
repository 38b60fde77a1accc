"""Fixed text of narrative documents: how each attribute is talked about, distractor frames, time phrases, asides.

Data tables of :mod:`engine.data.narrative` (the generator) and its prose and registers
(:mod:`engine.data.narrative_prose`, :mod:`engine.data.narrative_registers`). Like all fixed text there, they hold
no number, day, month or name that could look like an answer.
"""
from __future__ import annotations

from dataclasses import dataclass

# --------------------------------------------------------------------------------------
# How each attribute is talked about: a noun phrase ("the departure time") and how its
# value may differ over time. kind: "change" (a value that changes: prices, times, people in
# posts), "plan" (something arranged that could have been arranged otherwise), "fixed" (only
# corrections and common mistakes). fmt writes the distractor value after "was"/"is".
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Talk:
    """How the prose refers to one attribute."""

    noun: str
    kind: str
    fmt: str = "{v}"

    def __post_init__(self) -> None:
        if self.kind not in ("change", "plan", "fixed"):
            raise ValueError(f"Talk.kind must be change, plan or fixed, got {self.kind!r}")


def _t(noun: str, kind: str, fmt: str = "{v}") -> Talk:
    return Talk(noun, kind, fmt)


TALK: dict[tuple[str, str], Talk] = {
    ("person", "age"): _t("age", "fixed"),
    ("person", "hometown"): _t("home town", "fixed"),
    ("person", "profession"): _t("job", "change", "{a}"),
    ("person", "employer"): _t("employer", "change"),
    ("person", "hobby"): _t("favourite hobby", "change"),
    ("person", "instrument"): _t("instrument", "change", "the {v}"),
    ("person", "pet"): _t("pet", "change", "{a}"),
    ("person", "language"): _t("second language", "fixed"),
    ("person", "color"): _t("favourite colour", "change"),
    ("person", "street"): _t("address", "change", "on {v}"),
    ("company", "founder"): _t("founder", "fixed"),
    ("company", "founded"): _t("founding year", "fixed"),
    ("company", "hq"): _t("head office", "change", "in {v}"),
    ("company", "employees"): _t("headcount", "change"),
    ("company", "product"): _t("main product line", "change"),
    ("company", "ceo"): _t("chief executive", "change"),
    ("company", "revenue"): _t("annual revenue", "fixed"),
    ("company", "offices"): _t("number of offices", "change"),
    ("product", "maker"): _t("manufacturer", "fixed"),
    ("product", "price"): _t("price", "change"),
    ("product", "weight"): _t("weight", "fixed"),
    ("product", "battery"): _t("battery life", "fixed"),
    ("product", "warranty"): _t("warranty", "change"),
    ("product", "color"): _t("colour", "fixed"),
    ("product", "launched"): _t("launch year", "fixed"),
    ("product", "factory"): _t("assembly plant", "change", "in {v}"),
    ("town", "population"): _t("population", "change"),
    ("town", "founded"): _t("founding year", "fixed"),
    ("town", "river"): _t("river", "fixed", "the {v}"),
    ("town", "mayor"): _t("mayor", "change"),
    ("town", "industry"): _t("main industry", "change"),
    ("town", "festival"): _t("festival month", "change"),
    ("town", "twin"): _t("twin town", "change"),
    ("town", "market"): _t("market day", "change"),
    ("event", "date"): _t("date", "plan"),
    ("event", "start"): _t("start time", "plan"),
    ("event", "venue"): _t("venue", "plan"),
    ("event", "tickets"): _t("ticket price", "change"),
    ("event", "organiser"): _t("organiser", "plan"),
    ("event", "guest"): _t("guest of honour", "plan"),
    ("event", "capacity"): _t("capacity", "plan"),
    ("event", "theme"): _t("theme colour", "plan"),
    ("meeting", "date"): _t("date", "plan"),
    ("meeting", "chair"): _t("chair", "plan"),
    ("meeting", "minutes"): _t("minute taker", "plan"),
    ("meeting", "room"): _t("room", "plan"),
    ("meeting", "attendees"): _t("expected attendance", "plan"),
    ("meeting", "budget"): _t("budget", "plan"),
    ("meeting", "next"): _t("follow-up day", "plan"),
    ("meeting", "supplier"): _t("choice of supplier", "plan"),
    ("invoice", "issuer"): _t("issuer", "fixed"),
    ("invoice", "customer"): _t("customer", "fixed"),
    ("invoice", "amount"): _t("total", "change"),
    ("invoice", "due"): _t("due date", "change"),
    ("invoice", "item"): _t("line item", "fixed"),
    ("invoice", "quantity"): _t("quantity", "change"),
    ("invoice", "method"): _t("payment method", "change"),
    ("invoice", "late_fee"): _t("late fee", "change"),
    ("schedule", "destination"): _t("final stop", "change"),
    ("schedule", "departs"): _t("departure time", "change"),
    ("schedule", "journey"): _t("journey time", "change"),
    ("schedule", "platform"): _t("platform", "change"),
    ("schedule", "fare"): _t("single fare", "change"),
    ("schedule", "operator"): _t("operator", "change"),
    ("schedule", "no_service"): _t("day without service", "change"),
    ("schedule", "driver"): _t("regular driver", "change"),
    ("schedule", "stops"): _t("number of stops", "change"),
    ("recipe", "servings"): _t("number of servings", "fixed"),
    ("recipe", "bake_time"): _t("baking time", "fixed"),
    ("recipe", "oven"): _t("oven temperature", "fixed"),
    ("recipe", "secret"): _t("secret ingredient", "fixed"),
    ("recipe", "sugar"): _t("amount of sugar", "fixed"),
    ("recipe", "origin"): _t("town of origin", "fixed"),
    ("recipe", "rest"): _t("resting time", "fixed"),
    ("recipe", "contributor"): _t("contributor", "fixed"),
    ("house", "manager"): _t("manager", "change"),
    ("house", "quiet"): _t("start of quiet hours", "change"),
    ("house", "checkout"): _t("check-out time", "change"),
    ("house", "wifi"): _t("Wi-Fi password", "change"),
    ("house", "laundry"): _t("laundry day", "change"),
    ("house", "deposit"): _t("deposit", "change"),
    ("house", "bins"): _t("bin day", "change"),
    ("house", "door"): _t("door code", "change"),
    ("trip", "destination"): _t("destination", "plan"),
    ("trip", "departure"): _t("departure date", "plan"),
    ("trip", "flight"): _t("flight", "plan"),
    ("trip", "seat"): _t("seat", "plan"),
    ("trip", "hotel"): _t("hotel", "plan"),
    ("trip", "nights"): _t("number of nights", "plan"),
    ("trip", "guide"): _t("guide", "plan"),
    ("trip", "luggage"): _t("luggage allowance", "change"),
    ("trip", "reference"): _t("booking reference", "plan"),
    ("club", "sport"): _t("main sport", "fixed"),
    ("club", "captain"): _t("captain", "change"),
    ("club", "coach"): _t("head coach", "change"),
    ("club", "founded"): _t("founding year", "fixed"),
    ("club", "training"): _t("training day", "change"),
    ("club", "members"): _t("membership", "change"),
    ("club", "kit"): _t("kit colour", "change"),
    ("club", "ground"): _t("home ground", "change"),
    ("club", "fee"): _t("annual fee", "change"),
    ("lab", "room"): _t("location", "change", "{v}"),
    ("lab", "technician"): _t("responsible technician", "change"),
    ("lab", "max_temp"): _t("maximum temperature", "fixed"),
    ("lab", "warmup"): _t("warm-up time", "fixed"),
    ("lab", "calibration"): _t("calibration interval", "change"),
    ("lab", "power"): _t("power draw", "fixed"),
    ("lab", "supplier"): _t("supplier", "fixed"),
    ("lab", "error"): _t("overheating code", "fixed"),
    ("lab", "purchased"): _t("purchase year", "fixed"),
    ("pet", "owner"): _t("owner", "change"),
    ("pet", "born"): _t("year of birth", "fixed"),
    ("pet", "vet"): _t("vet", "change"),
    ("pet", "treat"): _t("favourite treat", "change"),
    ("pet", "checkup"): _t("last check-up", "fixed", "in {v}"),
    ("pet", "color"): _t("main colour", "fixed"),
    ("pet", "chip"): _t("microchip number", "fixed"),
    ("pet", "dinner"): _t("dinner time", "change"),
    ("course", "instructor"): _t("instructor", "change"),
    ("course", "room"): _t("room", "change"),
    ("course", "weekday"): _t("day", "change"),
    ("course", "start"): _t("start time", "change"),
    ("course", "credits"): _t("credit value", "fixed"),
    ("course", "places"): _t("number of places", "change"),
    ("course", "textbook"): _t("textbook author", "change"),
    ("course", "exam"): _t("exam month", "plan"),
    ("course", "fee"): _t("fee", "change"),
    ("bank", "holder"): _t("holder", "fixed"),
    ("bank", "branch"): _t("branch", "change", "the {v} branch"),
    ("bank", "balance"): _t("balance", "change"),
    ("bank", "interest"): _t("interest rate", "change"),
    ("bank", "adviser"): _t("personal adviser", "change"),
    ("bank", "overdraft"): _t("overdraft limit", "change"),
    ("bank", "review"): _t("annual review month", "change"),
    ("bank", "opened"): _t("opening year", "fixed"),
}  # pet species has no entry: "its species used to be a parrot" is not a thing people write

# Time phrases carry no numbers, weekdays or months, so they never look like an answer.
SINCE = ("since last spring", "since the autumn", "since the start of the year", "since the summer",
         "these days", "as of this season", "since the last review", "now")
UNTIL = ("last spring", "the autumn", "the start of the year", "the summer", "recently",
         "the last review")

# Distractor frames. {P}/{p}: possessive reference ("Its", "the ferry's"); {noun}; {old}: the
# distractor value; {C}: the current fact as a sentence; {c}: the same, lower-cased start, no period.
FRAMES: dict[str, tuple[str, ...]] = {
    "change": (
        "{Pn} used to be {old}, but {since} {c}.",
        "{C} Until {until}, {pn} was {old}.",
        "{Since}, {c}; before that, {pn} was {old}.",
        "{C} That is new: {pn} was {old} until {until}.",
    ),
    "plan": (
        "{Pn} was originally going to be {old}, but in the end {c}.",
        "At first {old} was pencilled in as {pn}, but that fell through, so {c}.",
        "{C} An earlier plan said {old}, but it was dropped.",
    ),
    "fixed": (
        "An earlier note gave {pn} as {old}, which was a mistake: {c}.",
        "Some people still think {pn} is {old}, but {c}.",
        "{C} Ignore the {old} in the old brochure; it was a misprint.",
        "{C} The figure of {old} that keeps going around is wrong.",
    ),
}
NUMERIC_ONLY = ("The figure of", "misprint")  # frames that only read well for numbers

ALSO = ("On top of that, ", "Also, ", "What is more, ", "Besides, ", "In addition, ", "")

NEWSWORTHY = ("person", "company", "product", "town", "event", "meeting", "schedule", "club", "lab",
              "course")
SERVICE = ("product", "invoice", "schedule", "house", "trip", "course", "bank", "lab", "event", "club")

# Asides each register may add; like all fixed text here they hold no number, day, month or name.
MEMO_ASIDES = ("Nothing else has changed for now.", "Please pass this on to anyone who was not on the list.",
               "I know this has caused some confusion, so thank you for your patience.",
               "If something here looks wrong, tell me rather than guessing.",
               "We will go over this briefly at the next team catch-up.", "A printed copy is pinned up in the kitchen.")
EMAIL_ASIDES = ("Sorry, this got longer than I meant it to.", "I double-checked most of this with the people involved.",
                "Anyway, I thought you would want to know.", "Say hello to everyone from me.",
                "I will send the rest once I hear back.", "It has been a hectic few weeks here.")
MINUTES_ASIDES = ("Apologies were received from two members.", "The previous minutes were approved without changes.",
                  "There was a short discussion, but no objections were raised.",
                  "The chair thanked everyone for the careful preparation.",
                  "Coffee ran out halfway through, which did not help.",
                  "A question about parking was deferred to the next meeting.")
DIARY_ASIDES = ("It rained all afternoon, so I stayed in with a pot of tea.",
                "I really need to start writing things down properly.", "The radio next door was far too loud again.",
                "Honestly, I should have asked sooner.", "The cat sat on my notes the whole time.",
                "I feel much better now that it is all straight in my head.")
BLOG_ASIDES = ("If you are new here, welcome!", "I know, I know, another long post.",
               "A few of you wrote in after the last post, which was lovely.", "As always, none of this is sponsored.",
               "Grab a cup of something warm, this will take a minute.")
NEWS_ASIDES = ("Residents have followed the story with interest.", "Local businesses welcomed the clarity.",
               "Questions sent to the office had not been answered by the time of writing.",
               "Reaction on social media was mixed.", "The announcement came after weeks of speculation.")
TICKET_ASIDES = ("We appreciate your patience while we looked into this.", "Our records have been updated accordingly.",
                 "I have also passed your feedback on to the team.",
                 "If anything still looks wrong, simply reply to this message.",
                 "Older confirmation e-mails may still show outdated details.")
LETTER_ASIDES = ("The garden is looking lovely at the moment.", "I hope this finds you well and rested.",
                 "Forgive my handwriting, my hand is not what it was.",
                 "We often think of the long walks we all took together.", "Do write back when you have a moment.")
RECIPE_ASIDES = ("Nobody in the family ever measured anything, so this took some work to write down.",
                 "The kitchen smells wonderful whenever it is in the oven.",
                 "It is the first thing to disappear at every family gathering.",
                 "I have tweaked it over the years, but only a little.")
REVIEW_ASIDES = ("Delivery was quick and the box arrived undamaged.", "Setting it up took no time at all.",
                 "My partner was sceptical at first but now uses it daily.", "The manual could be clearer, though.",
                 "For the price, I have few complaints.")
