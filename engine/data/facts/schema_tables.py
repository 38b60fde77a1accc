"""The fact schemas as tables (person, company, ..., bank): attributes with their clauses and questions, filler."""
from __future__ import annotations

import functools

from engine.data.facts.names import (CLUB_ANIMALS, COLORS, COMPANY_PRODUCTS, COURSE_LEVELS, DEVICES, DISHES,
                                     EVENT_KINDS, GROUNDS, HOBBIES, HOTELS, HOUSE_KINDS, INDUSTRIES, INSTRUMENTS,
                                     INVOICE_ITEMS, LANGUAGES, MEETING_TYPES, MONTHS, PAYMENT_METHODS, PET_SPECIES,
                                     PET_TREATS, PRODUCT_TYPES, PROFESSIONS, RIVERS, SERVICES, SPICES, SPORTS,
                                     SUBJECTS, VENUES, WEEKDAYS)
from engine.data.facts.schemas import Attr, Draw, Name, Schema


def _person_name(d: Draw) -> Name:
    full = d.person().text
    return Name(full, full, (full.split()[0],), "person")


def _person() -> Schema:
    return Schema("person", _person_name, (
        Attr("age", "Age", lambda d: d.integer(23, 78),
             ("{S} is {v} years old.", "{S} turned {v} this year.", "{S} is {v}."),
             ("How old is {n}?", "What is {np} age?", "What age is {n}?",
              "How many years old is {n}?"), "{v}"),
        Attr("hometown", "Hometown", Draw.town,
             ("{S} grew up in {v}.", "{S} is originally from {v}.", "{P} hometown is {v}."),
             ("Where did {n} grow up?", "What is {np} hometown?", "Which town is {n} from?",
              "In which town did {n} grow up?")),
        Attr("profession", "Occupation", lambda d: d.pick(PROFESSIONS),
             ("{S} works as {av}.", "By profession, {s} is {av}.", "{S} earns a living as {av}."),
             ("What does {n} do for a living?", "What is {np} profession?",
              "What is {np} job?", "What is {np} occupation?")),
        Attr("employer", "Employer", Draw.company,
             ("{S} works for {v}.", "{S} is employed by {v}.", "{P} employer is {v}."),
             ("Who employs {n}?", "Which company does {n} work for?",
              "What is the name of {np} employer?", "Where is {n} employed?")),
        Attr("hobby", "Hobby", lambda d: d.pick(HOBBIES),
             ("In {p} free time, {s} enjoys {v}.", "{P} favourite hobby is {v}.",
              "{S} has been into {v} for years."),
             ("What is {np} favourite hobby?", "What does {n} enjoy in their free time?",
              "Which hobby is {n} into?", "What hobby does {n} have?")),
        Attr("instrument", "Instrument", lambda d: d.pick(INSTRUMENTS),
             ("{S} plays the {v}.", "{S} has played the {v} since childhood.",
              "{S} took up the {v} as a teenager."),
             ("Which instrument does {n} play?", "What musical instrument does {n} play?",
              "What instrument has {n} learned to play?")),
        Attr("pet", "Pet", lambda d: d.pick(PET_SPECIES),
             ("{S} keeps {av} as a pet.", "{S} shares a flat with a pet {v}.",
              "{S} owns a pet {v}."),
             ("What kind of pet does {n} have?", "What animal does {n} keep as a pet?",
              "Which pet does {n} own?")),
        Attr("language", "Second language", lambda d: d.pick(LANGUAGES),
             ("{S} speaks fluent {v}.", "Besides English, {s} speaks {v}.",
              "{S} learned {v} at school and still speaks it well."),
             ("Which language does {n} speak besides English?",
              "What second language does {n} speak?", "What language is {n} fluent in?")),
        Attr("color", "Favourite colour", lambda d: d.pick(COLORS),
             ("{P} favourite colour is {v}.", "{S} loves anything {v}."),
             ("What is {np} favourite colour?", "Which colour does {n} like best?",
              "What colour does {n} prefer?")),
        Attr("street", "Street", Draw.street,
             ("{S} lives on {v}.", "{P} flat is on {v}.", "These days {s} lives on {v}."),
             ("On which street does {n} live?", "What street does {n} live on?",
              "Which street is {np} home on?")),
    ), (
        "Friends describe this person as patient and curious.",
        "Colleagues say they rarely miss a deadline.",
        "Weekends are usually kept free for family visits.",
        "A well-thumbed notebook goes with them almost everywhere.",
        "Neighbours know them as someone who always waves hello.",
        "Early mornings are their favourite time of day.",
        "They prefer walking to driving whenever the weather allows.",
        "Over the years they have kept in touch with many old classmates.",
        "Coffee is taken black, with no sugar.",
        "They are known for remembering everyone's birthday.",
    ))


def _company_name(d: Draw) -> Name:
    full = d.company().text
    return Name(full, full, ("it", "the company", "the firm"), "company")


def _company() -> Schema:
    return Schema("company", _company_name, (
        Attr("founder", "Founder", Draw.person,
             ("{S} was founded by {v}.", "{S} was started by {v}.",
              "{P} founder is {v}."),
             ("Who founded {n}?", "Who is the founder of {n}?", "Which person started {n}?",
              "Who set up {n}?")),
        Attr("founded", "Founded", lambda d: d.year(1952, 2019),
             ("{S} was established in {v}.", "{S} opened its doors in {v}.",
              "{S} has been in business since {v}."),
             ("In which year was {n} founded?", "When was {n} established?",
              "What year did {n} open?", "Since what year has {n} been in business?")),
        Attr("hq", "Headquarters", Draw.town,
             ("{S} is headquartered in {v}.", "{P} head office is in {v}.",
              "{S} runs its business from a head office in {v}."),
             ("Where is {n} headquartered?", "In which town is {np} head office?",
              "Where are the headquarters of {n}?")),
        Attr("employees", "Employees", lambda d: d.integer(14, 4800),
             ("{S} employs {v} people.", "{S} has a staff of {v}.",
              "{S} currently has {v} employees."),
             ("How many people does {n} employ?", "How many employees does {n} have?",
              "How large is the staff of {n}?")),
        Attr("product", "Main product", lambda d: d.pick(COMPANY_PRODUCTS),
             ("{S} is best known for its {v}.", "{S} makes {v}.", "{P} main product line is {v}."),
             ("What does {n} make?", "What is {n} best known for making?",
              "What is {np} main product?")),
        Attr("ceo", "Chief executive", Draw.person,
             ("{S} is run by chief executive {v}.", "{P} chief executive is {v}.",
              "{S} has been led by CEO {v} since last spring."),
             ("Who is the CEO of {n}?", "Who runs {n} as chief executive?",
              "Who is {np} chief executive?")),
        Attr("revenue", "Annual revenue", lambda d: d.money(2, 900),
             ("{S} reported revenue of {v} million last year.",
              "{P} revenue reached {v} million last year."),
             ("What was {np} revenue last year?", "How much revenue did {n} report last year?",
              "What annual revenue did {n} report?"), "{v} million"),
        Attr("offices", "Offices", lambda d: d.integer(11, 60),
             ("{S} runs {v} offices.", "{S} operates from {v} offices."),
             ("How many offices does {n} have?", "How many offices does {n} run?",
              "From how many offices does {n} operate?")),
    ), (
        "The company takes part in the regional trade fair most years.",
        "Its website was redesigned not long ago.",
        "Customer reviews tend to praise its reliable service.",
        "The firm offers an apprenticeship scheme for school leavers.",
        "A staff newsletter goes out at the start of each month.",
        "Its delivery vans are a familiar sight in the area.",
        "The company sponsors a youth sports league.",
        "Management encourages staff to cycle to work.",
        "The canteen is said to serve excellent soup.",
        "Several employees volunteer at the local food bank.",
    ))


