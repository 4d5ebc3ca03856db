"""graph_function: the one way this package compiles model code into a tf.function.

AutoGraph is off. The model, the training step and the decoders are plain TF ops with explicit
tf.while_loop/tf.cond, so there is nothing for AutoGraph to convert, yet with it on every trace parsed
and rewrote the source of each function it passed through: about 1 s of a training step's 5 s trace
(benchmarks/main_job_steps.py, first_call_s). Python `if`/`for` over tensors in model code therefore
fail loudly at trace time instead of being converted silently; write tf.cond/tf.while_loop.
"""
import tensorflow as tf


def graph_function(fn=None, **kwargs):
    """tf.function(fn, autograph=False, **kwargs); usable as @graph_function or @graph_function(...)."""
    if fn is None:
        return lambda f: tf.function(f, autograph=False, **kwargs)
    return tf.function(fn, autograph=False, **kwargs)
