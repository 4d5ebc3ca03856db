"""Adam with global-norm gradient clipping, written for a multi-problem loop on tf.distribute.

Why not keras.optimizers.Adam: a problem's step touches only its own modality nets, so most gradients are
None; here they are dropped before anything else, so untouched variables and their moments stay exactly as
they were (no decay of m and v towards zero, no weight update from stale moments). Gradients are summed
across replicas and workers first and clipped after, so the clipping norm is the global one and every
replica applies the identical update. Embedding gradients (IndexedSlices) are densified before the
all-reduce: with an 8k vocabulary that is small and it sidesteps the sparse all-reduce paths that broke
under MirroredStrategy (keras#21069).

Bias correction counts each variable's own updates, not the global step (T2T used the global step): a
problem's modality nets are updated only on the steps that draw it, so at global step 1,200 a net seeing
its first update would have had v corrected by 1/(1 - 0.999^1200) instead of 1/(1 - 0.999): its first
hundreds of updates were up to 5x the learning rate (docs/MODEL_DECISIONS.md §14). The counts are one
checkpointed vector (a few ops per step, not five per variable: a text step has ~270 variables);
add_update_counts() makes it after a restore, so a run saved before the counts existed resumes with every
count at its global step, the correction it trained with.

Mixed precision: under mixed_float16 (hparams precision) the optimizer carries a dynamic LossScale. The
step multiplies its loss by scale_loss() before the backward pass; apply_gradients divides the summed
gradients by the scale, and when any of them is not finite (float16 activations overflowed) it skips the
whole update (weights and moments untouched) and halves the scale; after growth_interval finite steps in
a row the scale doubles. The scale and its counter are variables of the optimizer, so they are saved in
and restored from the checkpoint. float32 and mixed_bfloat16 (bfloat16 has float32's exponent range)
need no scaling: loss_scale is None and nothing changes.
"""
import re

import keras
import numpy as np
import tensorflow as tf

LEGACY_COUNT_KEY = re.compile(r"(^|/)update_counts/(\d+)/\.ATTRIBUTES/VARIABLE_VALUE$")


def tf_variable(var):
    """The tf.Variable (or distributed variable) behind a Keras 3 variable."""
    return var.value if isinstance(var, keras.Variable) else var


def variable_key(var):
    """A readable name for a model variable's slots: its Keras path when it has one."""
    name = getattr(var, "path", None) or var.name
    return re.sub(r"[^A-Za-z0-9_]", "_", name.split(":")[0])


def needs_loss_scale(precision):
    return precision == "mixed_float16"


class LossScale(tf.Module):
    """Dynamic loss scale (as keras' LossScaleOptimizer): halves on a non-finite gradient, doubles after
    growth_interval finite steps. Build under strategy.scope(); update() runs in replica context."""

    def __init__(self, initial_scale=2.0 ** 15, growth_interval=2000, factor=2.0, name="loss_scale"):
        super().__init__(name=name)
        self.growth_interval, self.factor = int(growth_interval), float(factor)
        only_first = tf.VariableAggregation.ONLY_FIRST_REPLICA
        self.scale = tf.Variable(float(initial_scale), dtype=tf.float32, trainable=False, name="scale",
                                 aggregation=only_first)
        self.good_steps = tf.Variable(0, dtype=tf.int64, trainable=False, name="good_steps",
                                      aggregation=only_first)

    def update(self, finite):
        """After a step: finite (a bool tensor, the same on every replica) -> the new scale."""
        grown = self.good_steps + 1 >= self.growth_interval
        new_scale = tf.where(finite, tf.where(grown, self.scale * self.factor, self.scale),
                             tf.maximum(self.scale / self.factor, 1.0))
        new_good = tf.where(tf.logical_and(finite, tf.logical_not(grown)), self.good_steps + 1,
                            tf.zeros_like(self.good_steps))
        self.good_steps.assign(new_good)
        return self.scale.assign(new_scale)


