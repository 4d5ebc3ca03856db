"""Greedy decoding: at every step append the most probable token, until EOS or max_length.

Runs as one tf.while_loop (wrap the call in a tf.function): encode once, then one position per step
from the model's decode cache (cache=True, the default, where the model has one), or model.decode over
the static [B, max_length] prefix buffer (cache=False: the reference path, what T2T did). Rows that
emitted EOS are padded with 0 afterwards.
"""
import tensorflow as tf

from t2t_mm.decoding.search_common import EOS_ID, batch_size_of, check_max_length, make_stepper, write_column


def greedy_decode(model, features, problem, max_length, eos_id=EOS_ID, cache=True):
    """Returns {"ids": int32 [B, max_length] (EOS included, then 0), "log_probs": float32 [B]
    (sum of the chosen tokens' log-probabilities, EOS included), "lengths": int32 [B]}."""
    max_length = check_max_length(max_length)
    encoded = model.encode(features, problem=problem, training=False)
    batch = batch_size_of(features)
    decode_state, decode_step, _ = make_stepper(model, encoded, problem, max_length, cache)

    def keep_going(t, ids, finished, log_probs, lengths, decode_state):
        return tf.logical_and(t < max_length, tf.logical_not(tf.reduce_all(finished)))

    def step(t, ids, finished, log_probs, lengths, decode_state):
        step_lp, decode_state = decode_step(ids, t, decode_state)
        tokens = tf.argmax(step_lp, axis=-1, output_type=tf.int32)
        tokens = tf.where(finished, 0, tokens)
        chosen = tf.gather(step_lp, tokens, batch_dims=1)
        log_probs += tf.where(finished, 0.0, chosen)
        lengths += tf.cast(tf.logical_not(finished), tf.int32)
        ids = write_column(ids, t, tokens)
        finished = tf.logical_or(finished, tf.equal(tokens, eos_id))
        return t + 1, ids, finished, log_probs, lengths, decode_state

    state = (tf.constant(0), tf.zeros([batch, max_length], tf.int32), tf.zeros([batch], tf.bool),
             tf.zeros([batch], tf.float32), tf.zeros([batch], tf.int32), decode_state)
    _, ids, _, log_probs, lengths, _ = tf.while_loop(keep_going, step, state)
    return {"ids": ids, "log_probs": log_probs, "lengths": lengths}
