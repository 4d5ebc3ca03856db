"""Beam search with the GNMT length penalty (Wu et al. 2016): a finished hypothesis Y scores
log P(Y) / lp(|Y|), lp(n) = ((5 + n) / (5 + 1)) ** alpha, |Y| counting the EOS token.

Every step expands the K alive hypotheses by every token and keeps the 2K best candidates (each beam
adds at most one EOS candidate, so at least K of them do not end). An EOS candidate ranked among the
top K joins the finished pool, which keeps the K best; the K best of the others stay alive. A sentence
is done when its pool holds K finished hypotheses and none of its alive ones can still beat the worst of
them: log-probabilities only fall, so an alive hypothesis scores at most alive_lp / lp(max_length)
(T2T's stopping rule). Stopping at the first K finished instead let unlikely early EOS candidates of the
weaker beams fill the pool while the best hypothesis was still growing (a trained parser's beam-4 decodes
came out as truncated trees that greedy decoding got right). With alpha = 0 beam_size=1 is exactly
greedy. At max_length, sentences with fewer than K finished compete with their alive hypotheses scored at
length max_length. One tf.while_loop over a static
[B*K, max_length] prefix buffer; encode runs once and its outputs are repeated K times. With cache=True
(the default, for models that have one) each step computes one position from the decode cache, whose
rows follow their hypotheses when the beams are reordered; cache=False re-runs model.decode over the
whole prefix (the reference path).
"""
import tensorflow as tf

from t2t_mm.decoding.search_common import (EOS_ID, NEG_INF, batch_size_of, check_max_length,
                                           make_stepper, write_column)
from t2t_mm.errors import UserError


def length_penalty(length, alpha):
    """GNMT's lp(n) = ((5 + n) / 6) ** alpha (1 for alpha = 0)."""
    return tf.pow((5.0 + tf.cast(length, tf.float32)) / 6.0, alpha)


def _repeat_beams(tensor, beam_size):
    """[B, ...] -> [B*K, ...], each example's rows adjacent (the layout the flat beams use)."""
    if not isinstance(tensor, (tf.Tensor, tf.Variable)) and not hasattr(tensor, "shape"):
        return tensor
    if len(tensor.shape) == 0:
        return tensor
    return tf.repeat(tensor, beam_size, axis=0)


def _check(beam_size, alpha):
    if int(beam_size) < 1:
        raise UserError(f"beam_size must be at least 1, got {beam_size} (--decode_hparams='beam_size=4')")
    if float(alpha) < 0:
        raise UserError(f"length penalty alpha must be >= 0, got {alpha} (--decode_hparams='alpha=0.6'; "
                        "0 scores by log-probability alone)")