def _product_name(d: Draw) -> Name:
    brand = d.word(d.names.brands)
    model = d.fresh(lambda: f"{d.rng.choice('KMSXZTV')}{d.rng.randint(2, 95) * 10}")
    noun = d.word(PRODUCT_TYPES)
    return Name(f"{brand} {model}", f"the {brand} {model}", ("it", f"the {noun}"), noun)


def _product() -> Schema:
    return Schema("product", _product_name, (
        Attr("maker", "Manufacturer", Draw.company,
             ("{S} is made by {v}.", "{S} is manufactured by {v}.", "{P} maker is {v}."),
             ("Who makes {n}?", "Which company manufactures {n}?",
              "What company produces {n}?")),
        Attr("price", "Price", lambda d: d.money(19, 1900),
             ("{S} costs {v}.", "{S} sells for {v}.", "{S} retails at {v}."),
             ("How much does {n} cost?", "What is the price of {n}?",
              "What does {n} sell for?")),
        Attr("weight", "Weight", lambda d: d.decimal(0.2, 3.9),
             ("{S} weighs {v} kg.", "{S} weighs just {v} kg, so it is easy to carry."),
             ("How much does {n} weigh?", "What is the weight of {n}?", "How heavy is {n}?"),
             "{v} kg"),
        Attr("battery", "Battery life", lambda d: d.integer(6, 72),
             ("{P} battery lasts {v} hours.", "{S} runs for {v} hours on a single charge."),
             ("How long does {np} battery last?", "What is the battery life of {n}?",
              "How many hours does {n} run on one charge?"), "{v} hours"),
        Attr("warranty", "Warranty", lambda d: d.integer(12, 60, 6),
             ("{S} is guaranteed for {v} months.", "{S} is covered by a warranty of {v} months."),
             ("How long is the warranty on {n}?", "How many months of warranty come with {n}?",
              "What warranty period does {n} have?"), "{v} months"),
        Attr("color", "Colour", lambda d: d.pick(COLORS),
             ("{S} comes in {v}.", "{S} is sold in a {v} finish."),
             ("What colour is {n}?", "In what colour does {n} come?",
              "Which colour is {n} sold in?")),
        Attr("launched", "Released", lambda d: d.year(2009, 2024),
             ("{S} was launched in {v}.", "{S} first went on sale in {v}."),
             ("When was {n} launched?", "In which year did {n} go on sale?",
              "What year was {n} released?")),
        Attr("factory", "Assembled in", Draw.town,
             ("{S} is assembled in {v}.", "{S} is built at a factory in {v}."),
             ("Where is {n} assembled?", "In which town is {n} built?",
              "Where is the factory that builds {n}?")),
    ), (
        "The packaging is made from recycled cardboard.",
        "A quick-start guide is included in the box.",
        "Spare parts can be ordered online.",
        "Several reviewers praised the sturdy build quality.",
        "The charging cable is sold separately in some regions.",
        "Firmware updates are released a few times a year.",
        "The controls are simple enough to learn in a few minutes.",
        "A carrying pouch is available as an optional extra.",
        "Customer support is reachable by email and chat.",
    ))


def _town_name(d: Draw) -> Name:
    town = d.town().text
    return Name(town, town, ("it", "the town"), "town")


def _town() -> Schema:
    return Schema("town", _town_name, (
        Attr("population", "Population", lambda d: d.integer(1200, 98000),
             ("{S} has a population of {v}.", "Some {v} residents call {s} home.",
              "{S} is home to {v} people."),
             ("What is the population of {n}?", "How many people live in {n}?",
              "How many residents does {n} have?")),
        Attr("founded", "Founded", lambda d: d.year(1150, 1890),
             ("{S} was founded in {v}.", "The first settlers arrived in {s} in {v}.",
              "{S} dates back to {v}."),
             ("When was {n} founded?", "In what year was {n} founded?",
              "What is the founding year of {n}?")),
        Attr("river", "Lies on", lambda d: d.pick(RIVERS),
             ("{S} lies on the River {v}.", "The River {v} flows through {s}."),
             ("Which river runs through {n}?", "On which river does {n} lie?",
              "What river flows through {n}?"), "River {v}"),
        Attr("mayor", "Mayor", Draw.person,
             ("The mayor of {s} is {v}.", "{v} serves as mayor of {s}.",
              "{P} mayor is {v}."),
             ("Who is the mayor of {n}?", "Who serves as mayor of {n}?",
              "Who is {np} mayor?")),
        Attr("industry", "Main industry", lambda d: d.pick(INDUSTRIES),
             ("{P} main industry is {v}.", "Most jobs in {s} depend on {v}."),
             ("What is the main industry in {n}?", "Which industry dominates {n}?",
              "What do most jobs in {n} depend on?")),
        Attr("festival", "Festival month", lambda d: d.pick(MONTHS),
             ("Every {v}, {s} holds its annual festival.", "{P} annual festival takes place in {v}."),
             ("In which month is {np} annual festival held?",
              "When does {n} hold its annual festival?",
              "Which month does {n} celebrate its festival in?")),
        Attr("twin", "Twin town", Draw.town,
             ("{S} is twinned with {v}.", "{P} twin town is {v}."),
             ("Which town is {n} twinned with?", "What is {np} twin town?",
              "With which town is {n} twinned?")),
        Attr("market", "Market day", lambda d: d.pick(WEEKDAYS),
             ("The weekly market in {s} is held every {v}.", "Market day in {s} is {v}."),
             ("On which day is the market held in {n}?", "What is market day in {n}?",
              "Which day of the week does {n} hold its market?")),
    ), (
        "Cobbled lanes wind down towards the old harbour wall.",
        "The library occupies a former customs house.",
        "Visitors often remark on how quiet the evenings are.",
        "A footpath along the cliffs offers wide views of the coast.",
        "Many houses still have their original slate roofs.",
        "The bakery by the square is popular with cyclists.",
        "A small museum tells the story of the surrounding valley.",
        "The town hall clock has been restored twice.",
        "Allotments on the edge of town are tended with great pride.",
        "In winter, fog often settles over the rooftops.",
    ))


