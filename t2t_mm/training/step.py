"""The compiled steps: one training tf.function per kind of problem, built on first use and reused for
the whole run (trace_counts lets tests prove it stays so), and one eval tf.function per problem.

Problems that the model says run the same graph (MultiModel.step_key: the same input and output
modality nets, as all text-to-text problems of the shared vocabulary) share one training step: their
graphs are identical, since the command token comes from each batch's target_space_id, so the five
translation directions and parsing trace and compile once instead of six times.

A training step reads its batch from the problem's iterator (trainer._iterator: distributed where the
strategy needs it) INSIDE the tf.function, so the trace does not depend on the batch's bucket length;
it runs the forward/backward pass on every replica, divides the loss sum by the global number of target
tokens (or examples), adds the MoE auxiliary losses (model.losses, averaged over replicas), and lets the
optimizer all-reduce, clip and apply the real gradients. With jit_compile the forward/backward pass (not
the iterator or the collectives) goes to XLA.
"""
import collections
import inspect
import logging

import tensorflow as tf

from t2t_mm.compiled import graph_function
from t2t_mm.metrics import token as token_metrics
from t2t_mm.training import losses, schedule


class _OwnTracesFilter(logging.Filter):
    """TensorFlow warns about 'retracing' when several tf.functions each trace once in a row: exactly
    what one compiled step (and one eval decoder) per problem does. Those warnings about our own functions
    are dropped (trace_counts proves each step is traced once); any other function's retracing shows."""

    def filter(self, record):
        message = record.getMessage()
        ours = "CompiledSteps." in message or "DecodeScorer." in message
        return not ("triggered tf.function retracing" in message and ours)


_FILTER = _OwnTracesFilter()