def beam_search(model, features, problem, beam_size, alpha, max_length, eos_id=EOS_ID, cache=True):
    """Returns {"ids": int32 [B, max_length] best hypothesis (EOS included, then 0), "scores": [B]
    length-normalized, "log_probs": [B], "beam_ids": [B, K, max_length], "beam_scores": [B, K]
    (best first)}. The vocabulary must have more than 2 * beam_size tokens."""
    _check(beam_size, alpha)
    k, length = int(beam_size), check_max_length(max_length)
    alpha = float(alpha)
    encoded = tf.nest.map_structure(lambda x: _repeat_beams(x, k),
                                    model.encode(features, problem=problem, training=False))
    batch = batch_size_of(features)
    decode_state, decode_step, reorder = make_stepper(model, encoded, problem, length, cache)

    def not_done(t, alive_ids, alive_lp, fin_ids, fin_scores, fin_lp, fin_flags, decode_state):
        return tf.logical_and(t < length, tf.logical_not(tf.reduce_all(_done(fin_scores, fin_flags, alive_lp))))

    def _full(fin_flags):
        return tf.equal(tf.reduce_sum(tf.cast(fin_flags, tf.int32), axis=1), k)

    def _done(fin_scores, fin_flags, alive_lp):
        """[B]: K finished, and the best alive hypothesis cannot beat the worst of them any more."""
        best_possible = tf.reduce_max(alive_lp, axis=1) / length_penalty(length, alpha)
        return _full(fin_flags) & (tf.reduce_min(fin_scores, axis=1) >= best_possible)

    def step(t, alive_ids, alive_lp, fin_ids, fin_scores, fin_lp, fin_flags, decode_state):
        previous_lp = alive_lp
        step_lp, decode_state = decode_step(tf.reshape(alive_ids, [batch * k, length]), t, decode_state)
        vocab = tf.shape(step_lp)[-1]
        candidates = tf.reshape(alive_lp[:, :, None] + tf.reshape(step_lp, [batch, k, vocab]),
                                [batch, k * vocab])
        top_lp, top_index = tf.math.top_k(candidates, 2 * k)           # sorted, best first
        tokens = top_index % vocab
        top_ids = write_column(tf.gather(alive_ids, top_index // vocab, batch_dims=1), t, tokens)
        ends = tf.equal(tokens, eos_id) & (top_lp > NEG_INF / 2)

        # alive: the K best candidates that do not end
        alive_lp, keep = tf.math.top_k(tf.where(ends, 2 * NEG_INF, top_lp), k)
        alive_ids = tf.gather(top_ids, keep, batch_dims=1)
        origin = tf.gather(top_index // vocab, keep, batch_dims=1)     # the beam each one extends
        decode_state = reorder(decode_state, tf.reshape(tf.range(batch)[:, None] * k + origin, [-1]))

        # finished: EOS candidates ranked in the top K join the pool (it keeps the K best), unless the
        # sentence is done
        in_top_k = tf.range(2 * k)[None, :] < k
        joins = ends & in_top_k & tf.logical_not(_done(fin_scores, fin_flags, previous_lp))[:, None]
        new_scores = tf.where(joins, top_lp / length_penalty(t + 1, alpha), NEG_INF)
        pool_scores, pick = tf.math.top_k(tf.concat([fin_scores, new_scores], axis=1), k)
        pool = lambda old, new: tf.gather(tf.concat([old, new], axis=1), pick, batch_dims=1)
        return (t + 1, alive_ids, alive_lp, pool(fin_ids, top_ids), pool_scores,
                pool(fin_lp, top_lp), pool(fin_flags, joins), decode_state)

    first_beam_only = tf.concat([tf.zeros([1]), tf.fill([k - 1], NEG_INF)], axis=0)
    state = (tf.constant(0),
             tf.zeros([batch, k, length], tf.int32), tf.tile(first_beam_only[None, :], [batch, 1]),
             tf.zeros([batch, k, length], tf.int32), tf.fill([batch, k], NEG_INF),
             tf.zeros([batch, k], tf.float32), tf.zeros([batch, k], tf.bool), decode_state)
    _, alive_ids, alive_lp, fin_ids, fin_scores, fin_lp, fin_flags, _ = tf.while_loop(not_done, step, state)

    # Sentences with fewer than K finished hypotheses also rank their alive ones (cut at max_length).
    open_rows = tf.logical_not(_full(fin_flags))[:, None] & (alive_lp > NEG_INF / 2)
    alive_scores = tf.where(open_rows, alive_lp / length_penalty(length, alpha), NEG_INF)
    scores, pick = tf.math.top_k(tf.concat([fin_scores, alive_scores], axis=1), k)
    beam_ids = tf.gather(tf.concat([fin_ids, alive_ids], axis=1), pick, batch_dims=1)
    beam_lp = tf.gather(tf.concat([fin_lp, alive_lp], axis=1), pick, batch_dims=1)
    return {"ids": beam_ids[:, 0], "scores": scores[:, 0], "log_probs": beam_lp[:, 0],
            "beam_ids": beam_ids, "beam_scores": scores}