def _event_name(d: Draw) -> Name:
    kind, noun = EVENT_KINDS[d.rng.randrange(len(EVENT_KINDS))]
    title = f"{d.town().text} {kind}"
    return Name(title, f"the {title}", ("it", f"the {noun}"), noun)


def _event() -> Schema:
    return Schema("event", _event_name, (
        Attr("date", "Date", Draw.date,
             ("{S} takes place on {v}.", "{S} will be held on {v}."),
             ("On what date is {n}?", "When does {n} take place?", "What is the date of {n}?")),
        Attr("start", "Start time", lambda d: d.time(9, 21),
             ("{S} starts at {v}.", "{S} begins at {v} sharp."),
             ("What time does {n} start?", "When does {n} begin?",
              "At what time does {n} get going?")),
        Attr("venue", "Venue", lambda d: d.pick(VENUES),
             ("{S} will be held at {v}.", "The venue for {s} is {v}."),
             ("Where is {n} held?", "What is the venue of {n}?", "Which venue hosts {n}?")),
        Attr("tickets", "Tickets", lambda d: d.money(5, 95),
             ("Tickets for {s} cost {v}.", "Entry to {s} costs {v}."),
             ("How much do tickets for {n} cost?", "What is the ticket price for {n}?",
              "How much is entry to {n}?")),
        Attr("organiser", "Organiser", Draw.person,
             ("{S} is organised by {v}.", "{v} is organising {s} this year."),
             ("Who organises {n}?", "Who is the organiser of {n}?",
              "Who is in charge of organising {n}?")),
        Attr("guest", "Guest of honour", Draw.person,
             ("The guest of honour at {s} is {v}.", "{v} will headline {s}."),
             ("Who headlines {n}?", "Who is the guest of honour at {n}?",
              "Who is the main guest at {n}?")),
        Attr("capacity", "Capacity", lambda d: d.integer(80, 4500, 10),
             ("{S} can welcome up to {v} visitors.", "Only {v} places are available for {s}."),
             ("How many visitors can {n} hold?", "What is the capacity of {n}?",
              "How many places are available for {n}?")),
        Attr("theme", "Theme colour", lambda d: d.pick(COLORS),
             ("Everyone attending {s} is asked to wear something {v}.",
              "The theme colour of {s} is {v}."),
             ("What colour should guests wear to {n}?",
              "Which colour are visitors asked to wear at {n}?",
              "What is the theme colour of {n}?")),
    ), (
        "Families with young children are very welcome.",
        "Food stalls will be open throughout the day.",
        "Volunteers in bright vests will be on hand to help.",
        "Bicycle parking is available near the main entrance.",
        "Last year's edition drew a larger crowd than expected.",
        "Please bring a reusable cup if you can.",
        "The programme may change slightly if the weather turns.",
        "Photographs taken on the day may appear in the local paper.",
        "Dogs on leads are allowed in the outdoor areas.",
        "There will be a raffle with prizes donated by local shops.",
    ))


def _meeting_name(d: Draw) -> Name:
    title = f"{d.company().text} {d.word(MEETING_TYPES)} meeting"
    return Name(title, f"the {title}", ("it", "the meeting"), "meeting")


def _meeting() -> Schema:
    return Schema("meeting", _meeting_name, (
        Attr("date", "Date", Draw.date,
             ("{S} took place on {v}.", "{S} was held on {v}."),
             ("On what date was {n} held?", "When did {n} take place?",
              "What was the date of {n}?")),
        Attr("chair", "Chair", Draw.person,
             ("{S} was chaired by {v}.", "{v} chaired {s}."),
             ("Who chaired {n}?", "Who was the chair of {n}?", "Who led {n} as chair?")),
        Attr("minutes", "Minutes taken by", Draw.person,
             ("Minutes at {s} were taken by {v}.", "{v} took the minutes at {s}."),
             ("Who took the minutes at {n}?", "Who recorded the minutes of {n}?",
              "Who was the note taker at {n}?")),
        Attr("room", "Room", Draw.room,
             ("{S} met in room {v}.", "{S} was held in room {v}."),
             ("In which room was {n} held?", "Where did {n} meet?", "Which room did {n} use?"),
             "room {v}"),
        Attr("attendees", "Attendees", lambda d: d.integer(11, 48),
             ("{v} people attended {s}.", "{S} was attended by {v} people."),
             ("How many people attended {n}?", "How many attendees were at {n}?",
              "What was the attendance at {n}?")),
        Attr("budget", "Budget approved", lambda d: d.money(1200, 95000, 100),
             ("{S} approved a budget of {v}.", "A budget of {v} was approved at {s}."),
             ("What budget was approved at {n}?", "How much money did {n} approve?",
              "What was the approved budget at {n}?")),
        Attr("next", "Next meeting", lambda d: d.pick(WEEKDAYS),
             ("{S} will reconvene next {v}.", "The follow-up to {s} is planned for next {v}."),
             ("On which day will {n} reconvene?", "When is the follow-up to {n} planned?",
              "Which day was chosen for the follow-up to {n}?")),
        Attr("supplier", "New supplier", Draw.company,
             ("{S} agreed to switch to {v} as the new supplier.",
              "At {s}, {v} was chosen as the new supplier."),
             ("Which supplier was chosen at {n}?",
              "What company did {n} pick as the new supplier?",
              "Who will be the new supplier, according to {n}?")),
    ), (
        "Apologies were received from two members who could not attend.",
        "The minutes of the previous meeting were accepted without changes.",
        "Coffee and biscuits were provided by the host team.",
        "A short discussion followed about the new booking system.",
        "Everyone agreed that the agenda should be circulated earlier.",
        "Several members asked for the slides to be shared afterwards.",
        "The projector failed briefly but was fixed within minutes.",
        "It was noted that the car park will be resurfaced soon.",
        "No objections were raised to the proposed timetable.",
        "The meeting closed with thanks to everyone for their contributions.",
    ))


def _invoice_name(d: Draw) -> Name:
    code = d.code("INV-", 5).text
    return Name(f"Invoice {code}", f"invoice {code}", ("it", "the invoice"), "invoice")


