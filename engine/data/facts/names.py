"""Word lists and entity names: names go to a split by a stable hash; made-up (coined) names on demand."""
from __future__ import annotations

import functools
import hashlib
import random
from dataclasses import dataclass
from typing import Callable

from engine.data.records import SPLITS, check_split

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