class CompiledSteps:
    def __init__(self, model, optimizer, strategy, hparams, specs, jit_compile=False):
        self.model = model
        self.optimizer = optimizer
        self.strategy = strategy
        self.hparams = hparams
        self.specs = specs  # {problem name: ProblemSpec}
        self.jit_compile = bool(jit_compile)
        self.trace_counts = collections.Counter()
        tf.get_logger().addFilter(_FILTER)  # idempotent: the same filter object
        self._train = {}
        self._eval = {}

    # --- training -------------------------------------------------------------------------------------
    def share_key(self, name):
        return share_key(self.model, name)

    def train(self, name):
        """The problem's training step: fn(distributed_iterator, step int64) -> dict of reduced floats.
        Traced under the name of the first problem of its kind (trace_counts[that name])."""
        key = self.share_key(name)
        if key not in self._train:
            self._train[key] = self._build_train(name)
        return self._train[key]

    def release_training(self):
        """Drops the compiled training steps once the run has trained its last step: each holds hundreds
        of MB of graph and kernel state, which the final eval's functions can then reuse."""
        self._train.clear()

    def traced_as(self, name):
        """The problem whose name the step of `name` was traced under (itself or an earlier problem of
        its kind); None before the step exists."""
        step = self._train.get(self.share_key(name))
        return None if step is None else step.traced_as

    def _forward_backward(self, name):
        spec, smoothing = self.specs[name], float(self.hparams.label_smoothing)
        model, optimizer = self.model, self.optimizer

        # Text targets: logits of the real positions only, where the model offers it (docs/CONTRACTS.md);
        # XLA needs static shapes, so under jit_compile all positions.
        real_only = spec.text_targets and not self.jit_compile and takes_real_targets_only(model)
        extra = {"real_targets_only": True} if real_only else {}

        def run(features, inverse_weight, inverse_replicas):
            with tf.GradientTape() as tape:
                logits = model(features, problem=name, training=True, **extra)
                targets = losses.real_targets(features["targets"]) if real_only else features["targets"]
                task = losses.loss_sum(spec, logits, targets, smoothing) * inverse_weight
                aux = tf.add_n([tf.cast(l, tf.float32) for l in model.losses]) if model.losses else 0.0
                aux = aux * inverse_replicas
                total = task + aux
                scaled = optimizer.scale_loss(total)   # times the loss scale under mixed_float16
            grads = tape.gradient(scaled, model.trainable_variables)   # apply_gradients divides it out
            return task, tf.convert_to_tensor(aux, tf.float32), grads

        return graph_function(run, jit_compile=True) if self.jit_compile else run

    def _build_train(self, name):
        spec, strategy, hparams = self.specs[name], self.strategy, self.hparams
        forward_backward = self._forward_backward(name)
        model, optimizer = self.model, self.optimizer

        def replica_step(features, step):
            self.trace_counts[name] += 1  # Python side effect: runs only while tracing
            ctx = tf.distribute.get_replica_context()
            weight = tf.reduce_sum(losses.loss_weights(spec, features["targets"]))
            global_weight = ctx.all_reduce(tf.distribute.ReduceOp.SUM, weight)
            inverse_weight = 1.0 / tf.maximum(global_weight, 1.0)
            inverse_replicas = 1.0 / ctx.num_replicas_in_sync
            task, aux, grads = forward_backward(features, inverse_weight, inverse_replicas)
            rate = schedule.learning_rate(step, hparams)
            norm = optimizer.apply_gradients(grads, model.trainable_variables, rate)
            examples = tf.cast(tf.shape(features["targets"])[0], tf.float32)
            return {"loss": task, "aux_loss": aux, "tokens": weight, "examples": examples,
                    "grad_norm": norm / ctx.num_replicas_in_sync, "learning_rate": rate / ctx.num_replicas_in_sync}

        @graph_function
        def train_step(iterator, step):
            outputs = strategy.run(replica_step, args=(next(iterator), step))
            return {k: strategy.reduce(tf.distribute.ReduceOp.SUM, v, axis=None) for k, v in outputs.items()}

        train_step.traced_as = name
        return train_step

    # --- evaluation -----------------------------------------------------------------------------------
    def eval(self, name, element_spec=None):
        """fn(features) -> sums of the eval statistics of one batch, plus the model's MoE stats (shared
        by the problems of one kind, as the training step).

        element_spec (the eval dataset's) gives the function a signature with free batch and length, so
        batches of any bucket length and the short last batch share one trace."""
        key = self.share_key(name)
        if key not in self._eval:
            self._eval[key] = self._build_eval(name, element_spec)
        return self._eval[key]

    def release_eval(self, key):
        """Drops the compiled eval step of one kind of problem (a share_key); built again on next use."""
        self._eval.pop(key, None)

    def _build_eval(self, name, element_spec):
        spec, model = self.specs[name], self.model
        signature = [relaxed_signature(element_spec)] if element_spec is not None else None

        @graph_function(input_signature=signature, reduce_retracing=True)
        def eval_step(features):
            logits = tf.cast(model(features, problem=name, training=False), tf.float32)
            if spec.text_targets:
                correct, nll_sum, count = token_metrics.tf_token_sums(logits, features["targets"])
                stats = {"correct": correct, "nll_sum": nll_sum, "count": count}
            else:  # class logits are small: top-k is counted by t2t_mm.metrics on the host
                targets = tf.cast(features["targets"], tf.int32)
                nll = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=targets, logits=logits)
                stats = {"nll_sum": tf.reduce_sum(nll), "count": tf.cast(tf.size(targets), tf.float32),
                         "logits": logits}
            return stats, _moe_stats(model, name)

        return eval_step


def takes_real_targets_only(model):
    """Whether the model's call has the optional real_targets_only argument (docs/CONTRACTS.md)."""
    return "real_targets_only" in inspect.signature(model.call).parameters


def share_key(model, name):
    """Problems with equal keys run the same graph: the model's step_key(problem) where it has one
    (MultiModel: its input and output nets), else the problem itself. The training and eval steps here,
    the eval's greedy decodes and mm-decoder's decode functions are each compiled once per key."""
    step_key = getattr(model, "step_key", None)
    return step_key(name) if callable(step_key) else name


def relaxed_signature(element_spec):
    """The dataset's element_spec with the batch dimension unknown (lengths are already unknown in eval
    datasets; image sizes and channels stay static): one trace for all batch shapes."""
    return tf.nest.map_structure(lambda t: tf.TensorSpec([None] + t.shape.as_list()[1:], t.dtype),
                                 element_spec)


def _moe_stats(model, problem):
    """model.moe_stats(problem) of the last call, flattened to {path: tensor} ({} without MoE)."""
    stats_fn = getattr(model, "moe_stats", None)
    stats = stats_fn(problem) if callable(stats_fn) else None
    if not stats:
        return {}
    flat = {}

    def walk(prefix, value):
        if isinstance(value, dict):
            for key in sorted(value):
                walk(f"{prefix}/{key}" if prefix else str(key), value[key])
        elif isinstance(value, (list, tuple)):
            for i, item in enumerate(value):
                walk(f"{prefix}/{i}" if prefix else str(i), item)
        elif value is not None:
            flat[prefix] = tf.convert_to_tensor(value)

    walk("", stats)
    return flat