def _invoice() -> Schema:
    return Schema("invoice", _invoice_name, (
        Attr("issuer", "Issued by", Draw.company,
             ("{S} was issued by {v}.", "{v} sent out {s}.", "{S} comes from {v}."),
             ("Which company issued {n}?", "Who sent {n}?", "Who is the issuer of {n}?")),
        Attr("customer", "Bill to", Draw.person,
             ("{S} is addressed to {v}.", "{S} is billed to {v}."),
             ("Who is {n} addressed to?", "To whom is {n} billed?",
              "Which customer received {n}?")),
        Attr("amount", "Amount due", lambda d: d.money(40, 9800),
             ("The total due on {s} is {v}.", "{S} comes to {v} in total."),
             ("What is the total due on {n}?", "How much is owed on {n}?",
              "What amount does {n} come to?")),
        Attr("due", "Due date", Draw.date,
             ("Payment for {s} is due on {v}.", "{S} must be paid by {v}."),
             ("When is payment for {n} due?", "By what date must {n} be paid?",
              "What is the due date of {n}?")),
        Attr("item", "Item", lambda d: d.pick(INVOICE_ITEMS),
             ("{S} covers a delivery of {v}.", "{S} is for a batch of {v}."),
             ("What items does {n} cover?", "What was delivered under {n}?",
              "What goods is {n} for?")),
        Attr("quantity", "Quantity", lambda d: d.integer(12, 480),
             ("{S} lists {v} units.", "A total of {v} units appear on {s}."),
             ("How many units are listed on {n}?", "What quantity is billed on {n}?",
              "How many units does {n} cover?")),
        Attr("method", "Payment method", lambda d: d.pick(PAYMENT_METHODS),
             ("Payment for {s} should be made by {v}.", "{S} is to be settled by {v}."),
             ("How should {n} be paid?", "What payment method does {n} ask for?",
              "By what method should {n} be settled?")),
        Attr("late_fee", "Late fee", lambda d: d.money(10, 90),
             ("A late fee of {v} applies to {s} after the due date.",
              "If {s} is paid late, a fee of {v} is added."),
             ("What is the late fee on {n}?", "How much is the late fee for {n}?",
              "What penalty applies if {n} is paid late?")),
    ), (
        "Please quote the invoice number with every payment.",
        "Thank you for your continued business.",
        "Queries about this invoice should be raised within fourteen days.",
        "Prices include delivery to the address on file.",
        "Goods remain the property of the seller until paid in full.",
        "A copy of this invoice has been sent by post as well.",
        "Our accounts team is available on weekday mornings.",
        "Returned items are credited on the next statement.",
    ))


def _schedule_name(d: Draw) -> Name:
    title = f"{d.town().text} {d.word(SERVICES)}"
    return Name(title, f"the {title}", ("it", "the service"), "service")


def _schedule() -> Schema:
    return Schema("schedule", _schedule_name, (
        Attr("destination", "Destination", Draw.town,
             ("{S} runs to {v}.", "{S} terminates at {v}.", "{P} final stop is {v}."),
             ("Where does {n} go?", "What is the destination of {n}?",
              "Where does {n} terminate?")),
        Attr("departs", "Departs", lambda d: d.time(5, 22),
             ("{S} leaves at {v}.", "{S} departs daily at {v}."),
             ("What time does {n} leave?", "When does {n} depart?",
              "At what time does {n} set off?")),
        Attr("journey", "Journey time", lambda d: d.integer(25, 190, 5),
             ("The journey on {s} takes {v} minutes.", "{S} takes {v} minutes end to end."),
             ("How long is the journey on {n}?", "How many minutes does {n} take?",
              "What is the journey time of {n}?"), "{v} minutes"),
        Attr("platform", "Platform", lambda d: d.integer(10, 24),
             ("{S} leaves from platform {v}.", "Passengers board {s} at platform {v}."),
             ("Which platform does {n} leave from?", "From what platform does {n} depart?",
              "At which platform do passengers board {n}?")),
        Attr("fare", "Single fare", lambda d: d.money(2, 48),
             ("A single ticket on {s} costs {v}.", "The fare for {s} is {v}."),
             ("How much is a single ticket on {n}?", "What is the fare for {n}?",
              "How much does a ride on {n} cost?")),
        Attr("operator", "Operator", Draw.company,
             ("{S} is operated by {v}.", "{v} runs {s}."),
             ("Who operates {n}?", "Which company runs {n}?", "What is the operator of {n}?")),
        Attr("no_service", "No service on", lambda d: d.pick(WEEKDAYS),
             ("{S} does not run on {v}s.", "{S} is suspended every {v}."),
             ("On which day does {n} not run?", "On which day of the week is {n} suspended?",
              "Which day does {n} not operate?")),
        Attr("driver", "Regular driver", Draw.person,
             ("{S} is usually driven by {v}.", "The regular driver on {s} is {v}."),
             ("Who drives {n}?", "Who is the regular driver of {n}?",
              "Which driver usually operates {n}?")),
        Attr("stops", "Stops", lambda d: d.integer(11, 38),
             ("{S} makes {v} stops along the way.", "There are {v} stops on {s}."),
             ("How many stops does {n} make?", "How many stops are there on {n}?",
              "What is the number of stops on {n}?")),
    ), (
        "Tickets can be bought on board or in advance.",
        "Bicycles are carried free of charge outside peak hours.",
        "Passengers are asked to keep their luggage clear of the aisles.",
        "Delays are announced on the screens at each stop.",
        "Free Wi-Fi is available on most vehicles.",
        "Season tickets are popular with commuters.",
        "Engineering works sometimes affect the weekend timetable.",
        "Children under five travel free with an adult.",
        "Lost property is kept at the main ticket office.",
    ))


def _recipe_name(d: Draw) -> Name:
    title = f"{d.word(d.names.first)}'s {d.word(DISHES)}"
    return Name(title, title, ("it", "the dish"), "recipe")


