"""Learning rate: linear warmup then inverse square root decay, scaled by hidden_size**-0.5 (the
Transformer / T2T 'noam' schedule the MultiModel paper trained with):

    lr(step) = learning_rate * hidden_size**-0.5 * min(step / warmup**1.5, step**-0.5)

Both branches meet at step == warmup, where the rate peaks at learning_rate * (hidden_size*warmup)**-0.5.
"""
import tensorflow as tf


def learning_rate(step, hparams):
    """step: the 1-based number of the update being made (a scalar tensor or number)."""
    step = tf.maximum(tf.cast(step, tf.float32), 1.0)
    warmup = tf.maximum(tf.cast(hparams.learning_rate_warmup_steps, tf.float32), 1.0)
    scale = hparams.learning_rate * float(hparams.hidden_size) ** -0.5
    return scale * tf.minimum(step * warmup ** -1.5, tf.math.rsqrt(step))
