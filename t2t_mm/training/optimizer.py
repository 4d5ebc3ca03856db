"""Adam with global-norm gradient clipping, written for a multi-problem loop on tf.distribute.

Why not keras.optimizers.Adam: a problem's step touches only its own modality nets, so most gradients are
None; here they are dropped before anything else, so untouched variables and their moments stay exactly as
they were (no decay of m and v towards zero, no weight update from stale moments). Gradients are summed
across replicas and workers first and clipped after, so the clipping norm is the global one and every
replica applies the identical update. Embedding gradients (IndexedSlices) are densified before the
all-reduce: with an 8k vocabulary that is small and it sidesteps the sparse all-reduce paths that broke
under MirroredStrategy (keras#21069). Bias correction uses the global step (as T2T did).
"""
import re

import keras
import tensorflow as tf


def tf_variable(var):
    """The tf.Variable (or distributed variable) behind a Keras 3 variable."""
    return var.value if isinstance(var, keras.Variable) else var


def variable_key(var):
    """A readable name for a model variable's slots: its Keras path when it has one."""
    name = getattr(var, "path", None) or var.name
    return re.sub(r"[^A-Za-z0-9_]", "_", name.split(":")[0])


class Adam(tf.Module):
    """Adam(beta1, beta2, epsilon) + clip_by_global_norm(clip_norm); build() once under strategy.scope().

    m <- b1*m + (1-b1)*g;  v <- b2*v + (1-b2)*g^2;  var <- var - lr*sqrt(1-b2^t)/(1-b1^t) * m/(sqrt(v)+eps)
    """

    def __init__(self, beta1=0.9, beta2=0.999, epsilon=1e-8, clip_norm=0.0, name="adam"):
        super().__init__(name=name)
        self.beta1, self.beta2, self.epsilon, self.clip_norm = beta1, beta2, epsilon, clip_norm
        self.first_moments = []
        self.second_moments = []
        self._index = {}

    @classmethod
    def from_hparams(cls, hparams):
        return cls(hparams.adam_beta1, hparams.adam_beta2, hparams.adam_epsilon, hparams.clip_grad_norm)

    def build(self, variables):
        """Creates the two moment slots of every trainable variable, colocated with it.

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

    def slots(self, var):
        """(m, v) of a model variable."""
        index = self._index[id(tf_variable(var))]
        return self.first_moments[index], self.second_moments[index]

    def apply_gradients(self, grads, variables, learning_rate, step):
        """Call in replica context (inside strategy.run) or with no strategy. Returns the global grad norm.

        grads must already be scaled so that their SUM over replicas is the gradient of the global loss.
        """
        pairs = [(g, v) for g, v in zip(grads, variables) if g is not None]
        if not pairs:
            return tf.constant(0.0)
        dense = [tf.convert_to_tensor(g) for g, _ in pairs]
        ctx = tf.distribute.get_replica_context()
        if ctx is not None and ctx.num_replicas_in_sync > 1:
            dense = ctx.all_reduce(tf.distribute.ReduceOp.SUM, dense)
        norm = tf.linalg.global_norm(dense)
        if self.clip_norm > 0:
            dense, _ = tf.clip_by_global_norm(dense, self.clip_norm, use_norm=norm)
        targets = [tf_variable(v) for _, v in pairs]
        slots = [self.slots(v) for _, v in pairs]
        step = tf.cast(step, tf.float32)
        hyper = {"beta1_power": self.beta1 ** step, "beta2_power": self.beta2 ** step,
                 "lr": tf.cast(learning_rate, tf.float32), "beta1": tf.constant(self.beta1),
                 "beta2": tf.constant(self.beta2), "epsilon": tf.constant(self.epsilon)}

        def update(var, grad, m, v, hyper):
            # One fused kernel per variable (the formula in the class docstring); keeps the traced
            # graph small, which matters with hundreds of variables and one step per problem.
            return tf.raw_ops.ResourceApplyAdam(var=var.handle, m=m.handle, v=v.handle, grad=grad,
                                                use_locking=False, **hyper)

        def apply_all(strategy, dense, targets, slots, hyper):
            for grad, var, (m, v) in zip(dense, targets, slots):
                strategy.extended.update(var, update, args=(grad, m, v, hyper), group=False)

        tf.__internal__.distribute.interim.maybe_merge_call(
            apply_all, tf.distribute.get_strategy(), dense, targets, slots, hyper)
        return norm