def _recipe() -> Schema:
    return Schema("recipe", _recipe_name, (
        Attr("servings", "Serves", lambda d: d.integer(4, 16),
             ("{S} serves {v} people.", "{S} makes enough for {v} people."),
             ("How many people does {n} serve?", "How many servings does {n} make?",
              "For how many people is {n}?")),
        Attr("bake_time", "Baking time", lambda d: d.integer(15, 180, 5),
             ("{S} needs {v} minutes in the oven.", "{S} bakes for {v} minutes."),
             ("How long does {n} bake?", "How many minutes does {n} need in the oven?",
              "What is the baking time for {n}?"), "{v} minutes"),
        Attr("oven", "Oven temperature", lambda d: d.integer(150, 240, 10),
             ("{S} is baked at {v}°C.", "The oven for {s} should be set to {v}°C."),
             ("At what temperature is {n} baked?", "What oven temperature does {n} need?",
              "How hot should the oven be for {n}?"), "{v}°C"),
        Attr("secret", "Secret ingredient", lambda d: d.pick(SPICES),
             ("The secret ingredient in {s} is {v}.", "A pinch of {v} gives {s} its flavour."),
             ("What is the secret ingredient in {n}?", "Which spice gives {n} its flavour?",
              "What special ingredient goes into {n}?")),
        Attr("sugar", "Sugar", lambda d: d.integer(20, 400, 5),
             ("{S} uses {v} grams of sugar.", "You will need {v} grams of sugar for {s}."),
             ("How much sugar goes into {n}?", "How many grams of sugar does {n} use?",
              "What amount of sugar is in {n}?"), "{v} grams"),
        Attr("origin", "Origin", Draw.town,
             ("{S} comes from {v}.", "The recipe for {s} was first written down in {v}."),
             ("Where does {n} come from?", "In which town did {n} originate?",
              "What is the town of origin of {n}?")),
        Attr("rest", "Resting time", lambda d: d.integer(10, 90, 5),
             ("{S} should rest for {v} minutes before serving.",
              "Let {s} rest for {v} minutes before serving."),
             ("How long should {n} rest before serving?", "What is the resting time for {n}?",
              "How many minutes should {n} rest?"), "{v} minutes"),
        Attr("contributor", "Contributed by", Draw.person,
             ("{S} was contributed by {v}.", "{v} shared {s} with the cookery club."),
             ("Who contributed {n}?", "Who shared {n} with the cookery club?",
              "Who submitted the recipe for {n}?")),
    ), (
        "Use a light hand when folding in the flour.",
        "A good-quality baking tin makes all the difference.",
        "Leftovers keep well in an airtight container.",
        "It pairs nicely with a cup of strong tea.",
        "Make sure all the ingredients are at room temperature.",
        "Do not open the oven door too early.",
        "A dusting of icing sugar makes it look festive.",
        "Children love helping with the mixing.",
        "The recipe has been handed down through several generations.",
        "Keep an eye on the top in case it browns too quickly.",
    ))


def _house_name(d: Draw) -> Name:
    owner = d.word(d.names.last) if d.rng.random() < 0.5 else d.town().text
    kind = d.rng.choice(HOUSE_KINDS)
    title = f"{owner} {kind}"
    return Name(title, f"the {title}", ("it", f"the {kind.lower()}"), kind.lower())


def _house() -> Schema:
    return Schema("house", _house_name, (
        Attr("manager", "Manager", Draw.person,
             ("{S} is managed by {v}.", "{v} runs {s}.", "The manager of {s} is {v}."),
             ("Who manages {n}?", "Who is the manager of {n}?", "Who runs {n}?")),
        Attr("quiet", "Quiet hours from", lambda d: d.time(21, 23),
             ("Quiet hours at {s} begin at {v}.", "Please keep noise down at {s} after {v}."),
             ("When do quiet hours begin at {n}?", "After what time must guests keep quiet at {n}?",
              "What time do quiet hours start at {n}?")),
        Attr("checkout", "Check-out", lambda d: d.time(9, 12),
             ("Check-out at {s} is at {v}.", "Guests must leave their rooms at {s} by {v}."),
             ("What is the check-out time at {n}?", "By what time must guests check out of {n}?",
              "When is check-out at {n}?")),
        Attr("wifi", "Wi-Fi password", Draw.password,
             ("The Wi-Fi password at {s} is {v}.", "To get online at {s}, use the password {v}."),
             ("What is the Wi-Fi password at {n}?", "Which password unlocks the Wi-Fi at {n}?",
              "What password do guests use for the Wi-Fi at {n}?")),
        Attr("laundry", "Laundry day", lambda d: d.pick(WEEKDAYS),
             ("The laundry room at {s} is open on {v}s only.", "Laundry day at {s} is {v}."),
             ("On which day is the laundry room at {n} open?", "What is laundry day at {n}?",
              "Which day can guests do laundry at {n}?")),
        Attr("deposit", "Deposit", lambda d: d.money(50, 600, 10),
             ("{S} asks for a deposit of {v}.", "A deposit of {v} is required at {s}."),
             ("How much is the deposit at {n}?", "What deposit does {n} ask for?",
              "How large is the deposit at {n}?")),
        Attr("bins", "Bin collection", lambda d: d.pick(WEEKDAYS),
             ("Bins are collected from {s} every {v}.", "Rubbish at {s} is collected on {v}s."),
             ("On which day are bins collected at {n}?", "When is bin collection at {n}?",
              "What day is rubbish collected from {n}?")),
        Attr("door", "Door code", lambda d: d.code("", 4),
             ("The front door code at {s} is {v}.", "The front door of {s} opens with the code {v}."),
             ("What is the door code at {n}?", "Which code opens the front door of {n}?",
              "What code do guests need for the front door at {n}?")),
    ), (
        "Please remove your shoes in the hallway.",
        "Towels are changed every three days on request.",
        "Smoking is not permitted anywhere inside the building.",
        "The kitchen may be used until late evening.",
        "Spare blankets are kept in the hall cupboard.",
        "Please switch off the lights when you leave a room.",
        "Bicycles can be stored in the shed behind the house.",
        "Recycling goes in the blue crates by the back door.",
        "Guests are asked to wash up after themselves.",
        "A first aid kit hangs next to the kitchen door.",
    ))


def _trip_name(d: Draw) -> Name:
    person = d.person().text
    title = f"{person}'s trip"
    return Name(title, title, ("it", "the trip"), "trip")


