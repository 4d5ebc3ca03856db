"""The graph FLOP counter behind benchmarks/train.py's MFU, against hand-counted multiply-adds."""
import tensorflow as tf

from t2t_mm.training import flops


def _count(fn, *args):
    return flops.graph_flops(tf.function(fn).get_concrete_function(*args).graph)


def test_matmul_batch_matmul_and_einsum():
    a, b = tf.zeros([4, 6]), tf.zeros([6, 5])
    assert _count(tf.matmul, a, b) == (2 * 4 * 6 * 5, 0)
    assert _count(lambda x, y: tf.matmul(x, y, transpose_a=True), tf.zeros([6, 4]), b) == (2 * 4 * 6 * 5, 0)
    assert _count(tf.matmul, tf.zeros([3, 4, 6]), tf.zeros([3, 6, 5])) == (2 * 3 * 4 * 6 * 5, 0)
    assert _count(lambda x, y: tf.einsum("ecd,edh->ech", x, y), tf.zeros([2, 3, 4]), tf.zeros([2, 4, 7])) == \
        (2 * 2 * 3 * 4 * 7, 0)


def test_convolutions_and_their_gradients():
    image, kernel = tf.zeros([2, 8, 8, 3]), tf.zeros([3, 3, 3, 5])
    forward = 2 * (2 * 8 * 8 * 5) * 3 * 3 * 3

    def conv_and_grads(x, k):
        with tf.GradientTape() as tape:
            tape.watch([x, k])
            y = tf.nn.conv2d(x, k, 1, "SAME")
        return tape.gradient(y, [x, k])

    assert _count(lambda x, k: tf.nn.conv2d(x, k, 1, "SAME"), image, kernel) == (forward, 0)
    assert _count(conv_and_grads, image, kernel) == (3 * forward, 0)
    depthwise = tf.zeros([3, 3, 3, 1])
    assert _count(lambda x, k: tf.nn.depthwise_conv2d(x, k, [1, 1, 1, 1], "SAME"), image, depthwise) == \
        (2 * (2 * 8 * 8 * 3) * 3 * 3, 0)


def test_unknown_shapes_are_reported_not_guessed():
    fn = tf.function(tf.matmul, input_signature=[tf.TensorSpec([None, 6]), tf.TensorSpec([6, 5])])
    assert flops.graph_flops(fn.get_concrete_function().graph) == (0, 1)
    # a dimension unknown at trace time (the real_targets_only rows) counts as the value the caller knows
    assert flops.graph_flops(fn.get_concrete_function().graph, fill_unknown=4) == (2 * 4 * 5 * 6, 0)
