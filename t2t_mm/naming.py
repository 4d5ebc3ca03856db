"""Name helpers shared by the registries and hparams: snake_case defaults and 'did you mean' hints."""
import difflib
import re

_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def snake_case(name):
    """TranslateEndeWmt8k -> translate_ende_wmt8k (digits stay attached to the word before them)."""
    return _CAMEL_BOUNDARY.sub("_", name).lower()


def closest(name, candidates, n=3):
    """The closest candidate names, best first; substring matches count even when difflib misses them."""
    candidates = sorted(candidates)
    found = difflib.get_close_matches(name, candidates, n=n, cutoff=0.6)
    for cand in candidates:
        if len(found) >= n:
            break
        if cand not in found and (name in cand or cand in name):
            found.append(cand)
    return found


def did_you_mean(name, candidates):
    """' Did you mean: a, b?' or '' when nothing is close."""
    found = closest(name, candidates)
    return f" Did you mean: {', '.join(found)}?" if found else ""
