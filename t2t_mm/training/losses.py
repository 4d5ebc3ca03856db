"""Training losses as (sum, weight) pairs, so that a step can divide by the GLOBAL weight (all replicas,
all workers) and the summed per-replica gradients are exactly the gradient of the global mean.

Label smoothing: the target distribution is q = (1 - eps) * onehot + eps / V (uniform over the V
classes), so the smoothed cross-entropy is -sum_v q_v log p_v = logsumexp(z) - (1 - eps) z_y
- eps mean_v(z), whose gradient is softmax(z) - q. That gradient is written out from the softmax the
loss already computed: on CPU the [tokens, V] softmax and its gradient are the largest cost of a text
step, and autodiff of a gather scattered into the whole logits (loss and gradient at [2048, 4319]:
48 ms as NLL + eps * (z_y - mean z) under autodiff, 33 ms with TF's dense cross-entropy op against q,
fewer with this). Padding (target id 0) weighs 0.
"""
import tensorflow as tf


def text_weights(targets):
    """1.0 on real target tokens (including the EOS), 0.0 on padding."""
    return tf.cast(tf.not_equal(targets, 0), tf.float32)


def smoothed_cross_entropy(logits, labels, smoothing):
    """Per-position smoothed cross-entropy; logits [..., V], labels [...] int."""
    logits = tf.cast(logits, tf.float32)
    labels = tf.cast(labels, tf.int32)
    size = logits.shape[-1] or tf.shape(logits)[-1]
    per_row = _cross_entropy(tf.reshape(logits, [-1, size]), tf.reshape(labels, [-1]), float(smoothing))
    return tf.reshape(per_row, tf.shape(labels))


def _cross_entropy(logits, labels, smoothing):
    """logits [N, V], labels [N] -> [N]; the gradient is (softmax - q) * upstream."""
    @tf.custom_gradient
    def run(logits):
        probs = tf.nn.softmax(logits)
        # logsumexp from the softmax at the argmax, where p >= 1/V: its log is exact, never log(0)
        log_sum_exp = tf.reduce_max(logits, -1) - tf.math.log(tf.reduce_max(probs, -1))
        picked = tf.gather(logits, labels[:, None], batch_dims=1)[:, 0]
        loss = log_sum_exp - (1.0 - smoothing) * picked
        if smoothing:
            loss -= smoothing * tf.reduce_mean(logits, -1)

        def grad(upstream):
            uniform = smoothing / tf.cast(tf.shape(logits)[-1], tf.float32)
            d_logits = (probs - uniform) * upstream[:, None] if smoothing else probs * upstream[:, None]
            rows = tf.stack([tf.range(tf.shape(labels)[0]), labels], axis=1)
            return tf.tensor_scatter_nd_sub(d_logits, rows, (1.0 - smoothing) * upstream)

        return loss, grad

    return run(logits)


def real_targets(targets):
    """The real (non-0) ids of text targets [B, L] as [N], row-major: the labels of the model's
    real_targets_only logits."""
    return tf.boolean_mask(targets, tf.not_equal(targets, 0))


def loss_weights(spec, targets):
    """How much each target counts: tokens for text targets, examples for class targets."""
    if spec.text_targets:
        return text_weights(targets)
    return tf.ones(tf.shape(targets)[:1], tf.float32)


def loss_sum(spec, logits, targets, smoothing):
    """Sum of the smoothed loss over the batch's real targets."""
    per_target = smoothed_cross_entropy(logits, targets, smoothing)
    return tf.reduce_sum(per_target * loss_weights(spec, targets))