def _trip() -> Schema:
    return Schema("trip", _trip_name, (
        Attr("destination", "Destination", Draw.town,
             ("{S} goes to {v}.", "{S} is headed for {v}.", "The destination of {s} is {v}."),
             ("Where is {n} headed?", "What is the destination of {n}?",
              "Which town does {n} go to?")),
        Attr("departure", "Departure date", Draw.date,
             ("{S} starts on {v}.", "{S} begins on {v}."),
             ("When does {n} start?", "On what date does {n} begin?",
              "What is the departure date of {n}?")),
        Attr("flight", "Flight", Draw.flight,
             ("The outbound flight for {s} is {v}.", "{S} begins with flight {v}."),
             ("What is the flight number for {n}?", "Which flight is booked for {n}?",
              "What flight does {n} start with?")),
        Attr("seat", "Seat", Draw.seat,
             ("The seat booked for {s} is {v}.", "On the plane, {s} has seat {v}."),
             ("Which seat is booked for {n}?", "What seat number was reserved for {n}?",
              "What is the seat for {n}?")),
        Attr("hotel", "Hotel", lambda d: d.pick(HOTELS),
             ("{S} includes a stay at {v}.", "Accommodation on {s} is at {v}."),
             ("Which hotel is booked for {n}?", "What hotel is included in {n}?",
              "Where is the accommodation for {n}?")),
        Attr("nights", "Nights", lambda d: d.integer(3, 21),
             ("{S} lasts {v} nights.", "{S} covers {v} nights."),
             ("How many nights does {n} last?", "For how many nights is {n} booked?",
              "How long is {n}, in nights?")),
        Attr("guide", "Tour guide", Draw.person,
             ("The local guide on {s} is {v}.", "{v} will be the guide on {s}."),
             ("Who is the guide on {n}?", "Which guide is assigned to {n}?",
              "Who will guide the group on {n}?")),
        Attr("luggage", "Luggage allowance", lambda d: d.integer(15, 32),
             ("{S} includes a luggage allowance of {v} kg.",
              "The luggage allowance on {s} is {v} kg."),
             ("What is the luggage allowance on {n}?",
              "How many kilograms of luggage are allowed on {n}?",
              "How much luggage can be taken on {n}?"), "{v} kg"),
        Attr("reference", "Booking reference", lambda d: d.code("BK", 6),
             ("The booking reference for {s} is {v}.", "{S} was booked under reference {v}."),
             ("What is the booking reference for {n}?", "Which reference number belongs to {n}?",
              "What reference was {n} booked under?")),
    ), (
        "Travel insurance is strongly recommended.",
        "Remember to bring a plug adapter.",
        "Passports must be valid for at least six months.",
        "The airport shuttle leaves from the arrivals hall.",
        "Breakfast is included on every morning of the stay.",
        "Comfortable shoes will come in handy on the walking tour.",
        "A printed copy of the booking may be useful at check-in.",
        "Local currency can be withdrawn at the airport.",
        "Weather at this time of year can be changeable.",
    ))


def _club_name(d: Draw) -> Name:
    title = f"{d.town().text} {d.word(CLUB_ANIMALS)} Club"
    return Name(title, f"the {title}", ("it", "the club"), "club")


def _club() -> Schema:
    return Schema("club", _club_name, (
        Attr("sport", "Sport", lambda d: d.pick(SPORTS),
             ("The main sport at {s} is {v}.", "{S} is best known for its {v} teams."),
             ("What sport does {n} play?", "Which sport is played at {n}?",
              "What is the main sport of {n}?")),
        Attr("captain", "Captain", Draw.person,
             ("{S} is captained by {v}.", "The captain of {s} is {v}."),
             ("Who is the captain of {n}?", "Who captains {n}?", "Who leads {n} as captain?")),
        Attr("coach", "Coach", Draw.person,
             ("{S} is coached by {v}.", "{v} coaches {s}.", "The head coach of {s} is {v}."),
             ("Who coaches {n}?", "Who is the coach of {n}?", "Who is the head coach at {n}?")),
        Attr("founded", "Founded", lambda d: d.year(1890, 2015),
             ("{S} was founded in {v}.", "{S} was set up in {v}."),
             ("When was {n} founded?", "In what year was {n} founded?",
              "What year was {n} set up?")),
        Attr("training", "Training day", lambda d: d.pick(WEEKDAYS),
             ("{S} trains every {v}.", "Training at {s} is held on {v}s."),
             ("On which day does {n} train?", "When does {n} hold training?",
              "What is the training day of {n}?")),
        Attr("members", "Members", lambda d: d.integer(18, 420),
             ("{S} has {v} members.", "Membership of {s} stands at {v}."),
             ("How many members does {n} have?", "What is the membership of {n}?",
              "How many people belong to {n}?")),
        Attr("kit", "Kit colour", lambda d: d.pick(COLORS),
             ("{S} plays in {v}.", "{P} kit is {v}."),
             ("What colour does {n} play in?", "What is the colour of {np} kit?",
              "Which colour is {np} kit?")),
        Attr("ground", "Home ground", lambda d: d.pick(GROUNDS),
             ("{S} plays its home matches at {v}.", "{P} home ground is {v}."),
             ("Where does {n} play its home matches?", "What is the home ground of {n}?",
              "Which ground does {n} call home?")),
        Attr("fee", "Annual fee", lambda d: d.money(20, 300, 5),
             ("Membership of {s} costs {v} a year.", "The annual fee at {s} is {v}."),
             ("How much does membership of {n} cost?", "What is the annual fee at {n}?",
              "How much is a year's membership at {n}?")),
    ), (
        "New players are always welcome to come along and try a session.",
        "The clubhouse bar opens after home matches.",
        "Parents help out with lifts to away games.",
        "The youth section has grown steadily in recent seasons.",
        "A fundraising quiz is held at the end of each season.",
        "Kit can be bought from the club shop.",
        "The pitch is maintained entirely by volunteers.",
        "Team photos from past decades line the clubhouse walls.",
        "The club newsletter reports on every match.",
    ))


def _lab_name(d: Draw) -> Name:
    device = d.word(DEVICES)
    title = f"{d.word(d.names.brands)} {d.rng.choice('KLPRX')}-{d.rng.randint(10, 99)} {device}"
    return Name(title, f"the {title}", ("it", f"the {device}"), device)


