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

>>> import random
>>> rec = make_document(FactsConfig(), random.Random(0), "train")
>>> all(q.answers[0].lower() in rec.document.lower() for q in rec.questions)
True
"""
from __future__ import annotations

import functools
import hashlib
import random
from dataclasses import dataclass
from typing import Callable

from engine.data.records import QA, SPLITS, Record, TokenCounter, approx_tokens, check_split

# --------------------------------------------------------------------------------------
# Word lists. Names are split by hash (see stable_split); everything else is shared.
# --------------------------------------------------------------------------------------

FIRST_NAMES = (
    # Nordic and Finnish
    "Astrid", "Bjorn", "Freya", "Henrik", "Ingrid", "Lars", "Sigrid", "Torvald", "Linnea",
    "Espen", "Maja", "Oskar", "Petra", "Soren", "Elin", "Aino", "Eero", "Kaisa", "Tiina",
    "Aleksi",
    # German, Dutch, French
    "Anke", "Bastian", "Dieter", "Greta", "Jannik", "Liesel", "Maarten", "Wiebke", "Ruben",
    "Sanne", "Joris", "Femke", "Amelie", "Bastien", "Camille", "Elodie", "Florian", "Lucien",
    "Margaux", "Thibault", "Solene", "Yannick",
    # Italian, Spanish, Portuguese, Latin American
    "Alessandro", "Beatriz", "Chiara", "Dario", "Gonzalo", "Ines", "Joaquim", "Lorenzo",
    "Marisol", "Paola", "Rafael", "Teresa", "Vittoria", "Ximena", "Catalina", "Mateo",
    "Diego", "Fernanda", "Guillermo", "Lucia", "Rodrigo", "Valentina", "Xiomara", "Ignacio",
    # Slavic, Hungarian, Greek, Turkish
    "Bogdan", "Danuta", "Milena", "Radek", "Svetlana", "Tomasz", "Vesna", "Zoran",
    "Katarina", "Miroslav", "Agnieszka", "Yuliya", "Zsofia", "Dimitra", "Eleni", "Nikos",
    "Stavros", "Theodora", "Aylin", "Emre", "Deniz", "Kerem", "Selin", "Tuncay",
    # Arabic, Persian, Hebrew, Armenian, Georgian
    "Amira", "Farid", "Hamza", "Karim", "Layla", "Nadia", "Omar", "Rania", "Samir", "Yasmin",
    "Zainab", "Dariush", "Shirin", "Parisa", "Kaveh", "Avital", "Noam", "Yael", "Eitan",
    "Tamar", "Anush", "Tigran", "Nino", "Giorgi", "Levan",
    # South Asian
    "Aarav", "Anjali", "Devika", "Harish", "Ishaan", "Kavya", "Meera", "Nikhil", "Priya",
    "Rohan", "Sanjay", "Tanvi", "Vikram", "Arjun", "Lakshmi",
    # East and Southeast Asian
    "Haruto", "Hiroshi", "Keiko", "Sakura", "Takeshi", "Yuki", "Jiwoo", "Minseo", "Seojun",
    "Hyejin", "Xiulan", "Jian", "Lihua", "Thao", "Tuan", "Nattapong", "Siriporn", "Dewi",
    "Bayu", "Rizal", "Maricel", "Jomar",
    # African
    "Abebe", "Amara", "Chidi", "Chioma", "Folake", "Kwame", "Kofi", "Nkechi", "Oluwaseun",
    "Sipho", "Thandiwe", "Themba", "Wanjiru", "Zuri", "Adaeze", "Babajide", "Makena",
    "Jabari", "Ayodele", "Tendai",
    # Irish, Welsh, Scottish, English
    "Aoife", "Ciaran", "Siobhan", "Niamh", "Eamon", "Rhys", "Bronwen", "Gareth", "Duncan",
    "Fiona", "Harriet", "Imogen", "Oliver", "Theodore", "Beatrice", "Wilfred", "Eleanor",
    "Declan",
    # More names, many origins
    "Anneli", "Birgitta", "Edvard", "Halldor", "Runa", "Solveig", "Ulrika", "Gunnar",
    "Friederike", "Konstantin", "Mathilde", "Leopold", "Ottilie", "Quentin", "Severine",
    "Apolline", "Ludovic", "Benedetta", "Graziella", "Massimo", "Ottavio", "Rosalba",
    "Leandro", "Pilar", "Evaristo", "Graciela", "Anselmo", "Yolanda", "Bartosz", "Jadwiga",
    "Wojciech", "Ludmila", "Stanislav", "Bozena", "Dragan", "Jelena", "Ilinca", "Sorin",
    "Andras", "Ildiko", "Panagiotis", "Kalliope", "Orhan", "Gulsen", "Fatma", "Ilyas",
    "Khadija", "Mustafa", "Nasrin", "Rostam", "Soraya", "Yusuf", "Boaz", "Shoshana",
    "Armen", "Siranush", "Tamuna", "Zurab", "Bhavna", "Chetan", "Gopal", "Indira",
    "Jyoti", "Mohan", "Rekha", "Sunil", "Usha", "Yamini", "Daisuke", "Emiko", "Kazuo",
    "Naoko", "Shinji", "Tomoko", "Dongmin", "Eunji", "Sunhee", "Youngho", "Guoqiang",
    "Meiling", "Shaoqing", "Yanting", "Phuong", "Quang", "Somchai", "Wassana", "Agus",
    "Putri", "Rosalinda", "Efren", "Adwoa", "Ekow", "Ifeoma", "Obinna", "Mulugeta",
    "Tsehay", "Kagiso", "Lerato", "Nomvula", "Sizwe", "Wambui", "Kiprono", "Fatoumata",
    "Moussa", "Aminata", "Ousmane", "Cormac", "Grainne", "Padraig", "Eilidh", "Hamish",
    "Morwenna", "Tegan", "Ffion", "Alistair", "Cordelia", "Ambrose", "Winifred",
    "Ngaire", "Tamati", "Losana", "Viliami",
    # Pacific
    "Leilani", "Kalani", "Aroha", "Wiremu", "Sione", "Mele",
)

LAST_NAMES = (
    "Lindqvist", "Halvorsen", "Bergstrom", "Eriksen", "Nyberg", "Lindahl", "Virtanen",
    "Korhonen", "Makinen", "Lahtinen", "Halonen", "Okafor", "Mensah", "Adeyemi", "Nwosu",
    "Banda", "Mwangi", "Otieno", "Dlamini", "Boateng", "Asante", "Owusu", "Achebe", "Kamau",
    "Njoroge", "Moyo", "Ndlovu", "Sithole", "Tshabalala", "Haddad", "Nasser", "Khoury",
    "Farouk", "Rahimi", "Tehrani", "Karimi", "Sadeghi", "Qureshi", "Siddiqui", "Hussain",
    "Rashid", "Aziz", "Yilmaz", "Demir", "Kaya", "Aydin", "Papadopoulos", "Georgiou",
    "Kowalski", "Nowak", "Wisniewska", "Novak", "Horvat", "Petrovic", "Ivanova", "Sokolov",
    "Morozova", "Dvorak", "Kovacs", "Szabo", "Nagy", "Popescu", "Ionescu", "Moreau",
    "Lefebvre", "Girard", "Fontaine", "Rousseau", "Dubois", "Laurent", "Mercier", "Bianchi",
    "Romano", "Esposito", "Ferrara", "Marchetti", "Castillo", "Moreno", "Herrera", "Navarro",
    "Ortega", "Delgado", "Quintero", "Salazar", "Figueroa", "Pereira", "Carvalho", "Almeida",
    "Barbosa", "Tavares", "Ferreira", "Schneider", "Hoffmann", "Keller", "Vogel", "Brandt",
    "Krause", "Richter", "Lehmann", "Visser", "Janssen", "Nakamura", "Tanaka", "Watanabe",
    "Kobayashi", "Yoshida", "Matsumoto", "Takahashi", "Kimura", "Choi", "Jeong", "Hwang",
    "Yoon", "Liang", "Zhou", "Huang", "Zhang", "Tran", "Nguyen", "Pham", "Santos", "Reyes",
    "Bautista", "Villanueva", "Mendoza", "Sharma", "Patel", "Iyer", "Reddy", "Banerjee",
    "Chatterjee", "Menon", "Kapoor", "Malhotra", "Desai", "Joshi", "Sandhu", "Grewal",
    "Gallagher", "Donnelly", "MacLeod", "Fraser", "Campbell", "Llewellyn", "Pritchard",
    "Ashworth", "Whitlock", "Pemberton", "Fairbanks", "Holloway", "Hargreaves", "Sinclair",
    "Ramsay", "Rosenberg", "Adler", "Friedman", "Katz", "Mizrahi", "Petrossian",
    "Grigoryan", "Beridze", "Kapanadze", "Tupou", "Kealoha", "Fonoti",
    "Aalto", "Heikkinen", "Nieminen", "Sundberg", "Thorsen", "Engstrom", "Dahlgren",
    "Vikander", "Oyelaran", "Okonkwo", "Ogunleye", "Adebayo", "Nnamdi", "Ekwueme",
    "Tesfaye", "Gebremedhin", "Wolde", "Kiprotich", "Chebet", "Wanjala", "Mutua",
    "Khumalo", "Mokoena", "Nkosi", "Diallo", "Traore", "Keita", "Coulibaly", "Ndiaye",
    "Saleh", "Mansour", "Darwish", "Haidari", "Jafari", "Mousavi", "Hosseini", "Farahani",
    "Chaudhry", "Baig", "Mirza", "Ozturk", "Celik", "Arslan", "Koc", "Karahan",
    "Stavridis", "Kostopoulos", "Andreadis", "Lazaridis", "Zielinski", "Wojcik",
    "Kaminska", "Lewandowski", "Dabrowski", "Svoboda", "Prochazka", "Blazek", "Kral",
    "Marinescu", "Dumitru", "Stanciu", "Toth", "Farkas", "Varga", "Balogh", "Jovanovic",
    "Nikolic", "Markovic", "Babic", "Kuznetsova", "Volkov", "Orlova", "Belov",
    "Chevalier", "Bonnard", "Marchand", "Delacroix", "Garnier", "Perrault", "Vasseur",
    "Colombo", "Ricci", "Galli", "Conti", "Mancini", "Lombardi", "Barone", "Santangelo",
    "Ibarra", "Zamora", "Cordero", "Valdez", "Aguilar", "Espinoza", "Carrasco",
    "Monteiro", "Figueiredo", "Nogueira", "Sequeira", "Wagner", "Zimmermann", "Hartmann",
    "Kessler", "Brenner", "Lindner", "Eichhorn", "Dijkstra", "Verhoeven", "Kuipers",
    "Hendriks", "Bosman", "Inoue", "Fujita", "Ishikawa", "Okada", "Morimoto", "Hasegawa",
    "Kwon", "Seo", "Baek", "Shin", "Jang", "Yeo", "Guo", "Luo", "Deng", "Feng", "Tang",
    "Zheng", "Vu", "Dang", "Bui", "Huynh", "Srisai", "Wongsa", "Rahardjo", "Santoso",
    "Gunawardena", "Perera", "Fernando", "Jayasuriya", "Nair", "Pillai", "Krishnan",
    "Rao", "Mukherjee", "Ghosh", "Bhattacharya", "Trivedi", "Mehta", "Saxena",
    "O'Sullivan", "Fitzgerald", "McAllister", "Dunleavy", "Breslin", "Cadwallader",
    "Pugh", "Treharne", "Polglase", "Trelawney", "Ainsworth", "Blackburn", "Cartwright",
    "Featherstone", "Gilchrist", "Haverford", "Kettering", "Loxley", "Merriweather",
    "Nightingale", "Pennington", "Rutherford", "Standish", "Wetherby", "Yardley",
    "Horowitz", "Abramov", "Shapiro", "Kaplan", "Aharoni", "Hakobyan", "Sargsyan",
    "Tsereteli", "Lomidze", "Faleolo", "Taufa", "Mahuika", "Ngata",
)

COMPANY_CORES = (
    "Brightwater", "Northwind", "Silverline", "Bluefin", "Copperleaf", "Ironbark", "Larkspur",
    "Meridian", "Oakridge", "Pinecrest", "Quillon", "Redstone", "Saltmarsh", "Tidewell",
    "Umberfield", "Vantor", "Westbrook", "Zephyr", "Amberlyn", "Birchwood", "Cobaltis",
    "Driftwood", "Emberly", "Foxglove", "Glimmer", "Hollowell", "Inkwell", "Mosswood",
    "Nettlefield", "Palisade", "Quarrystone", "Riverbend", "Thistledown", "Upland", "Vireo",
    "Willowmere", "Basalt", "Cinderhill", "Dovetail", "Evergreen", "Fathom", "Granite",
    "Jetstream", "Kindling", "Marigold", "Obsidian", "Quasar", "Rookwood", "Sablecrest",
    "Verdant", "Wayfarer", "Yarrow", "Zenith", "Arborline", "Corvid", "Delphine",
    "Gossamer", "Halcyon", "Keystone", "Loomcraft", "Mariner", "Northgate", "Orbital",
    "Paragon", "Quince", "Rampart", "Solstice", "Trident", "Vertex", "Windrose", "Axiom",
    "Cascade", "Equinox", "Frontier", "Greystone", "Hearthstone", "Kinetic", "Lodestar",
    "Monarch", "Outpost", "Pioneer", "Radiant", "Summitry", "Tandem", "Upstream", "Vistara",
    "Waypoint", "Crestline", "Bellweather", "Highmark", "Seabright", "Stonebridge",
    "Sunfield", "Clearwater", "Fairhaven", "Goldleaf", "Silverbirch", "Ashgrove",
    "Hazelbrook", "Maplewood", "Oakhurst", "Rosewater", "Ravensworth", "Starboard",
    "Albatross", "Bluebell", "Cobblestone", "Dawnlight", "Elderberry", "Firefly",
    "Glenmoor", "Heatherly", "Ironwood", "Jadestone", 
    "Moonrise", "Nightjar", "Oakleaf", "Pebblebrook", "Quicksilver", "Ridgeway",
    "Sandpiper", "Tallowmere", "Undercliff", "Valewind", "Whitethorn", "Yewtree",
    "Blackthorn", "Coppergate", "Deepwater", "Eastwind", "Farrowdale", "Goldcrest",
    "Hollybush", "Ivywood", "Kelpwater", "Lanternfly", "Mistral", "Northstar",
    "Oldcastle", "Primrose", "Redwing", "Silverfern", "Tallship", "Underwood", "Vanguard",
    "Whitecap", "Amberwood", "Brightforge", "Cloudberry", "Dunlin", "Everbright",
    "Flintlock", "Greenhollow", "Hightide", "Inglenook", "Juniperhill", "Kestrelwing",
    "Longbarrow", "Millrace", "Newbridge", "Openfield", "Pinnacle", 
    "Rushmere", "Shorebird", "Thornbury", "Unicorn", "Velvetleaf", "Wildflower",
    "Yellowfin", "Zinnia", "Anchorage", "Bellflower", "Coalbrook", "Driftstone",
    "Eaglecrest", "Fernhill", "Gladestone", "Harrowgate", "Icefield", "Jubilee",
    "Kilnworth", "Lakeshore", "Marshlight", "Orchardly", "Pemberly",
    "Quartzline", "Rivermoss", "Stormfront", "Tidemark", "Umbra", "Vinewood", "Wrenfield",
)
COMPANY_SUFFIXES = (
    "Group", "Holdings", "Industries", "Works", "Trading", "Partners", "& Sons", "Ltd",
    "Collective", "Supply", "Enterprises", "Manufacturing", "Brothers", "International",
)

TOWN_HEADS = (
    "Brack", "Corm", "Dunn", "Elsk", "Fenn", "Gorm", "Hask", "Ilv", "Jorr", "Kell", "Lunt",
    "Morr", "Nesh", "Orm", "Pell", "Quarn", "Rill", "Skel", "Tarn", "Ulv", "Vost", "Wenn",
    "Yarl", "Zell", "Ast", "Belk", "Carr", "Drum", "Osk", "Stav",
)
TOWN_TAILS = (
    "mere", "ford", "wick", "by", "haven", "stead", "holm", "dale", "bury", "ton", "vik",
    "thorpe", "brook", "moor", "field", "bridge",
)

PET_NAMES = (
    "Biscuit", "Waffles", "Noodle", "Pickles", "Mochi", "Ziggy", "Marmalade", "Pumpkin",
    "Button", "Pudding", "Sprocket", "Widget", "Gizmo", "Pixel", "Domino", "Bandit",
    "Rascal", "Scout", "Ranger", "Comet", "Rocket", "Shadow", "Smokey", "Whiskers",
    "Mittens", "Socks", "Paddington", "Rufus", "Bruno", "Archie", "Barnaby", "Cosmo",
    "Dexter", "Elvis", "Fergus", "Humphrey", "Iggy", "Loki", "Milo", "Nacho", "Otis",
    "Pippin", "Quincy", "Rolo", "Sherlock", "Tinker", "Ulysses", "Vinnie", "Wally", "Yoshi",
    "Bubbles", "Crumpet", "Dumpling", "Fudge", "Gnocchi", "Lentil", "Nugget", "Peanut",
    "Poppy", "Muffin", "Taffy", "Truffle", "Tinsel", "Zucchini", "Clover", "Dusty",
    "Flapjack", "Goblin", "Hobbes", "Inky", "Jellybean", "Kipper", "Luna", "Orbit", "Patch",
    "Quill", "Rusty", "Tiggy", "Velvet", "Wiggles", "Yeti", "Zorro", "Bramble", "Pretzel",
    "Bagel", "Cheddar", "Crouton", "Dandelion", "Doodle", "Fidget", "Frodo", "Gingersnap",
    "Hopscotch", "Jinx", "Kazoo", "Licorice", "Marzipan", "Meatball", "Nibbles", "Oreo",
    "Pancake", "Pistachio", "Puddle", "Radish", "Rhubarb", "Scrabble", "Snowball",
    "Sprout", "Stitch", "Tater", "Toffee", "Tumble", "Turnip", "Waffle", "Wobble",
    "Ziti", "Acorn", "Bingo", "Buttons", "Chestnut", "Custard", "Dumbledore", "Echo",
    "Figaro", "Gravy", "Harley", "Jupiter", "Kismet", "Lolly", "Moose", "Nemo",
    "Oscar", "Pogo", "Popcorn", "Rambo", "Saffy", "Sushi", "Teacup", "Twiggy",
    "Vroom", "Winston", "Yodel", "Zeppelin", "Bonbon", "Cupcake", "Dobby", "Ember",
    "Fizz", "Goose", "Hiccup", "Icarus", "Juju", "Koala", "Lemonade", "Alfie", "Bean",
    "Bixby", "Blossom", "Boomer", "Brownie", "Buster", "Cabbage", "Caspar", "Chewie",
    "Chutney", "Cinders", "Clementine", "Coco", "Conker", "Dottie", "Dumpy", "Eggnog",
    "Elmo", "Fable", "Flossie", "Fritter", "Gadget", "Gumdrop", "Hamlet", "Honeybun",
    "Hugo", "Indie", "Jambo", "Jelly", "Jingles", "Kipling", "Lulu", "Macaroni",
    "Marshmallow", "Merlin", "Minnie", "Mopsy", "Mumble", "Nutkin", "Olaf", "Pebbles",
    "Percy", "Piper", "Pocket", "Pongo", "Porkchop", "Rascalina", "Ravioli", "Rooster",
    "Scamp", "Scooter", "Shortbread", "Skittles", "Sniffles", "Sparky", "Squiggle",
    "Sprinkles", "Sugarplum", "Tapioca", "Tiramisu", "Trifle", "Tucker", "Whisper",
    "Wombles", "Zazu", "Ziggurat", "Zippy", "Bumble", "Dodger", "Pumpernickel", "Rigatoni",
    "Tortellini", "Snickerdoodle", "Butterscotch", "Gobbles", "Kumquat",
)

BRAND_HEADS = (
    "Nim", "Vex", "Kor", "Lum", "Zen", "Arv", "Card", "Dur", "Elv", "Fyr", "Glyd", "Hel",
    "Jov", "Kair", "Lyr", "Miv", "Nex", "Orl", "Pix", "Qub", "Riv", "Sor", "Tav", "Vant",
)
BRAND_TAILS = ("bus", "a", "ra", "io", "tro", "o", "ix", "el", "ano", "ora", "yx", "ento")

STREET_BASES = (
    "Harbour", "Mill", "Orchard", "Chapel", "Tanner", "Rope", "Linden", "Quarry", "Weaver",
    "Salt", "Bell", "Cooper", "Chandler", "Ferry", "Granary", "Foundry", "Lantern", "Kiln",
    "Market", "Sexton", "Pilgrim", "Cobbler", "Tollgate", "Beacon Hill", "Saddler",
)
STREET_TYPES = ("Street", "Lane", "Road", "Avenue", "Row", "Close", "Terrace", "Way", "Crescent")

PROFESSIONS = (
    "architect", "beekeeper", "cartographer", "dentist", "electrician", "florist",
    "geologist", "harbour pilot", "illustrator", "journalist", "landscape gardener",
    "locksmith", "marine biologist", "midwife", "nurse", "optician", "pharmacist",
    "piano tuner", "plumber", "radio presenter", "saddler", "school librarian",
    "sound engineer", "surveyor", "tailor", "translator", "upholsterer", "veterinary nurse",
    "watchmaker", "wind turbine technician", "archivist", "bookbinder", "carpenter",
    "chemist", "chef", "crane operator", "data analyst", "dietitian", "ferry captain",
    "firefighter", "glassblower", "hairdresser", "lighthouse keeper", "mechanic",
    "museum curator", "paramedic", "park ranger", "physiotherapist", "potter",
    "social worker", "stonemason", "tax adviser", "tram driver", "typesetter",
    "violin maker", "web designer", "zookeeper",
)
COLORS = (
    "teal", "crimson", "mustard yellow", "navy blue", "olive green", "burnt orange", "lilac",
    "charcoal grey", "turquoise", "maroon", "coral", "sky blue", "forest green", "silver",
    "ivory", "plum", "scarlet", "sand", "copper", "lavender",
)
PET_SPECIES = (
    "parrot", "tortoise", "rabbit", "ferret", "guinea pig", "hamster", "cockatiel", "iguana",
    "corn snake", "goldfish", "chinchilla", "beagle", "tabby cat", "labrador", "dachshund",
    "gecko", "budgie", "axolotl", "hedgehog", "canary", "pug", "greyhound", "bearded dragon",
)
CLUB_ANIMALS = (
    "Heron", "Otter", "Falcon", "Badger", "Lynx", "Stag", "Wolf", "Raven", "Osprey",
    "Marten", "Puffin", "Bison", "Hare", "Swift", "Kingfisher", "Cormorant", "Wren", "Ibex",
)
PET_TREATS = (
    "sardines", "carrots", "peanut butter", "boiled chicken", "apple slices", "cheese cubes",
    "blueberries", "sunflower seeds", "mealworms", "cucumber", "sweet potato", "green beans",
    "dried mango", "scrambled egg", "banana chips", "kale", "pumpkin seeds", "salmon flakes",
)
HOBBIES = (
    "birdwatching", "rock climbing", "pottery", "chess", "sea swimming", "gardening",
    "woodworking", "knitting", "stargazing", "cycling", "baking sourdough", "fly fishing",
    "orienteering", "calligraphy", "origami", "sailing", "salsa dancing", "photography",
    "model railways", "bouldering", "kayaking", "crossword puzzles", "trail running",
    "embroidery", "geocaching", "fencing", "archery", "juggling",
)
INSTRUMENTS = (
    "cello", "oboe", "banjo", "accordion", "harp", "clarinet", "trombone", "ukulele",
    "double bass", "bassoon", "harmonica", "mandolin", "saxophone", "French horn", "viola",
    "sitar", "tabla", "bouzouki", "marimba", "theremin", "flute", "tuba",
)
LANGUAGES = (
    "Portuguese", "Finnish", "Swahili", "Icelandic", "Tagalog", "Hungarian", "Korean",
    "Welsh", "Turkish", "Greek", "Polish", "Dutch", "Japanese", "Arabic", "Hindi", "Catalan",
    "Estonian", "Basque", "Yoruba", "Vietnamese", "Czech", "Romanian", "Norwegian",
    "Amharic", "Mandarin", "Farsi",
)
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)
SPICES = (
    "cardamom", "saffron", "smoked paprika", "star anise", "fennel seed", "sumac", "nutmeg",
    "cinnamon", "black pepper", "allspice", "ginger", "turmeric", "cumin", "cloves",
    "vanilla", "caraway", "fenugreek", "za'atar", "orange zest", "rosemary",
)
SPORTS = (
    "hockey", "rugby", "handball", "volleyball", "basketball", "rowing", "water polo",
    "netball", "lacrosse", "cricket", "football", "curling", "badminton", "korfball",
)
INDUSTRIES = (
    "fishing", "salt mining", "textile weaving", "shipbuilding", "cheese making",
    "glassmaking", "timber", "tourism", "wine growing", "paper milling", "boat repair",
    "wool spinning", "clockmaking", "brewing", "furniture making", "seaweed farming",
    "copper mining", "lace making",
)
VENUES = (
    "Willow Hall", "Granary Hall", "Mill Yard", "Harbour Pavilion", "Old Ropeworks",
    "Quayside Gallery", "Riverside Barn", "Orchard Pavilion", "Clocktower Rooms",
    "the Glasshouse", "Station Hall", "Foundry Studio", "the Boathouse", "Market Hall",
    "Observatory Terrace", "the Maltings", "Tannery Yard", "Signal Box Theatre",
)
GROUNDS = (
    "Mill Lane Park", "Ferry Road Ground", "Heathfield Arena", "Quarry Meadow",
    "Gasworks Lane", "Railway Park", "Beacon Field", "Church Meadow", "Brewery Lane Ground",
    "Harbour Green", "the Old Showground", "Kiln Road Stadium",
)
HOTELS = (
    "Hotel Bellavista", "the Anchor Inn", "Pier House Hotel", "Hotel Solara",
    "Grand Hotel Aurora", "Lighthouse Lodge", "Hotel Cormorant", "Pinewood Inn",
    "Hotel Cassia", "Seaview House", "Hotel Nordlys", "the Tollgate Hotel", "Hotel Miramar",
    "the Salt Loft", "Hotel Edelweiss",
)
DISHES = (
    "lemon tart", "plum cake", "mushroom lasagne", "apple crumble", "onion tart",
    "barley bread", "pumpkin pie", "walnut biscuits", "cherry clafoutis", "carrot cake",
    "potato gratin", "rye bread", "spinach pie", "ginger loaf", "honey cake",
    "tomato galette", "pear crumble", "almond cake", "fig focaccia", "leek and cheese pie",
    "apricot strudel", "baked aubergine", "cornbread", "rhubarb crumble",
)
EVENT_KINDS = (
    ("Lantern Festival", "festival"), ("Jazz Night", "concert"), ("Book Fair", "fair"),
    ("Science Fair", "fair"), ("Film Festival", "festival"), ("Kite Festival", "festival"),
    ("Charity Run", "run"), ("Harvest Fair", "fair"), ("Poetry Evening", "evening"),
    ("Choir Concert", "concert"), ("Craft Market", "market"), ("Chess Open", "tournament"),
    ("Winter Ball", "ball"), ("Robotics Expo", "expo"), ("Garden Show", "show"),
)
MEETING_TYPES = (
    "budget", "planning", "safety committee", "product review", "quarterly", "board",
    "hiring", "marketing", "logistics", "sustainability",
)
SERVICES = (
    "Express", "Night Bus", "Coastal Ferry", "Shuttle", "Sprinter", "Valley Railway",
    "Airport Coach", "Harbour Ferry", "Mountain Tram", "Lake Steamer",
)
HOUSE_KINDS = ("Guesthouse", "Hostel", "Lodge", "Residence", "Inn", "Boarding House")
DEVICES = (
    "centrifuge", "incubator", "spectrometer", "fume hood", "autoclave", "freeze dryer",
    "laser cutter", "3D printer", "kiln", "microscope", "water bath", "thermal cycler",
)
PRODUCT_TYPES = (
    "cordless drill", "e-reader", "robot vacuum", "bluetooth speaker", "smartwatch",
    "electric toothbrush", "camera drone", "noise-cancelling headset", "handheld vacuum",
    "action camera", "tablet", "garden trimmer", "portable projector", "camping lantern",
    "baby monitor", "label printer", "walkie-talkie", "electric scooter",
)
COMPANY_PRODUCTS = (
    "garden furniture", "herbal teas", "bicycle parts", "ceramic tiles", "hiking boots",
    "solar panels", "children's books", "frozen dumplings", "wool blankets",
    "kitchen knives", "board games", "greeting cards", "sailing equipment", "paint brushes",
    "dog food", "office chairs", "smart thermostats", "organic soaps", "pasta sauces",
    "mountain bikes", "wooden toys", "surfboards",
)
INVOICE_ITEMS = (
    "office chairs", "printer toner", "standing desks", "floor lamps", "coffee beans",
    "safety helmets", "laptop stands", "paint tins", "copy paper", "cleaning supplies",
    "garden hoses", "storage boxes", "whiteboards", "work gloves", "filing cabinets",
)
PAYMENT_METHODS = ("bank transfer", "credit card", "cheque", "direct debit", "cash")
SUBJECTS = (
    "Astronomy", "Pottery", "Marine Biology", "Bookkeeping", "Calligraphy",
    "Creative Writing", "Statistics", "Woodworking", "Medieval History", "Urban Planning",
    "Beekeeping", "Photography", "Organic Chemistry", "Sign Language", "Music Theory",
    "Public Speaking", "Cartography", "Bread Baking", "Film Editing", "Game Design",
    "Botany", "Ethics", "Robotics", "Sculpture",
)
COURSE_LEVELS = ("Introduction to", "Advanced", "Practical", "Foundations of", "Topics in")
RIVERS = (
    "Osk", "Tamber", "Wendle", "Carrow", "Isel", "Sorrel", "Vessen", "Orrin", "Marrow",
    "Kelda", "Thewl", "Amsel", "Perrin", "Lidden", "Gorse", "Fennick", "Brise", "Ulla",
)
PASSWORD_WORDS = (
    "heron", "maple", "lantern", "pebble", "walrus", "thimble", "comet", "saffron",
    "harbour", "meadow", "quartz", "tundra", "juniper", "cobalt", "falcon", "nectar",
)
TEAMS = ("All staff", "Front desk team", "Volunteers", "Project team", "Board members",
         "Operations team", "Night shift", "Members")

# --------------------------------------------------------------------------------------
# Splits of entity names.
# --------------------------------------------------------------------------------------


def stable_split(name: str) -> str:
    """The split of an entity name: SHA-256 bucket 0-79 train, 80-89 val, 90-99 test.

    Stable across processes and Python versions (unlike ``hash``).

    >>> stable_split("Petra")
    'train'
    """
    bucket = int(hashlib.sha256(name.encode("utf-8")).hexdigest()[:8], 16) % 100
    return "train" if bucket < 80 else "val" if bucket < 90 else "test"


@dataclass(frozen=True)
class Pools:
    """The entity names of one split."""

    first: tuple[str, ...]
    last: tuple[str, ...]
    companies: tuple[str, ...]
    towns: tuple[str, ...]
    pets: tuple[str, ...]
    brands: tuple[str, ...]

    def names(self) -> set[str]:
        return {*self.first, *self.last, *self.companies, *self.towns, *self.pets, *self.brands}


@functools.lru_cache(maxsize=len(SPLITS))
def pools(split: str) -> Pools:
    """Entity names of ``split`` (towns and brands are composed head + tail, then split whole)."""
    check_split(split)
    towns = tuple(h + t for h in TOWN_HEADS for t in TOWN_TAILS)
    brands = tuple(h + t for h in BRAND_HEADS for t in BRAND_TAILS)

    def keep(names: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(n for n in names if stable_split(n) == split)

    return Pools(keep(FIRST_NAMES), keep(LAST_NAMES), keep(COMPANY_CORES), keep(towns),
                 keep(PET_NAMES), keep(brands))


def entity_names(split: str) -> set[str]:
    """All entity names from the word lists that a document of ``split`` may use (for leak tests).

    Coined names (:func:`coined_pools`) are not listed: there is no end to them, and each one
    hashes to its document's split like the listed names do.
    """
    return pools(split).names()


# Coined names: made-up words from syllables, so that training sees an open-ended supply of names
# (the hypernetwork must learn to write *any* name into weights, not pick one from a list it knows).
ONSETS = (
    "b", "br", "bl", "ch", "d", "dr", "f", "fr", "g", "gr", "gl", "h", "j", "k", "kr", "l", "m",
    "n", "p", "pr", "pl", "qu", "r", "s", "sh", "sk", "st", "t", "tr", "th", "v", "w", "y", "z", "",
)
VOWELS = ("a", "e", "i", "o", "u", "a", "e", "o", "ai", "ea", "ou", "io", "y")
CODAS = ("", "", "", "", "", "n", "r", "l", "s", "m", "th", "k", "x", "nd", "st")
LAST_SUFFIXES = ("", "", "", "son", "berg", "ez", "ova", "ski", "ton", "ley", "wick", "ari", "stein", "escu", "ian")


def coined_word(rng: random.Random, syllables: int) -> str:
    """One capitalised made-up word of ``syllables`` syllables ("Brathel", "Quoskimar")."""
    word = "".join(rng.choice(ONSETS) + rng.choice(VOWELS) + rng.choice(CODAS) for _ in range(syllables))
    return word[:1].upper() + word[1:]


def coined_pools(rng: random.Random, split: str, size: int = 24, longest: int = 11) -> Pools:
    """``size`` fresh made-up names of every kind (3 to ``longest`` letters), each kept only if it hashes to ``split``.

    Hashing them like the listed names keeps the split rule whole: a coined training name can
    never be a validation or test name, listed or coined.
    """
    check_split(split)

    def draw(make: Callable[[], str]) -> tuple[str, ...]:
        out: dict[str, None] = {}
        while len(out) < size:
            name = make()
            if 3 <= len(name) <= longest and stable_split(name) == split:
                out[name] = None
        return tuple(out)

    def town() -> str:
        return coined_word(rng, rng.randint(1, 2)) + (rng.choice(TOWN_TAILS) if rng.random() < 0.5 else "")

    def two_or_three() -> int:
        return 2 if rng.random() < 0.7 else 3

    return Pools(
        first=draw(lambda: coined_word(rng, two_or_three())),
        last=draw(lambda: coined_word(rng, rng.randint(1, 2)) + rng.choice(LAST_SUFFIXES)),
        companies=draw(lambda: coined_word(rng, two_or_three())),
        towns=draw(town),
        pets=draw(lambda: coined_word(rng, rng.randint(1, 2)) + rng.choice(("", "", "y", "o", "ie", "kins"))),
        brands=draw(lambda: coined_word(rng, 2)),
    )


# --------------------------------------------------------------------------------------
# Values and the per-document value source.
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Value:
    """A sampled value: ``text`` as written in the document, ``answers`` accepted (first is in text)."""

    text: str
    answers: tuple[str, ...]


class PoolExhausted(LookupError):
    """No unused value is left in a pool for this document."""


def _dedup(items: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def _h12(hour: int, minute: int) -> str:
    """12-hour form of a time: (19, 30) -> '7:30 pm'."""
    return f"{hour % 12 or 12}:{minute:02d} {'am' if hour < 12 else 'pm'}"


class Draw:
    """Per-document value source: names from the split's pools, no value used twice.

    Built fresh for every document (it is the document's scratch state, never shared).
    """

    def __init__(self, rng: random.Random, names: Pools) -> None:
        self.rng = rng
        self.names = names
        self.used: set[str] = set()
        self.currency = rng.choice("€$£")

    def fresh(self, make: Callable[[], str], tries: int = 60) -> str:
        """A new string from ``make`` not yet used in this document."""
        for _ in range(tries):
            text = make()
            if text not in self.used:
                self.used.add(text)
                return text
        raise PoolExhausted("no unused value left")

    def word(self, pool: tuple[str, ...]) -> str:
        return self.fresh(lambda: self.rng.choice(pool))

    def pick(self, pool: tuple[str, ...]) -> Value:
        text = self.word(pool)
        return Value(text, (text,))

    def person(self) -> Value:
        first, last = self.word(self.names.first), self.word(self.names.last)
        full = f"{first} {last}"
        self.used.add(full)
        return Value(full, _dedup((full, *(n for n in (first, last) if len(n) >= 4))))

    def town(self) -> Value:
        return self.pick(self.names.towns)

    def company(self) -> Value:
        core = self.word(self.names.companies)
        full = f"{core} {self.rng.choice(COMPANY_SUFFIXES)}"
        return Value(full, (full, core))

    def integer(self, lo: int, hi: int, step: int = 1) -> Value:
        n = int(self.fresh(lambda: str(self.rng.randrange(lo, hi + 1, step))))
        return Value(f"{n:,}", _dedup((f"{n:,}", str(n))))

    def money(self, lo: int, hi: int, step: int = 1) -> Value:
        n = int(self.fresh(lambda: str(self.rng.randrange(lo, hi + 1, step))))
        return Value(f"{self.currency}{n:,}", _dedup((f"{n:,}", str(n))))

    def decimal(self, lo: float, hi: float) -> Value:
        text = self.fresh(lambda: f"{self.rng.uniform(lo, hi):.1f}")
        return Value(text, (text,))

    def year(self, lo: int, hi: int) -> Value:
        text = self.fresh(lambda: str(self.rng.randint(lo, hi)))
        return Value(text, (text,))

    def time(self, lo_hour: int, hi_hour: int) -> Value:
        def make() -> str:
            return f"{self.rng.randint(lo_hour, hi_hour):02d}:{self.rng.choice((0, 15, 30, 45)):02d}"

        text = self.fresh(make)
        return Value(text, (text, _h12(int(text[:2]), int(text[3:]))))

    def date(self) -> Value:
        month, day = self.fresh(lambda: f"{self.rng.choice(MONTHS)} {self.rng.randint(10, 28)}").split()
        return Value(f"{month} {day}", (f"{month} {day}", f"{day} {month}"))

    def code(self, prefix: str, digits: int) -> Value:
        text = self.fresh(lambda: f"{prefix}{self.rng.randrange(10 ** (digits - 1), 10**digits)}")
        number = text[len(prefix):]
        return Value(text, _dedup((text, number)) if len(number) >= 4 else (text,))

    def room(self) -> Value:
        return self.pick(tuple(f"{c}{n}" for c in "ABCDEG" for n in range(101, 131)))

    def flight(self) -> Value:
        def make() -> str:
            letters = "".join(self.rng.choice("ABDEFHKLMNRSTUVWZ") for _ in range(2))
            return f"{letters} {self.rng.randint(100, 9899)}"

        text = self.fresh(make)
        return Value(text, (text, text.replace(" ", "")))

    def seat(self) -> Value:
        text = self.fresh(lambda: f"{self.rng.randint(3, 38)}{self.rng.choice('ABCDEF')}")
        return Value(text, (text,))

    def password(self) -> Value:
        return self.pick(tuple(f"{w}{n}" for w in PASSWORD_WORDS for n in range(11, 99)))

    def street(self) -> Value:
        return self.pick(tuple(f"{b} {t}" for b in STREET_BASES for t in STREET_TYPES))


# --------------------------------------------------------------------------------------
# The schema model: attributes, entities, scenes.
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Attr:
    """One attribute of a schema and every way of stating and asking it.

    clauses: sentences stating the fact. Placeholders: {S}/{s} the subject
      (capitalised / as is), {P}/{p} its possessive, {v} the value, {av} the
      value with "a"/"an". {S} and {P} only ever open a sentence.
    questions: ways to ask, with {n} the entity mention and {np} its possessive.
    shown: how the value appears in labelled lines and the answer target.
    """

    key: str
    label: str
    sample: Callable[[Draw], Value]
    clauses: tuple[str, ...]
    questions: tuple[str, ...]
    shown: str = "{v}"

    def __post_init__(self) -> None:
        if len(self.clauses) < 2 or len(self.questions) < 3:
            raise ValueError(f"attribute {self.key!r} needs >= 2 clauses and >= 3 questions")


@dataclass(frozen=True)
class Name:
    """How an entity is written: ``title`` in headings, ``mention`` in sentences, ``refs`` later on."""

    title: str
    mention: str
    refs: tuple[str, ...]
    noun: str


@dataclass(frozen=True)
class Schema:
    """A kind of document subject: how to name one, its attributes, its filler sentences."""

    name: str
    make_name: Callable[[Draw], Name]
    attrs: tuple[Attr, ...]
    filler: tuple[str, ...]

    def __post_init__(self) -> None:
        if len(self.attrs) < 7:
            raise ValueError(f"schema {self.name!r} needs >= 7 attributes, has {len(self.attrs)}")


@dataclass(frozen=True)
class Fact:
    attr: Attr
    value: Value

    @property
    def shown(self) -> str:
        return self.attr.shown.format(v=self.value.text)


@dataclass(frozen=True)
class Entity:
    name: Name
    facts: tuple[Fact, ...]

    def get(self, key: str) -> Fact | None:
        return next((f for f in self.facts if f.attr.key == key), None)


@dataclass(frozen=True)
class Scene:
    """Everything a template renders: main entity, distractors, extra people, filler."""

    schema: Schema
    main: Entity
    distractors: tuple[Entity, ...]
    people: tuple[str, ...]  # extra full names (sender, recipient, narrator), never facts
    town: str
    date: str
    filler: tuple[str, ...]
    seed: int


# --------------------------------------------------------------------------------------
# Schemas. Each builder returns one Schema; schemas() collects them once.
# --------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------
# Sentence helpers shared by the templates.
# --------------------------------------------------------------------------------------

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


# --------------------------------------------------------------------------------------
# Generic templates: any schema. Each takes a Scene and a seeded rng, returns the text.
# --------------------------------------------------------------------------------------

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


# --------------------------------------------------------------------------------------
# Schema-specific templates.
# --------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------
# The template table: name, split, renderer, schemas. The split column is the held-out
# assignment (explicit rather than hashed, so every split gets several schemas).
# --------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------
# Sampling a document.
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FactsConfig:
    """Shape of facts documents.

    min_tokens, max_tokens: length range in ``count_tokens`` units (target drawn uniformly).
    min_questions, max_questions: questions per document (at most 8, the smallest schema).
    n_distractors: inclusive range of other same-kind entities mixed in.
    coined_names: share of documents whose names are coined afresh (:func:`coined_pools`) instead of
      drawn from the split's word lists, so that training names are open-ended. v9 (list names
      only) answered 0 of 44 held-out name questions; v10 (60% coined) still 0 of 44 when generating,
      though its teacher-forced whole answers on held-out documents rose from 6% to 21%.
    """

    min_tokens: int = 80
    max_tokens: int = 500
    min_questions: int = 3
    max_questions: int = 8
    n_distractors: tuple[int, int] = (1, 4)
    coined_names: float = 0.0

    def __post_init__(self) -> None:
        if not 40 <= self.min_tokens <= self.max_tokens:
            raise ValueError("need 40 <= min_tokens <= max_tokens, got "
                             f"{self.min_tokens}, {self.max_tokens}")
        if self.max_tokens < 200:
            raise ValueError("max_tokens must be >= 200 to fit the facts and a distractor, "
                             f"got {self.max_tokens}")
        if not 1 <= self.min_questions <= self.max_questions <= 8:
            raise ValueError("need 1 <= min_questions <= max_questions <= 8, got "
                             f"{self.min_questions}, {self.max_questions}")
        lo, hi = self.n_distractors
        if not 0 <= lo <= hi <= 6:
            raise ValueError("n_distractors must be (lo, hi) with 0 <= lo <= hi <= 6, "
                             f"got {self.n_distractors}")
        if not 0.0 <= self.coined_names <= 1.0:
            raise ValueError(f"coined_names must be in [0, 1], got {self.coined_names}")


@dataclass(frozen=True)
class FactsDocument:
    """A generated record with the schema and template that made it."""

    record: Record
    schema: str
    template: str


def _main_entity(sch: Schema, d: Draw, cfg: FactsConfig) -> Entity:
    n_facts = d.rng.randint(max(5, cfg.min_questions), len(sch.attrs))
    attrs = sorted(d.rng.sample(sch.attrs, n_facts), key=sch.attrs.index)
    return Entity(sch.make_name(d), tuple(Fact(a, a.sample(d)) for a in attrs))


def _distractor(sch: Schema, d: Draw, main: Entity, asked: list[Fact]) -> Entity | None:
    """Another entity of the same kind, sharing 2-4 attributes (asked ones first)."""
    try:
        name = sch.make_name(d)
    except PoolExhausted:
        return None
    firsts = d.rng.sample([f.attr for f in asked], len(asked))
    others = d.rng.sample([f.attr for f in main.facts if f not in asked], len(main.facts) - len(asked))
    chosen = (firsts + others)[: d.rng.randint(2, min(4, len(main.facts)))]
    facts = []
    for a in sorted(chosen, key=sch.attrs.index):
        try:
            facts.append(Fact(a, a.sample(d)))
        except PoolExhausted:
            continue
    return Entity(name, tuple(facts)) if facts else None


def _question(entity: Entity, fact: Fact, rng: random.Random) -> QA:
    m = entity.name.mention
    text = rng.choice(fact.attr.questions).format(n=m, np=_poss(m))
    return QA(text, fact.value.answers, fact.shown)


def _scene(cfg: FactsConfig, rng: random.Random, sch: Schema, split: str) -> tuple[Scene, list[Fact]]:
    names = coined_pools(rng, split) if cfg.coined_names and rng.random() < cfg.coined_names else pools(split)
    d = Draw(rng, names)
    main = _main_entity(sch, d, cfg)
    k = rng.randint(cfg.min_questions, min(cfg.max_questions, len(main.facts)))
    asked = rng.sample(list(main.facts), k)
    found = (_distractor(sch, d, main, asked) for _ in range(rng.randint(*cfg.n_distractors)))
    distractors = tuple(e for e in found if e is not None)
    people = tuple(d.person().text for _ in range(3))
    filler = list(sch.filler) + list(GENERIC_FILLER)
    rng.shuffle(filler)
    scene = Scene(sch, main, distractors, people, d.town().text, d.date().text, tuple(filler),
                  rng.getrandbits(32))
    return scene, asked


def _render(scene: Scene, template: Template, n_filler: int, n_distractors: int) -> str:
    sc = Scene(scene.schema, scene.main, scene.distractors[:n_distractors], scene.people,
               scene.town, scene.date, scene.filler[:n_filler], scene.seed)
    return template.render(sc, random.Random(sc.seed))


def _fit_length(scene: Scene, template: Template, cfg: FactsConfig, target: int,
                count_tokens: TokenCounter) -> str | None:
    """The rendering closest above ``target`` tokens within [min, max], or None if none fits.

    Drops distractors (down to the configured minimum) when even the bare
    rendering is too long; adds filler sentences (binary search) to reach target.
    """
    for n_d in range(len(scene.distractors), min(cfg.n_distractors[0], len(scene.distractors)) - 1, -1):
        def length(k: int, n_d: int = n_d) -> int:
            return count_tokens(_render(scene, template, k, n_d))

        if length(0) > cfg.max_tokens:
            continue
        lo, hi = 0, len(scene.filler)  # smallest k with length >= target lies in [lo, hi]
        while lo < hi:
            mid = (lo + hi) // 2
            lo, hi = (lo, mid) if length(mid) >= target else (mid + 1, hi)
        k = lo if length(lo) <= cfg.max_tokens else lo - 1
        if cfg.min_tokens <= length(k) <= cfg.max_tokens:
            return _render(scene, template, k, n_d)
        return None
    return None


def sample_document(
    cfg: FactsConfig,
    rng: random.Random,
    split: str,
    *,
    count_tokens: TokenCounter = approx_tokens,
    record_id: str | None = None,
    attempts: int = 30,
) -> FactsDocument:
    """One facts document of ``split`` with its schema and template names."""
    check_split(split)
    rid = record_id or f"facts-{split}-{rng.getrandbits(48):012x}"
    for _ in range(attempts):
        sch = rng.choice(schemas())
        template = _choose_template(sch.name, split, rng)
        try:
            scene, asked = _scene(cfg, rng, sch, split)
        except PoolExhausted:  # a small held-out pool ran dry; draw another document
            continue
        document = _fit_length(scene, template, cfg, rng.randint(cfg.min_tokens, cfg.max_tokens),
                               count_tokens)
        if document is not None:
            qas = tuple(_question(scene.main, f, rng) for f in asked)
            return FactsDocument(Record(rid, document, qas, "facts"), sch.name, template.name)
    raise ValueError(f"no facts document fitted {cfg.min_tokens}-{cfg.max_tokens} tokens in "
                     f"{attempts} attempts; widen the token range or check count_tokens")


def make_document(
    cfg: FactsConfig,
    rng: random.Random,
    split: str,
    count_tokens: TokenCounter = approx_tokens,
    *,
    record_id: str | None = None,
) -> Record:
    """One facts record (kind "facts") using only ``split``'s templates and names."""
    return sample_document(cfg, rng, split, count_tokens=count_tokens, record_id=record_id).record


def facts_set(
    n: int,
    seed: int,
    split: str,
    cfg: FactsConfig = FactsConfig(),
    count_tokens: TokenCounter = approx_tokens,
) -> list[Record]:
    """``n`` facts records of ``split``, reproducible from ``seed``.

    Record ``i`` has id ``facts-{split}-{seed}-{i}`` and its own rng seeded by
    (split, seed, i), so a longer set extends a shorter one.
    """
    check_split(split)
    return [
        make_document(cfg, random.Random(f"facts:{split}:{seed}:{i}"), split,
                      count_tokens=count_tokens, record_id=f"facts-{split}-{seed}-{i}")
        for i in range(n)
    ]
