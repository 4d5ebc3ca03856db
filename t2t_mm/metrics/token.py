"""Per-token accuracy and log-perplexity over text targets, with padding (id 0) masked out.

These are the figures of the paper's tables. They are computed as sums and counts (TokenStats) so an
eval over many batches adds up exactly: the corpus figure is sum/count, not a mean of batch means.
Inputs may be numpy arrays or tf tensors (eager); logits are [B, L, V], targets int [B, L].
"""
import dataclasses

import numpy as np

from t2t_mm.data.vocab import PAD_ID
from t2t_mm.errors import UserError


def as_numpy(x):
    """A numpy array of a tf tensor (eager) or of anything np.asarray takes."""
    return x.numpy() if hasattr(x, "numpy") else np.asarray(x)


def _log_softmax(logits):
    logits = logits.astype(np.float64)
    shifted = logits - logits.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def _check_shapes(logits, targets):
    if logits.ndim != 3 or targets.ndim != 2 or logits.shape[:2] != targets.shape:
        raise UserError(f"token metrics expect logits [B, L, V] and targets [B, L]; got logits "
                        f"{tuple(logits.shape)} and targets {tuple(targets.shape)}")


@dataclasses.dataclass
class TokenStats:
    """Running sums over non-padding target tokens; add batches with +."""
    correct: float = 0.0
    nll_sum: float = 0.0
    count: float = 0.0

    def __add__(self, other):
        return TokenStats(self.correct + other.correct, self.nll_sum + other.nll_sum,
                          self.count + other.count)

    @property
    def accuracy(self):
        return self.correct / self.count if self.count else 0.0

    @property
    def log_perplexity(self):
        """Mean negative log-likelihood per token, in nats (the paper's 'log-perplexity')."""
        return self.nll_sum / self.count if self.count else 0.0

    @property
    def perplexity(self):
        return float(np.exp(self.log_perplexity))


def token_stats(logits, targets, pad_id=PAD_ID):
    """TokenStats of one batch: argmax hits and summed NLL over positions where targets != pad_id."""
    logits, targets = as_numpy(logits), as_numpy(targets).astype(np.int64)
    _check_shapes(logits, targets)
    if targets.size and (targets.min() < 0 or targets.max() >= logits.shape[-1]):
        raise UserError(f"target ids must lie in [0, {logits.shape[-1]}) (the vocabulary size of the "
                        f"logits); got ids from {targets.min()} to {targets.max()}")
    mask = targets != pad_id
    log_probs = _log_softmax(logits)
    target_log_probs = np.take_along_axis(log_probs, targets[..., None], axis=-1)[..., 0]
    correct = (logits.argmax(axis=-1) == targets) & mask
    return TokenStats(correct=float(correct.sum()), nll_sum=float(-(target_log_probs * mask).sum()),
                      count=float(mask.sum()))


def padded_accuracy(logits, targets, pad_id=PAD_ID):
    """Fraction of non-padding target tokens whose argmax prediction is right."""
    return token_stats(logits, targets, pad_id).accuracy


def log_perplexity(logits, targets, pad_id=PAD_ID):
    """Mean NLL (nats) per non-padding target token."""
    return token_stats(logits, targets, pad_id).log_perplexity


def tf_token_sums(logits, targets, pad_id=PAD_ID):
    """The same sums as TF ops (usable inside a tf.function eval step): (correct, nll_sum, count)."""
    import tensorflow as tf

    targets = tf.cast(targets, tf.int32)
    mask = tf.cast(tf.not_equal(targets, pad_id), tf.float32)
    logits = tf.cast(logits, tf.float32)
    nll = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=targets, logits=logits)
    hits = tf.cast(tf.equal(tf.argmax(logits, axis=-1, output_type=tf.int32), targets), tf.float32)
    return tf.reduce_sum(hits * mask), tf.reduce_sum(nll * mask), tf.reduce_sum(mask)