def _lab() -> Schema:
    return Schema("lab", _lab_name, (
        Attr("room", "Location", Draw.room,
             ("{S} is kept in room {v}.", "{S} is located in room {v}."),
             ("Where is {n} kept?", "In which room is {n} located?", "Which room houses {n}?"),
             "room {v}"),
        Attr("technician", "Responsible technician", Draw.person,
             ("{v} is responsible for {s}.", "{S} is looked after by {v}."),
             ("Who is responsible for {n}?", "Who looks after {n}?",
              "Which technician maintains {n}?")),
        Attr("max_temp", "Maximum temperature", lambda d: d.integer(40, 250, 5),
             ("{S} must not run above {v}°C.", "The maximum operating temperature of {s} is {v}°C."),
             ("What is the maximum temperature of {n}?",
              "Above what temperature must {n} not run?",
              "What is the highest temperature {n} may reach?"), "{v}°C"),
        Attr("warmup", "Warm-up time", lambda d: d.integer(5, 45),
             ("{S} needs {v} minutes to warm up.", "Allow {v} minutes of warm-up before using {s}."),
             ("How long does {n} take to warm up?", "How many minutes of warm-up does {n} need?",
              "What is the warm-up time for {n}?"), "{v} minutes"),
        Attr("calibration", "Calibration interval", lambda d: d.integer(14, 180),
             ("{S} must be calibrated every {v} days.", "Calibration of {s} is due every {v} days."),
             ("How often must {n} be calibrated?", "What is the calibration interval for {n}?",
              "Every how many days is {n} calibrated?"), "{v} days"),
        Attr("power", "Power draw", lambda d: d.integer(200, 2400, 50),
             ("{S} draws {v} watts.", "{S} is rated at {v} watts."),
             ("How much power does {n} draw?", "What is the power rating of {n}?",
              "How many watts does {n} use?"), "{v} W"),
        Attr("supplier", "Supplier", Draw.company,
             ("{S} was supplied by {v}.", "{v} supplied {s}."),
             ("Who supplied {n}?", "Which company supplied {n}?",
              "Which supplier provided {n}?")),
        Attr("error", "Overheating error code", lambda d: d.code("E", 2),
             ("Error code {v} on {s} means it is overheating.",
              "If {s} shows {v}, it is overheating."),
             ("Which error code shows that {n} is overheating?",
              "What code does {n} display when it overheats?",
              "What error code signals overheating on {n}?")),
        Attr("purchased", "Purchased", lambda d: d.year(2005, 2023),
             ("{S} was bought in {v}.", "The lab purchased {s} in {v}."),
             ("When was {n} bought?", "In what year was {n} purchased?",
              "What year did the lab buy {n}?")),
    ), (
        "Always wear safety glasses when working nearby.",
        "Log every session in the booking sheet.",
        "Report any unusual noise to the lab manager straight away.",
        "Clean the work surface after each use.",
        "Do not leave the equipment running unattended overnight.",
        "Only trained staff may change the settings.",
        "The user guide is kept in the drawer underneath.",
        "Spills must be wiped up immediately.",
        "Switch the unit off at the wall before cleaning it.",
    ))


def _pet_name(d: Draw) -> Name:
    name = d.word(d.names.pets)
    return Name(name, name, (name,), "pet")


def _pet() -> Schema:
    return Schema("pet", _pet_name, (
        Attr("species", "Species", lambda d: d.pick(PET_SPECIES),
             ("{S} is {av}.", "{S} is a friendly {v}."),
             ("What kind of animal is {n}?", "What species is {n}?",
              "What type of animal is {n}?")),
        Attr("owner", "Owner", Draw.person,
             ("{S} belongs to {v}.", "{P} owner is {v}."),
             ("Who owns {n}?", "Who is {np} owner?", "To whom does {n} belong?")),
        Attr("born", "Born", lambda d: d.year(2008, 2023),
             ("{S} was born in {v}.", "{P} year of birth is {v}."),
             ("In what year was {n} born?", "When was {n} born?", "What is {np} year of birth?")),
        Attr("vet", "Vet", Draw.person,
             ("{S} is treated by Dr. {v}.", "{P} vet is Dr. {v}."),
             ("Who is {np} vet?", "Which vet treats {n}?", "Who treats {n} at the vet's?"),
             "Dr. {v}"),
        Attr("treat", "Favourite treat", lambda d: d.pick(PET_TREATS),
             ("{P} favourite treat is {v}.", "{S} goes wild for {v}."),
             ("What is {np} favourite treat?", "What food does {n} love most?",
              "Which treat does {n} like best?")),
        Attr("checkup", "Last check-up", lambda d: d.pick(MONTHS),
             ("{P} last check-up was in {v}.", "{S} last saw the vet in {v}."),
             ("In which month was {np} last check-up?", "When did {n} last see the vet?",
              "What month was {n} last checked by the vet?")),
        Attr("color", "Colour", lambda d: d.pick(COLORS),
             ("{S} is mostly {v}.", "{P} main colour is {v}."),
             ("What colour is {n}?", "What is {np} main colour?", "Which colour is {n} mostly?")),
        Attr("chip", "Microchip", lambda d: d.code("", 6),
             ("{P} microchip number is {v}.", "{S} is microchipped with number {v}."),
             ("What is {np} microchip number?", "Which microchip number does {n} have?",
              "What number is on {np} microchip?")),
        Attr("dinner", "Dinner time", lambda d: d.time(16, 20),
             ("{S} gets dinner at {v}.", "{S} is fed at {v} every evening."),
             ("What time does {n} get dinner?", "When is {n} fed in the evening?",
              "At what time is {np} dinner?")),
    ), (
        "Fresh water should always be available.",
        "The owner keeps a notebook of feeding times.",
        "Vaccinations are up to date according to the last visit.",
        "A quiet corner with a blanket helps with settling in.",
        "Short play sessions twice a day are recommended.",
        "A spare set of bowls is kept by the back door.",
        "No allergies have been recorded so far.",
        "Treats should be given in moderation.",
        "The carrier should be lined with a soft towel for trips.",
    ))


def _course_name(d: Draw) -> Name:
    title = f"{d.rng.choice(COURSE_LEVELS)} {d.word(SUBJECTS)}"
    return Name(title, title, ("it", "the course"), "course")


def _course() -> Schema:
    return Schema("course", _course_name, (
        Attr("instructor", "Instructor", Draw.person,
             ("{S} is taught by {v}.", "{v} teaches {s}."),
             ("Who teaches {n}?", "Who is the instructor for {n}?", "Which teacher leads {n}?")),
        Attr("room", "Room", Draw.room,
             ("{S} meets in room {v}.", "Sessions of {s} take place in room {v}."),
             ("In which room does {n} meet?", "Where is {n} taught?", "What room is {n} held in?"),
             "room {v}"),
        Attr("weekday", "Day", lambda d: d.pick(WEEKDAYS),
             ("{S} meets every {v}.", "Classes for {s} are held on {v}s."),
             ("On which day does {n} meet?", "What day of the week is {n} held?",
              "When does {n} take place each week?")),
        Attr("start", "Start time", lambda d: d.time(8, 19),
             ("{S} starts at {v}.", "Sessions of {s} begin at {v}."),
             ("What time does {n} start?", "When do sessions of {n} begin?",
              "At what time does {n} begin?")),
        Attr("credits", "Credits", lambda d: d.integer(10, 60, 5),
             ("{S} is worth {v} credits.", "Students earn {v} credits for {s}."),
             ("How many credits is {n} worth?", "How many credits do students earn for {n}?",
              "What is the credit value of {n}?")),
        Attr("places", "Places", lambda d: d.integer(12, 90),
             ("{S} is limited to {v} students.", "There are {v} places on {s}."),
             ("How many students can take {n}?", "What is the maximum class size for {n}?",
              "How many places are there on {n}?")),
        Attr("textbook", "Textbook by", Draw.person,
             ("The textbook for {s} was written by {v}.", "{S} uses a textbook by {v}."),
             ("Who wrote the textbook for {n}?", "Whose textbook is used in {n}?",
              "Who is the author of the textbook for {n}?")),
        Attr("exam", "Final exam", lambda d: d.pick(MONTHS),
             ("The final exam for {s} takes place in {v}.", "{S} ends with an exam in {v}."),
             ("In which month is the final exam for {n}?", "When is the exam for {n}?",
              "In what month does {n} end with an exam?")),
        Attr("fee", "Fee", lambda d: d.money(40, 900, 5),
             ("{S} costs {v}.", "The fee for {s} is {v}."),
             ("How much does {n} cost?", "What is the fee for {n}?",
              "What does it cost to enrol in {n}?")),
    ), (
        "No previous experience is required.",
        "Reading lists are handed out in the first week.",
        "Students are encouraged to ask questions at any time.",
        "Coursework is due before the winter break.",
        "Attendance is recorded at the start of each session.",
        "Materials are provided, but students may bring their own.",
        "The course ends with a short informal presentation.",
        "Past students describe the sessions as lively and practical.",
        "Office hours are announced on the noticeboard.",
    ))


