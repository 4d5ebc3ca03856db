"""What greedy and beam search share: ids, the per-step log-probabilities (cached or over the whole
prefix) and writing a column.

A search asks make_stepper for its step function. With cache=True (the default) and a model that
offers incremental decoding (init_decode_cache / decode_step, as the MultiModel does), a step computes
one position from the cache; otherwise (cache=False, the reference path, or a model with only
encode/decode) it runs model.decode over the whole static prefix buffer and reads position t."""
import tensorflow as tf

from t2t_mm.data.vocab import EOS_ID, PAD_ID
from t2t_mm.errors import UserError
from t2t_mm.layers.attention import NEG_INF   # "impossible" score: finite, so sums never make NaN


def batch_size_of(features):
    """Examples in a batch of features (from `inputs`, the one feature every problem has)."""
    return tf.shape(features["inputs"])[0]


def step_log_probs(model, encoded, prefix, t, problem):
    """log p(token | prefix[:, :t]) as [N, V] float32, from model.decode over the static buffer.

    The model is causal: position t of decode's logits depends only on prefix[:, :t], so the zeros
    after t in the buffer do not matter, and every step has the same shapes (one trace). The padding id
    is never a valid output (a decode stops with EOS), so it is excluded; the others keep the model's
    own log-probabilities (not renormalized), so scores are the model's sequence log-probabilities.
    """
    logits = model.decode(encoded, prefix, problem=problem, training=False)
    return _log_probs(logits[:, t, :])


def _log_probs(logits):
    logits = tf.cast(logits, tf.float32)
    vocab = tf.shape(logits)[-1]
    pad_mask = tf.one_hot(PAD_ID, vocab, on_value=NEG_INF, off_value=0.0)
    return tf.nn.log_softmax(logits, axis=-1) + pad_mask[None, :]


def supports_cache(model):
    return callable(getattr(model, "init_decode_cache", None)) and callable(getattr(model, "decode_step", None))


def make_stepper(model, encoded, problem, max_length, cache=True):
    """-> (state, step, reorder). step(prefix [N, max_length], t, state) -> (log_probs [N, V], state)
    is step_log_probs at t; reorder(state, rows) follows hypotheses that moved (beam search: row i of
    the new state is row rows[i] of the old). With the cache, the state is the model's decode cache,
    whose "state" part has the rows as first axis; without it, the state is empty."""
    if not (cache and supports_cache(model)):
        def full_step(prefix, t, state):
            return step_log_probs(model, encoded, prefix, t, problem), state
        return (), full_step, lambda state, rows: state

    initial = model.init_decode_cache(encoded, max_length, problem=problem)

    def cached_step(prefix, t, state):
        previous = tf.gather(prefix, tf.maximum(t - 1, 0), axis=1)
        logits, state = model.decode_step(encoded, state, previous, t, problem=problem)
        return _log_probs(logits), state

    def reorder(state, rows):
        return dict(state, state=tf.nest.map_structure(lambda x: tf.gather(x, rows), state["state"]))

    return initial, cached_step, reorder


def write_column(buffer, t, tokens):
    """buffer[..., t] = tokens for a buffer whose column t is still zero (static shapes, no scatter)."""
    length = tf.shape(buffer)[-1]
    column = tf.one_hot(t, length, dtype=buffer.dtype)
    return buffer + column * tf.expand_dims(tf.cast(tokens, buffer.dtype), -1)


def check_max_length(max_length):
    """A Python max_length as an int, checked; a scalar tensor (one compiled decode serving several
    lengths, as the trainer's eval does) passes as it is: its callers chose it."""
    if tf.is_tensor(max_length):
        return max_length
    if int(max_length) < 1:
        raise UserError(f"decode max_length must be at least 1, got {max_length}: set it with "
                        "--decode_hparams='max_length=64' (0 means the model's hparams.max_length)")
    return int(max_length)


def strip_ids(ids, eos_id=EOS_ID, pad_id=PAD_ID):
    """A decoded row as a python list of ids, cut before EOS and without padding."""
    out = []
    for i in list(ids):
        i = int(i)
        if i == eos_id:
            break
        if i != pad_id:
            out.append(i)
    return out
