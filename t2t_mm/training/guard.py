"""The NaN/Inf guard on the state that is about to be saved.

A step's loss is computed BEFORE its update, so a finite loss says nothing about the weights the update
produced: an exploding update (finite but huge weights, or NaN) would be saved as "the last good
checkpoint" and NaN again on resume. Before every save the trainer therefore checks the updated state
itself: every model and optimizer variable finite, and the updated model's loss AND gradient norm finite
on a held batch of the problem that a resume would train first (weights that exploded but are still
finite give inf gradients). Each step's own gradient norm is checked by the trainer too.
"""
import numpy as np
import tensorflow as tf

from t2t_mm.training import losses


class StateGuard:
    def __init__(self, model, optimizer, strategy, specs, hparams, probes):
        self.model, self.optimizer, self.strategy = model, optimizer, strategy
        self.specs, self.smoothing = specs, float(hparams.label_smoothing)
        self.probes = probes          # {problem: a one-example training batch}

    def _variables(self):
        extra = list(getattr(self.optimizer, "first_moments", [])) + list(getattr(self.optimizer,
                                                                                 "second_moments", []))
        return list(self.model.variables) + extra

    def bad_variable(self):
        """Name of the first variable holding NaN/Inf, or None."""
        for var in self._variables():
            if not np.all(np.isfinite(np.asarray(var.numpy(), dtype=np.float64))):
                return var.name
        return None

    def probe(self, name):
        """(loss, gradient norm) of the updated model on the held batch of problem `name` (training=False):
        a state whose loss or gradients are no longer finite cannot be trained from, even when every
        weight is (finite but exploded weights give inf gradients at the first resumed step).

        Runs eagerly: one forward/backward of a one-example batch takes 0.2-0.5 s per save on the main
        job's model, where a compiled probe took 2-7 s to build and then held 120-190 MB of graph per kind
        of problem for the rest of the run (docs/TRAINING.md, host memory). Under TPUStrategy, which
        compiles whatever it runs, the bound method is the same function every save, so its cache holds."""
        loss, norm = self.strategy.run(self._loss_and_norm, args=(self.probes[name], name))
        mean = tf.distribute.ReduceOp.MEAN
        return (float(self.strategy.reduce(mean, loss, axis=None)),
                float(self.strategy.reduce(mean, norm, axis=None)))

    def _loss_and_norm(self, batch, name):
        spec, model = self.specs[name], self.model
        with tf.GradientTape() as tape:
            logits = model(batch, problem=name, training=False)
            total = losses.loss_sum(spec, logits, batch["targets"], self.smoothing)
            loss = total / tf.maximum(tf.reduce_sum(losses.loss_weights(spec, batch["targets"])), 1.0)
        grads = [g for g in tape.gradient(loss, model.trainable_variables) if g is not None]
        norm = tf.linalg.global_norm(grads) if grads else tf.constant(0.0)
        return loss, tf.cast(norm, tf.float32)

    def problem_with_state(self, next_problem):
        """None when the state is fit to save, else what is wrong with it (one phrase)."""
        bad = self.bad_variable()
        if bad:
            return f"the updated variable {bad} holds NaN/Inf"
        loss, norm = self.probe(next_problem)
        if not np.isfinite(loss):
            return f"the updated model's loss on a {next_problem} batch is {loss}"
        if not np.isfinite(norm):
            return f"the updated model's gradient norm on a {next_problem} batch is {norm} (the weights exploded)"
        return None