def _bank_name(d: Draw) -> Name:
    number = d.code("", 4).text
    return Name(f"Account ending in {number}", f"the account ending in {number}",
                ("it", "the account"), "account")


def _bank() -> Schema:
    return Schema("bank", _bank_name, (
        Attr("holder", "Account holder", Draw.person,
             ("{S} is held by {v}.", "{v} holds {s}.", "The holder of {s} is {v}."),
             ("Who holds {n}?", "Whose name is on {n}?", "Who is the holder of {n}?")),
        Attr("branch", "Branch", Draw.town,
             ("{S} is managed by the {v} branch.", "{S} was opened at the {v} branch."),
             ("Which branch manages {n}?", "At which branch was {n} opened?",
              "What branch does {n} belong to?")),
        Attr("balance", "Balance", lambda d: d.money(100, 98000),
             ("The current balance of {s} is {v}.", "{S} has a balance of {v}."),
             ("What is the balance of {n}?", "How much money is in {n}?",
              "What is the current balance on {n}?")),
        Attr("interest", "Interest rate", lambda d: d.decimal(0.5, 6.9),
             ("{S} earns {v}% interest.", "The interest rate on {s} is {v}%."),
             ("What interest rate does {n} earn?", "How much interest does {n} pay?",
              "What is the interest rate on {n}?"), "{v}%"),
        Attr("adviser", "Personal adviser", Draw.person,
             ("The personal adviser for {s} is {v}.", "{v} is the adviser responsible for {s}."),
             ("Who is the adviser for {n}?", "Which adviser looks after {n}?",
              "Who is the personal adviser for {n}?")),
        Attr("overdraft", "Overdraft limit", lambda d: d.money(200, 5000, 50),
             ("{S} has an overdraft limit of {v}.", "The overdraft limit on {s} is {v}."),
             ("What is the overdraft limit on {n}?", "How large an overdraft does {n} allow?",
              "What overdraft is allowed on {n}?")),
        Attr("review", "Annual review", lambda d: d.pick(MONTHS),
             ("The annual review of {s} is in {v}.", "{S} is reviewed every {v}."),
             ("In which month is the annual review of {n}?", "When is {n} reviewed each year?",
              "What month is the yearly review of {n}?")),
        Attr("opened", "Opened", lambda d: d.year(1995, 2023),
             ("{S} was opened in {v}.", "{S} has been open since {v}."),
             ("When was {n} opened?", "In what year was {n} opened?",
              "Since what year has {n} been open?")),
    ), (
        "Statements are available in the online banking app.",
        "Please keep your card details private at all times.",
        "We will never ask for your PIN by email or phone.",
        "Paper statements can be requested free of charge.",
        "Changes to your contact details can be made in any branch.",
        "Our phone lines are quietest in the early afternoon.",
        "Fraud alerts are sent by text message.",
        "Terms and conditions are available on request.",
    ))


@functools.lru_cache(maxsize=1)
def schemas() -> tuple[Schema, ...]:
    """All fact schemas, built once on first use."""
    builders = (_person, _company, _product, _town, _event, _meeting, _invoice, _schedule,
                _recipe, _house, _trip, _club, _lab, _pet, _course, _bank)
    return tuple(build() for build in builders)


def schema(name: str) -> Schema:
    """The schema called ``name``."""
    for s in schemas():
        if s.name == name:
            return s
    raise ValueError(f"unknown schema {name!r}; use one of {[s.name for s in schemas()]}")


GENERIC_FILLER = (
    "Please keep this information for your records.",
    "Feedback and corrections are always welcome.",
    "Some details may change over the coming months.",
    "This summary was put together from several sources.",
    "Anyone with questions is encouraged to get in touch.",
    "A longer version of this note is available on request.",
    "The information above was checked earlier this week.",
    "Nothing here should be treated as final until it is confirmed.",
    "Thanks to everyone who helped gather these details.",
    "Further updates will follow when they become available.",
    "It is worth reading everything carefully before making plans.",
    "A few people have asked for a printed copy.",
    "Spelling mistakes in earlier drafts have now been corrected.",
    "The original notes were handwritten and later typed up.",
    "Several readers found the previous version confusing.",
    "Everything has been double-checked with the people involved.",
    "Any mistakes are unintentional and will be fixed quickly.",
    "There is plenty more to say, but these are the essentials.",
    "Not everyone agrees on the details, but the basics are clear.",
    "Please share this with anyone who might find it useful.",
    "The weather has been unusually mild for the time of year.",
    "Local opinion on the matter is, as always, divided.",
    "A photograph will be added to this page soon.",
    "Most of this was gathered over a couple of busy afternoons.",
    "The notes were reviewed by two people before being shared.",
    "Older records were harder to track down than expected.",
    "Questions about anything not covered here are welcome.",
    "This page is updated whenever new information comes in.",
    "A summary like this can never capture everything.",
    "Some of the older details come from a local archive.",
    "It took a while to confirm a few of the figures.",
    "The layout of this page was simplified last month.",
    "A translated version is being prepared.",
    "People who know the subject well are welcome to add to it.",
    "For now, this is the most complete overview available.",
    "Earlier versions of this text are no longer in use.",
    "A short glossary may be added at a later date.",
    "Reading it twice is recommended, as it is quite dense.",
    "The details were gathered from conversations and documents alike.",
    "Keep an eye out for an updated edition next season.",
)


