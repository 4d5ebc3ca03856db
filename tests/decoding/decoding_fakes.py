"""A fake model for decoding tests: bigram language models whose next-token distributions are fixed
by hand, behind the encode/decode/call interface of docs/CONTRACTS.md. features["inputs"][:, 0]
chooses which table an example uses, so a search that mixed up examples or beams would show."""
import numpy as np
import tensorflow as tf

PAD, EOS, A, B, C = 0, 1, 2, 3, 4
VOCAB = 5
START = VOCAB          # row of a table used at position 0 (right after the command token)


def bigram_table(rows):
    """rows: {previous token or START: {token: probability}} -> log-prob table [VOCAB+1, VOCAB].
    Unlisted tokens share what is left of the mass, so every row sums to 1."""
    table = np.zeros([VOCAB + 1, VOCAB])
    for prev in range(VOCAB + 1):
        given = rows.get(prev, {})
        rest = [t for t in range(VOCAB) if t not in given]
        left = max(1.0 - sum(given.values()), 1e-6)
        for t in range(VOCAB):
            table[prev, t] = given.get(t, left / len(rest) if rest else 0.0)
    return np.log(np.maximum(table, 1e-12)).astype(np.float32)


def random_table(rng):
    return np.log(rng.dirichlet(np.ones(VOCAB) * 0.5, size=VOCAB + 1)).astype(np.float32)


class BigramModel:
    """decode(encoded, targets)[:, t] = log p(. | targets[:, t-1]) under the example's table."""

    def __init__(self, *tables, num_classes=0):
        self.tables = tf.constant(np.stack(tables))
        self.encode_calls = 0
        self.num_classes = num_classes

    def encode(self, features, problem, training=False):
        self.encode_calls += 1
        return {"table": tf.cast(features["inputs"][:, 0], tf.int32), "scale": tf.constant(1.0)}

    def decode(self, encoded, targets, problem, training=False):
        batch = tf.shape(targets)[0]
        previous = tf.concat([tf.fill([batch, 1], START), targets[:, :-1]], axis=1)
        tables = tf.gather(self.tables, encoded["table"])               # [N, VOCAB+1, VOCAB]
        return tf.gather(tables, previous, batch_dims=1) * encoded["scale"]

    def __call__(self, features, problem, training=False):
        return tf.cast(features["inputs"], tf.float32)[:, :self.num_classes]


def sequence_log_prob(log_table, ids):
    """log P of a decoded id list (EOS included) under one bigram table."""
    total, prev = 0.0, START
    for token in ids:
        total += float(log_table[prev, token])
        prev = token
    return total


def features(table_indices):
    rows = len(table_indices)
    inputs = tf.concat([tf.constant(table_indices, tf.int32)[:, None], tf.ones([rows, 2], tf.int32)], 1)
    return {"inputs": inputs, "target_space_id": tf.zeros([rows], tf.int32)}
