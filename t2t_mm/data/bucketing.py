"""Static length buckets: a bounded set of batch shapes, so each compiled step is traced a bounded
number of times.

Bucket lengths are min_bucket_length * bucket_step**i below max_length, plus max_length itself
(8, 16, 32, 64 for multimodel_tiny). An example goes to the first bucket at least as long as it and is
0-padded to exactly that length. A text bucket of length L batches batch_size // L examples (batch_size
counts tokens); a problem with image inputs batches batch_size // max_length examples in every bucket
(an image counts as a full-length example). Examples longer than max_length are dropped.

The bucket is chosen by an example's longest feature; each text feature of a batch is then cut to the
smallest bucket length that holds its longest row in the batch (its own padding, no real token). A
speech batch in the 64 bucket (1.6 s of audio) carries transcripts of about 10 tokens: padded to 64,
the decoder ran 6x the positions it needed; parse trees likewise padded their 15-word sentences.
The model is invariant to padding (tests/model/test_invariance.py), so only the cost changes.
"""
import math


def bucket_lengths(hparams):
    lengths, length = [], max(1, int(hparams.min_bucket_length))
    step = max(float(hparams.bucket_step), 1.0 + 1e-6)
    while length < hparams.max_length:
        lengths.append(length)
        length = max(length + 1, int(math.ceil(length * step)))
    lengths.append(int(hparams.max_length))
    return lengths


def batch_sizes(problem, hparams, lengths):
    if problem.input_codec.kind == "image":
        return [max(1, hparams.batch_size // hparams.max_length)] * len(lengths)
    return [max(1, hparams.batch_size // length) for length in lengths]


def example_length(problem, features, hparams):
    """The bucketing length of one decoded example: the longest of its features, in tokens."""
    import tensorflow as tf
    lengths = [tf.cast(codec.length(features[name], hparams), tf.int32)
               for name, codec in problem.codecs.items()]
    return tf.reduce_max(tf.stack(lengths))


def padded_shapes(problem, hparams, length):
    shapes = {name: codec.padded_shape(length, hparams, problem) for name, codec in problem.codecs.items()}
    shapes["target_space_id"] = []
    return shapes


def batch_examples(dataset, problem, hparams, drop_remainder):
    """Filters over-long examples and batches the rest into bucket shapes (see the module doc)."""
    import tensorflow as tf
    lengths = bucket_lengths(hparams)
    sizes = batch_sizes(problem, hparams, lengths)
    plain = tf.autograph.experimental.do_not_convert   # plain TF ops: no AutoGraph needed
    dataset = dataset.filter(plain(lambda ex: example_length(problem, ex, hparams) <= hparams.max_length))
    if all(codec.kind in ("image", "class") for codec in problem.codecs.values()):
        return dataset.batch(sizes[-1], drop_remainder=drop_remainder)
    bounds = tf.constant(lengths, tf.int64)
    size_table = tf.constant(sizes, tf.int64)

    def key(ex):
        length = tf.cast(example_length(problem, ex, hparams), tf.int64)
        return tf.reduce_sum(tf.cast(bounds < length, tf.int64))

    def reduce(bucket, window):
        length = tf.gather(bounds, bucket)
        shapes = {name: _as_shape_tensor(shape) for name, shape in padded_shapes(problem, hparams, length).items()}
        return window.padded_batch(tf.gather(size_table, bucket), padded_shapes=shapes,
                                   drop_remainder=drop_remainder)

    dataset = dataset.group_by_window(key_func=plain(key), reduce_func=plain(reduce),
                                      window_size_func=plain(lambda bucket: tf.gather(size_table, bucket)))
    text = text_features(problem)
    return dataset.map(plain(lambda batch: trim_text(batch, text, lengths)))


def text_features(problem):
    """The problem's text features: the ones trim_text cuts to their own bucket."""
    return [name for name, codec in problem.codecs.items() if codec.kind == "text"]


def trim_text(batch, names, lengths):
    """batch with each text feature in `names` cut to the smallest of `lengths` that holds its
    longest row (ids are 0 only as padding, after the EOS)."""
    import tensorflow as tf
    bounds = tf.constant(lengths, tf.int32)
    out = dict(batch)
    for name in names:
        ids = batch[name]
        positions = tf.range(1, tf.shape(ids)[1] + 1)[None, :]
        longest = tf.reduce_max(tf.cast(tf.not_equal(ids, 0), tf.int32) * positions)
        bucket = tf.gather(bounds, tf.reduce_sum(tf.cast(bounds < longest, tf.int32)))
        out[name] = ids[:, :tf.minimum(bucket, tf.shape(ids)[1])]
    return out


def _as_shape_tensor(shape):
    import tensorflow as tf
    if not shape:
        return tf.constant([], tf.int64)
    return tf.stack([tf.cast(d, tf.int64) for d in shape])


def batch_shapes(problem, hparams):
    """Every batch shape training can produce: {feature: {(B, ...), ...}} (for tests and tracing);
    a text feature may be cut to any bucket up to its batch's."""
    lengths = bucket_lengths(hparams)
    sizes = batch_sizes(problem, hparams, lengths)
    text = text_features(problem)
    out = {}
    for length, size in zip(lengths, sizes):
        for name, shape in padded_shapes(problem, hparams, length).items():
            cuts = [[cut] for cut in lengths if cut <= length] if name in text else [shape]
            out.setdefault(name, set()).update((size, *cut) for cut in cuts)
    return out
