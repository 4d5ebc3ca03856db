"""Generated parallel sentences for the mini translation and parsing problems.

Held-out splits exclude sentences whose English also occurs in the training split, so dev scores
measure generalization, not recall of a training sentence (the small grammar repeats short ones).
"""
import functools

from t2t_mm.synth import language

from t2t_mm.problems.mini import sizes


@functools.lru_cache(maxsize=16)
def _raw(seed, count):
    return tuple(language.sentences(seed, count))


def sentences(corpus, split, count, train_count):
    """`count` sentence dicts of a corpus split (deterministic)."""
    if split == sizes.TRAIN:
        return list(_raw(sizes.seed(corpus, split), count))
    seen = {s["en"] for s in _raw(sizes.seed(corpus, sizes.TRAIN), train_count)}
    out, ask = [], count
    while len(out) < count:
        ask *= 2
        out = [s for s in _raw(sizes.seed(corpus, split), ask) if s["en"] not in seen][:count]
    return out
