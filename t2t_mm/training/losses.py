"""Training losses as (sum, weight) pairs, so that a step can divide by the GLOBAL weight (all replicas,
all workers) and the summed per-replica gradients are exactly the gradient of the global mean.

Label smoothing: the target distribution is (1 - eps) * onehot + eps / V (uniform over the V classes), so
the smoothed cross-entropy is (1 - eps) * NLL + eps * mean_v(-log p_v). Padding (target id 0) weighs 0.
Since NLL = logsumexp(z) - z_y, mean_v(-log p_v) = NLL + z_y - mean_v(z), so the whole loss is
NLL + eps * (z_y - mean_v(z)): one fused softmax cross-entropy pass over the vocabulary and no second
logsumexp (that pass and its gradient were a fifth of a translation step's time on CPU).
"""
import tensorflow as tf


def text_weights(targets):
    """1.0 on real target tokens (including the EOS), 0.0 on padding."""
    return tf.cast(tf.not_equal(targets, 0), tf.float32)


def smoothed_cross_entropy(logits, labels, smoothing):
    """Per-position smoothed cross-entropy; logits [..., V], labels [...] int."""
    logits = tf.cast(logits, tf.float32)
    nll = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=tf.cast(labels, tf.int32), logits=logits)
    if not smoothing:
        return nll
    labels = tf.cast(labels, tf.int32)
    picked = tf.gather(logits, labels[..., None], batch_dims=labels.shape.rank)[..., 0]
    return nll + smoothing * (picked - tf.reduce_mean(logits, axis=-1))


def loss_weights(spec, targets):
    """How much each target counts: tokens for text targets, examples for class targets."""
    if spec.text_targets:
        return text_weights(targets)
    return tf.ones(tf.shape(targets)[:1], tf.float32)


def loss_sum(spec, logits, targets, smoothing):
    """Sum of the smoothed loss over the batch's real targets."""
    per_target = smoothed_cross_entropy(logits, targets, smoothing)
    return tf.reduce_sum(per_target * loss_weights(spec, targets))
