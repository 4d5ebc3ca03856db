"""Learning rate: linear warmup then inverse square root decay, scaled by hidden_size**-0.5 (the
Transformer / T2T 'noam' schedule the MultiModel paper trained with):

    lr(step) = learning_rate * NOAM_SCALE * hidden_size**-0.5 * min(step / warmup**1.5, step**-0.5)

Both branches meet at step == warmup, where the rate peaks at
learning_rate * NOAM_SCALE * (hidden_size * warmup)**-0.5. With hparams learning_rate_decay="none" the rate
stays at that peak after the warmup instead of decaying: in joint training a problem drawn on 1 step in
9 gets most of its updates late in the run, where the rsqrt decay has already cut the rate 3-4x (the
mini suite's speech reached WER 0.32 in 300 steps alone, 0.72 after 330 of its steps in the joint run).
NOAM_SCALE = 10 is Tensor2Tensor's scale:
its noam schedule multiplied by 5000 and its Adam divided the rate by 500, so T2T's multimodel_base
(learning_rate 0.1, hidden 512, warmup 4000) peaked near 7e-4; the same hparams peak there here.
"""
import tensorflow as tf


NOAM_SCALE = 10.0


def learning_rate(step, hparams):
    """step: the 1-based number of the update being made (a scalar tensor or number)."""
    step = tf.maximum(tf.cast(step, tf.float32), 1.0)
    warmup = tf.maximum(tf.cast(hparams.learning_rate_warmup_steps, tf.float32), 1.0)
    scale = hparams.learning_rate * NOAM_SCALE * float(hparams.hidden_size) ** -0.5
    decay = hparams.learning_rate_decay if "learning_rate_decay" in hparams else "rsqrt"  # older runs
    after_warmup = tf.math.rsqrt(step) if decay == "rsqrt" else tf.math.rsqrt(warmup)
    return scale * tf.minimum(step * warmup ** -1.5, after_warmup)
