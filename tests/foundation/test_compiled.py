"""graph_function compiles without AutoGraph: Python control flow on tensors fails at trace time."""
import pytest
import tensorflow as tf

from t2t_mm.compiled import graph_function


def test_plain_ops_and_explicit_loops_compile():
    @graph_function(input_signature=[tf.TensorSpec([], tf.int32)])
    def count_to(n):
        return tf.while_loop(lambda i: i < n, lambda i: i + 1, [tf.constant(0)])[0]

    assert int(count_to(tf.constant(5))) == 5


def test_python_if_on_a_tensor_is_not_converted():
    def sign(x):
        if x > 0:   # AutoGraph would have turned this into tf.cond
            return x
        return -x

    with pytest.raises(TypeError, match="tf.Tensor"):
        graph_function(sign)(tf.constant(2.0))
