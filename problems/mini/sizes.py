"""Sizes and seeds of the mini suite.

Default sizes are unequal on purpose: parsing has half the translation data, so training it jointly
with the others can help it (the paper's Table 3). It had a tenth (400 sentences) until that proved too
few to learn from: alone, dev bracket F1 stopped at 0.62 and dev log-perplexity rose after 300 steps;
with 2,000 it reached 0.85 at 500 steps and 0.95 at 1,000 (docs/MODEL_DECISIONS.md §10).
mm-datagen --mini_scale multiplies all of them. Every (corpus, split) has its own seed, so splits never
share a random stream; problems that are two directions of one corpus (en-de and de-en) share its
sentences, as WMT's directions do.
"""
TRAIN, DEV, TEST = "train", "dev", "test"
TMP_DIR_HINT = "<scratch dir>"   # mini problems read no raw data
SPLIT_OFFSETS = {TRAIN: 0, DEV: 1, TEST: 2}

SIZES = {
    "translation": {TRAIN: 4000, DEV: 200},
    "parsing": {TRAIN: 2000, DEV: 100},
    "image_classes": {TRAIN: 4000, DEV: 200},
    "image_captions": {TRAIN: 4000, DEV: 200},
    "speech": {TRAIN: 2000, DEV: 100},
}

CORPUS_SEEDS = {"ende": 1000, "enfr": 2000, "defr": 3000, "parsing": 4000,
                "image_classes": 5000, "image_captions": 6000, "speech": 7000}


def count(kind, split, scale=1.0):
    """Examples of a split at a scale (at least 1)."""
    return max(1, int(round(SIZES[kind][split] * float(scale))))


def seed(corpus, split):
    return CORPUS_SEEDS[corpus] * 10 + SPLIT_OFFSETS[split]


def splits(kind, train_shards):
    """Split -> default shard count for a kind of mini problem."""
    return {TRAIN: train_shards, DEV: 1}
