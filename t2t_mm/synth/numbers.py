"""Cardinal numbers 0-99 spelled out in English, German and French.

Why a module of its own: composed number words are one of the mini translation task's grammar lessons
(twenty-one / einundzwanzig / vingt et un, soixante et onze, quatre-vingts), so they must be exactly right.
"""
from t2t_mm.errors import UserError

_EN_SMALL = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
             "fifteen sixteen seventeen eighteen nineteen").split()
_EN_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()

_DE_SMALL = ("null eins zwei drei vier fünf sechs sieben acht neun zehn elf zwölf dreizehn vierzehn "
             "fünfzehn sechzehn siebzehn achtzehn neunzehn").split()
_DE_TENS = "_ _ zwanzig dreißig vierzig fünfzig sechzig siebzig achtzig neunzig".split()

_FR_SMALL = ("zéro un deux trois quatre cinq six sept huit neuf dix onze douze treize quatorze quinze "
             "seize dix-sept dix-huit dix-neuf").split()
_FR_TENS = "_ _ vingt trente quarante cinquante soixante".split()

LANGUAGES = ("en", "de", "fr")


def _english(n):
    if n < 20:
        return _EN_SMALL[n]
    tens, unit = divmod(n, 10)
    return _EN_TENS[tens] + ("-" + _EN_SMALL[unit] if unit else "")


def _german(n):
    if n < 20:
        return _DE_SMALL[n]
    tens, unit = divmod(n, 10)
    if not unit:
        return _DE_TENS[tens]
    # The unit comes first and "eins" loses its s inside a compound: einundzwanzig.
    return ("ein" if unit == 1 else _DE_SMALL[unit]) + "und" + _DE_TENS[tens]


def _french(n):
    if n < 20:
        return _FR_SMALL[n]
    if n < 70:
        tens, unit = divmod(n, 10)
        if unit == 0:
            return _FR_TENS[tens]
        if unit == 1:
            return _FR_TENS[tens] + " et un"
        return _FR_TENS[tens] + "-" + _FR_SMALL[unit]
    if n < 80:  # 70-79 count on from soixante: soixante-dix, soixante et onze, soixante-douze
        return "soixante et onze" if n == 71 else "soixante-" + _FR_SMALL[n - 60]
    if n == 80:  # the plural s of vingt stays only when nothing follows
        return "quatre-vingts"
    return "quatre-vingt-" + _FR_SMALL[n - 80]  # no "et": quatre-vingt-un, quatre-vingt-onze


def spell(n, language, feminine=False):
    """Spell the integer n (0-99) in language "en", "de" or "fr".

    feminine=True gives the French form before a feminine noun (vingt et une voitures); German and
    English number words do not agree.
    """
    if not isinstance(n, int) or not 0 <= n <= 99:
        raise UserError(f"spell: number {n!r} is outside 0-99; pass an integer from 0 to 99")
    if language == "en":
        return _english(n)
    if language == "de":
        return _german(n)
    if language == "fr":
        word = _french(n)
        if feminine and (word == "un" or word.endswith((" un", "-un"))):
            word += "e"
        return word
    raise UserError(f"spell: unknown language {language!r}; use one of {', '.join(LANGUAGES)}")