class Adam(tf.Module):
    """Adam(beta1, beta2, epsilon) + clip_by_global_norm(clip_norm); build() once under strategy.scope().

    m <- b1*m + (1-b1)*g;  v <- b2*v + (1-b2)*g^2;  var <- var - lr*sqrt(1-b2^t)/(1-b1^t) * m/(sqrt(v)+eps)
    with t the variable's own number of updates.
    """

    def __init__(self, beta1=0.9, beta2=0.999, epsilon=1e-8, clip_norm=0.0, loss_scale=None, name="adam"):
        super().__init__(name=name)
        self.beta1, self.beta2, self.epsilon, self.clip_norm = beta1, beta2, epsilon, clip_norm
        self.first_moments = []
        self.second_moments = []
        self.counts = None   # [variables] float32, made by add_update_counts()
        self._index = {}
        if loss_scale is not None:   # tracked (saved in checkpoints) only when there is one
            self.loss_scale = loss_scale

    @classmethod
    def from_hparams(cls, hparams, defer_loss_scale=False):
        """Build under strategy.scope(). Under precision=mixed_float16 it has a LossScale; with
        defer_loss_scale it is created by add_loss_scale() only, after a checkpoint was restored: the
        checkpoint's value then comes in on creation (TF's deferred restore), and a run saved without one
        (trained in float32 or bfloat16 so far) still restores (its scale starts at the initial value)."""
        precision = hparams.precision if "precision" in hparams else "float32"
        adam = cls(hparams.adam_beta1, hparams.adam_beta2, hparams.adam_epsilon, hparams.clip_grad_norm)
        adam.wants_loss_scale = needs_loss_scale(precision)
        if not defer_loss_scale:
            adam.add_loss_scale()
        return adam

    def add_loss_scale(self):
        """Creates the LossScale when from_hparams' precision asked for one (once); under strategy.scope()."""
        if getattr(self, "wants_loss_scale", False) and getattr(self, "loss_scale", None) is None:
            self.loss_scale = LossScale()
        return self

    def scale_loss(self, loss):
        """The loss to differentiate: times the loss scale under mixed_float16, else unchanged."""
        scale = getattr(self, "loss_scale", None)
        return loss if scale is None else loss * tf.cast(scale.scale, loss.dtype)

    def current_loss_scale(self):
        scale = getattr(self, "loss_scale", None)
        return tf.constant(1.0) if scale is None else tf.convert_to_tensor(scale.scale)

    def build(self, variables, defer_counts=False):
        """Creates the two moment slots of every trainable variable, colocated with it, and its update
        count (defer_counts: later, by add_update_counts() after a restore).

        Slots are kept in the order of `variables` (model.trainable_variables, which is fixed by the
        model's code and problem set), not by name: Keras auto-names layers with process-wide counters
        (class_label_16), so names differ between two models built in one process."""
        strategy = tf.distribute.get_strategy()
        first, second = list(self.first_moments), list(self.second_moments)
        for var in variables:
            base = tf_variable(var)
            if id(base) in self._index:
                continue
            name = variable_key(var)
            with strategy.extended.colocate_vars_with(base):
                first.append(tf.Variable(tf.zeros(base.shape, base.dtype), trainable=False, name=name + "_m"))
                second.append(tf.Variable(tf.zeros(base.shape, base.dtype), trainable=False, name=name + "_v"))
            self._index[id(base)] = len(first) - 1
        self.first_moments, self.second_moments = first, second
        if not defer_counts:
            self.add_update_counts()

    def add_update_counts(self, global_step=0, restored_from=None):
        """Creates the vector of update counts (once, after build(), under strategy.scope()), after a
        checkpoint was restored: the checkpoint's counts come in on creation (TF's deferred restore). Counts
        the checkpoint lacks come from restored_from where it holds them one variable per count (as this
        optimizer saved them before they were one vector), else start at global_step (a fresh run: 0)."""
        if self.counts is not None:
            if self.counts.shape[0] != len(self.first_moments):
                raise RuntimeError("Adam: build() added variables after add_update_counts()")
            return self
        size = len(self.first_moments)
        self.counts = tf.Variable(tf.fill([size], -1.0), trainable=False, name="update_counts")
        if float(tf.reduce_min(self.counts)) < 0:
            legacy = legacy_counts(restored_from, size)
            self.counts.assign(legacy if legacy is not None else tf.fill([size], float(global_step)))
        return self

    def slots(self, var):
        """(m, v) of a model variable."""
        index = self._index[id(tf_variable(var))]
        return self.first_moments[index], self.second_moments[index]

    def update_count(self, var):
        """How many updates the variable has had (its Adam bias correction's t)."""
        return self.counts[self._index[id(tf_variable(var))]]

    def _bias_powers(self, pairs, finite):
        """The counts after this step (the updated variables' +1; none on a skipped step) and each updated
        variable's beta1^t, beta2^t: a handful of ops for all variables."""
        indices = [self._index[id(tf_variable(v))] for _, v in pairs]
        updated = np.zeros([len(self.first_moments)], np.float32)
        updated[indices] = 1.0
        increment = tf.constant(updated) if finite is None else tf.constant(updated) * tf.cast(finite, tf.float32)
        counts = self.counts + increment
        t = tf.gather(counts, indices)
        return counts, tf.unstack(self.beta1 ** t), tf.unstack(self.beta2 ** t)

    def apply_gradients(self, grads, variables, learning_rate):
        """Call in replica context (inside strategy.run) or with no strategy. Returns the global grad norm
        (unscaled; 0.0 for a step skipped by the loss scale, whose gradients were not finite).

        grads must already be scaled so that their SUM over replicas is the gradient of the global loss
        (times scale_loss's factor under mixed_float16: it is divided out here).
        """
        pairs = [(g, v) for g, v in zip(grads, variables) if g is not None]
        if not pairs:
            return tf.constant(0.0)
        dense = [tf.cast(tf.convert_to_tensor(g), tf_variable(v).dtype) for g, v in pairs]
        ctx = tf.distribute.get_replica_context()
        if ctx is not None and ctx.num_replicas_in_sync > 1:
            dense = ctx.all_reduce(tf.distribute.ReduceOp.SUM, dense)
        loss_scale = getattr(self, "loss_scale", None)
        finite = None
        if loss_scale is not None:
            inverse = 1.0 / tf.convert_to_tensor(loss_scale.scale)
            dense = [g * tf.cast(inverse, g.dtype) for g in dense]
            norm = tf.linalg.global_norm(dense)
            finite = tf.math.is_finite(norm)
            # a skipped step must not put NaN into clip_by_global_norm's output (it is not applied)
            dense = [tf.where(finite, g, tf.zeros_like(g)) for g in dense]
            norm = tf.where(finite, norm, 0.0)
        else:
            norm = tf.linalg.global_norm(dense)
        if self.clip_norm > 0:   # clip_by_global_norm's scale, without its identity op per variable
            scale = self.clip_norm / tf.maximum(norm, self.clip_norm)
            dense = [g * tf.cast(scale, g.dtype) for g in dense]
        targets = [tf_variable(v) for _, v in pairs]
        if self.counts is None:
            raise RuntimeError("Adam: call add_update_counts() after build() (and after any restore)")
        slots = [self.slots(v) for _, v in pairs]
        counts, beta1_powers, beta2_powers = self._bias_powers(pairs, finite)
        hyper = {"lr": tf.cast(learning_rate, tf.float32), "beta1": tf.constant(self.beta1),
                 "beta2": tf.constant(self.beta2), "epsilon": tf.constant(self.epsilon)}

        def update(var, grad, m, v, beta1_power, beta2_power, hyper):
            # One fused kernel per variable (the formula in the class docstring); keeps the traced
            # graph small, which matters with hundreds of variables and one step per problem.
            def apply():
                return tf.raw_ops.ResourceApplyAdam(var=var.handle, m=m.handle, v=v.handle, grad=grad,
                                                    use_locking=False, beta1_power=beta1_power,
                                                    beta2_power=beta2_power, **hyper)
            if finite is None:
                return apply()
            return tf.cond(finite, lambda: tf.group(apply()), tf.no_op)

        def apply_all(strategy, dense, targets, slots, beta1_powers, beta2_powers, counts, hyper):
            for grad, var, (m, v), b1, b2 in zip(dense, targets, slots, beta1_powers, beta2_powers):
                strategy.extended.update(var, update, args=(grad, m, v, b1, b2, hyper), group=False)
            strategy.extended.update(self.counts, lambda c, value: c.assign(value), args=(counts,),
                                     group=False)

        tf.__internal__.distribute.interim.maybe_merge_call(
            apply_all, tf.distribute.get_strategy(), dense, targets, slots, beta1_powers, beta2_powers,
            counts, hyper)
        if loss_scale is not None:
            with tf.control_dependencies([loss_scale.update(finite)]):
                norm = tf.identity(norm)
        return norm


def legacy_counts(path, size):
    """The update counts of a checkpoint saved with one variable per count (`update_counts/<i>`), as a
    [size] array; None when there is no such checkpoint or it does not hold exactly `size` of them."""
    if not path:
        return None
    reader = tf.train.load_checkpoint(path)
    found = {}
    for key in reader.get_variable_to_shape_map():
        match = LEGACY_COUNT_KEY.search(key)
        if match:
            found[int(match.group(2))] = reader.get_tensor(key)
    if sorted(found) != list(range(size)):
        return None
    return np.array([found[i] for i in range(size)], np.float32)
