"""Class targets: the top class and the top-k classes with their probabilities."""
import tensorflow as tf


def top_classes(model, features, problem, k=5):
    """Returns {"classes": int32 [B, k'] best first, "probabilities": float32 [B, k']} with
    k' = min(k, number of classes), from one forward pass (class logits [B, C])."""
    logits = tf.cast(model(features, problem=problem, training=False), tf.float32)
    probabilities = tf.nn.softmax(logits, axis=-1)
    k = tf.minimum(k, tf.shape(logits)[-1])
    top_p, top_c = tf.math.top_k(probabilities, k)
    return {"classes": top_c, "probabilities": top_p}
