"""The spoken vocabulary of the mini speech task: words as phone sequences, phones as acoustic targets.

Vowel formants are the classic adult averages (Peterson & Barney); consonants are a voicing level and
formant targets (nasals, glides) and/or a band of noise (fricatives, stop bursts). Each word is thereby
its own sequence of spectral shapes, so the transcript can be learned from the audio.
"""
import collections

# kind: "vowel", "glide", "nasal", "fricative", "stop"; formants (F1, F2, F3) Hz or None; voicing 0-1;
# noise: (centre Hz, width Hz, level) or None; ms: nominal duration.
Phone = collections.namedtuple("Phone", "kind formants voicing noise ms")

PHONES = {
    "iy": Phone("vowel", (270, 2290, 3010), 1.0, None, 100),
    "ih": Phone("vowel", (390, 1990, 2550), 1.0, None, 80),
    "eh": Phone("vowel", (530, 1840, 2480), 1.0, None, 90),
    "ah": Phone("vowel", (620, 1190, 2390), 1.0, None, 90),
    "aa": Phone("vowel", (730, 1090, 2440), 1.0, None, 100),
    "ao": Phone("vowel", (570, 840, 2410), 1.0, None, 100),
    "uw": Phone("vowel", (300, 870, 2240), 1.0, None, 100),
    "ow": Phone("vowel", (500, 900, 2400), 1.0, None, 90),
    "w": Phone("glide", (300, 610, 2200), 0.6, None, 50),
    "y": Phone("glide", (280, 2250, 2900), 0.6, None, 50),
    "r": Phone("glide", (420, 1300, 1600), 0.7, None, 60),
    "n": Phone("nasal", (250, 1700, 2600), 0.35, None, 60),
    "v": Phone("fricative", (280, 1400, 2300), 0.3, (3500, 4000, 0.08), 60),
    "z": Phone("fricative", (280, 1700, 2600), 0.3, (5500, 2500, 0.25), 70),
    "s": Phone("fricative", None, 0.0, (6000, 2500, 0.45), 90),
    "f": Phone("fricative", None, 0.0, (4500, 5000, 0.12), 80),
    "th": Phone("fricative", None, 0.0, (5500, 4000, 0.08), 70),
    "t": Phone("stop", None, 0.0, (4200, 3000, 0.5), 45),
    "k": Phone("stop", None, 0.0, (1900, 1200, 0.5), 50),
}
# Diphthongs glide between two vowel targets.
DIPHTHONGS = {"ay": ("aa", "iy"), "ey": ("eh", "iy"), "ow2": ("ow", "uw")}

WORDS = {
    "zero": ("z", "iy", "r", "ow2"),
    "one": ("w", "ah", "n"),
    "two": ("t", "uw"),
    "three": ("th", "r", "iy"),
    "four": ("f", "ao", "r"),
    "five": ("f", "ay", "v"),
    "six": ("s", "ih", "k", "s"),
    "seven": ("s", "eh", "v", "ah", "n"),
    "eight": ("ey", "t"),
    "nine": ("n", "ay", "n"),
    "yes": ("y", "eh", "s"),
    "no": ("n", "ow2"),
}
VOCABULARY = tuple(WORDS)


def expand(word):
    """The phones of a word with diphthongs split into their two vowel targets."""
    phones = []
    for name in WORDS[word]:
        phones.extend(DIPHTHONGS.get(name, (name,)))
    return [PHONES[name] for name in phones]
