"""The mini translation task's small trilingual lexicon.

Each entry carries what the grammar needs to agree: German gender and plural, French gender and plural,
adjective placement in French, verb forms by person/number and the German object case.
"""
import collections

# en / en_plural, de / de_gender (m, f, n) / de_plural, fr / fr_gender (m, f) / fr_plural, animate
Noun = collections.namedtuple("Noun", "en en_pl de de_gender de_pl fr fr_gender fr_pl animate")
# en, de stem, fr forms (masc sg, fem sg, masc pl, fem pl), fr_before (placed before the noun), animate_only
Adjective = collections.namedtuple("Adjective", "en de fr fr_before animate_only")
# en base, en 3sg, de forms (1sg, 3sg, 1pl, 3pl), de object case (None: intransitive), fr forms, animate object
Verb = collections.namedtuple("Verb", "en en_3sg de de_case fr animate_object")
Pronoun = collections.namedtuple("Pronoun", "en de fr person")
Preposition = collections.namedtuple("Preposition", "en de fr")  # German: locative, governs the dative
Conjunction = collections.namedtuple("Conjunction", "en en_tag de fr")


def _noun(en, en_pl, de, gender, de_pl, fr, fr_gender, fr_pl, animate):
    return Noun(en, en_pl, de, gender, de_pl, fr, fr_gender, fr_pl, animate)


NOUNS = (
    _noun("dog", "dogs", "Hund", "m", "Hunde", "chien", "m", "chiens", True),
    _noun("cat", "cats", "Katze", "f", "Katzen", "chat", "m", "chats", True),
    _noun("bird", "birds", "Vogel", "m", "Vögel", "oiseau", "m", "oiseaux", True),
    _noun("horse", "horses", "Pferd", "n", "Pferde", "cheval", "m", "chevaux", True),
    _noun("mouse", "mice", "Maus", "f", "Mäuse", "souris", "f", "souris", True),
    _noun("child", "children", "Kind", "n", "Kinder", "enfant", "m", "enfants", True),
    _noun("woman", "women", "Frau", "f", "Frauen", "femme", "f", "femmes", True),
    _noun("man", "men", "Mann", "m", "Männer", "homme", "m", "hommes", True),
    _noun("girl", "girls", "Mädchen", "n", "Mädchen", "fille", "f", "filles", True),
    _noun("teacher", "teachers", "Lehrer", "m", "Lehrer", "professeur", "m", "professeurs", True),
    _noun("table", "tables", "Tisch", "m", "Tische", "table", "f", "tables", False),
    _noun("tree", "trees", "Baum", "m", "Bäume", "arbre", "m", "arbres", False),
    _noun("house", "houses", "Haus", "n", "Häuser", "maison", "f", "maisons", False),
    _noun("car", "cars", "Auto", "n", "Autos", "voiture", "f", "voitures", False),
    _noun("ball", "balls", "Ball", "m", "Bälle", "balle", "f", "balles", False),
    _noun("book", "books", "Buch", "n", "Bücher", "livre", "m", "livres", False),
    _noun("bridge", "bridges", "Brücke", "f", "Brücken", "pont", "m", "ponts", False),
    _noun("chair", "chairs", "Stuhl", "m", "Stühle", "chaise", "f", "chaises", False),
    _noun("apple", "apples", "Apfel", "m", "Äpfel", "pomme", "f", "pommes", False),
    _noun("window", "windows", "Fenster", "n", "Fenster", "fenêtre", "f", "fenêtres", False),
)

# Size/age adjectives precede the noun in French; colours and states follow it.
SIZE_ADJECTIVES = (
    Adjective("small", "klein", ("petit", "petite", "petits", "petites"), True, False),
    Adjective("big", "groß", ("grand", "grande", "grands", "grandes"), True, False),
    Adjective("young", "jung", ("jeune", "jeune", "jeunes", "jeunes"), True, True),
    Adjective("pretty", "hübsch", ("joli", "jolie", "jolis", "jolies"), True, False),
)
QUALITY_ADJECTIVES = (
    Adjective("red", "rot", ("rouge", "rouge", "rouges", "rouges"), False, False),
    Adjective("black", "schwarz", ("noir", "noire", "noirs", "noires"), False, False),
    Adjective("white", "weiß", ("blanc", "blanche", "blancs", "blanches"), False, False),
    Adjective("green", "grün", ("vert", "verte", "verts", "vertes"), False, False),
    Adjective("blue", "blau", ("bleu", "bleue", "bleus", "bleues"), False, False),
    Adjective("happy", "glücklich", ("heureux", "heureuse", "heureux", "heureuses"), False, True),
    Adjective("tired", "müde", ("fatigué", "fatiguée", "fatigués", "fatiguées"), False, True),
)

VERBS = (
    Verb("see", "sees", ("sehe", "sieht", "sehen", "sehen"), "acc",
         ("vois", "voit", "voyons", "voient"), False),
    Verb("like", "likes", ("mag", "mag", "mögen", "mögen"), "acc",
         ("aime", "aime", "aimons", "aiment"), False),
    Verb("find", "finds", ("finde", "findet", "finden", "finden"), "acc",
         ("trouve", "trouve", "trouvons", "trouvent"), False),
    Verb("watch", "watches", ("beobachte", "beobachtet", "beobachten", "beobachten"), "acc",
         ("regarde", "regarde", "regardons", "regardent"), False),
    Verb("follow", "follows", ("folge", "folgt", "folgen", "folgen"), "dat",
         ("suis", "suit", "suivons", "suivent"), True),
    Verb("help", "helps", ("helfe", "hilft", "helfen", "helfen"), "dat",
         ("aide", "aide", "aidons", "aident"), True),
    Verb("sleep", "sleeps", ("schlafe", "schläft", "schlafen", "schlafen"), None,
         ("dors", "dort", "dormons", "dorment"), False),
    Verb("play", "plays", ("spiele", "spielt", "spielen", "spielen"), None,
         ("joue", "joue", "jouons", "jouent"), False),
    Verb("run", "runs", ("laufe", "läuft", "laufen", "laufen"), None,
         ("cours", "court", "courons", "courent"), False),
    Verb("wait", "waits", ("warte", "wartet", "warten", "warten"), None,
         ("attends", "attend", "attendons", "attendent"), False),
)
TRANSITIVE_VERBS = tuple(v for v in VERBS if v.de_case)
INTRANSITIVE_VERBS = tuple(v for v in VERBS if not v.de_case)

PERSONS = ("1sg", "3sg", "1pl", "3pl")  # index into the de/fr verb form tuples
PRONOUNS = (
    Pronoun("I", "ich", "je", "1sg"),
    Pronoun("he", "er", "il", "3sg"),
    Pronoun("she", "sie", "elle", "3sg"),
    Pronoun("we", "wir", "nous", "1pl"),
    Pronoun("they", "sie", "ils", "3pl"),
)

PREPOSITIONS = (
    Preposition("on", "auf", "sur"),
    Preposition("under", "unter", "sous"),
    Preposition("behind", "hinter", "derrière"),
    Preposition("beside", "neben", "à côté de"),
)

# German subordinators send the finite verb to the end of their clause.
CONJUNCTIONS = (
    Conjunction("because", "IN", "weil", "parce que"),
    Conjunction("if", "IN", "falls", "si"),
    Conjunction("when", "WRB", "wenn", "quand"),
)
