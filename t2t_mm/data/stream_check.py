"""An input stream that the length filter empties would make training wait forever (the data repeats,
the filter drops every example, no batch ever comes): refuse it up front, naming the filter.

One example has to pass, which is one record read in the normal case; only when none passes is the
split read through (once) to report the shortest example. Results are remembered per process.
"""
from t2t_mm.data import bucketing
from t2t_mm.data.data_errors import EmptyStreamError

_passed = set()


def check_some_pass(problem, split, files, decode, hparams, data_dir):
    """Raises EmptyStreamError when no example of the split survives the max_length filter."""
    import tensorflow as tf
    key = (problem.name, split, int(hparams.max_length), tuple(files))
    if key in _passed:
        return
    plain = tf.autograph.experimental.do_not_convert
    lengths = tf.data.TFRecordDataset(files).map(decode).map(
        plain(lambda ex: bucketing.example_length(problem, ex, hparams)))
    for _ in lengths.filter(plain(lambda n: n <= hparams.max_length)).take(1):
        _passed.add(key)
        return
    count, shortest = lengths.reduce((0, tf.int32.max), plain(lambda acc, n: (acc[0] + 1, tf.minimum(acc[1], n))))
    count, shortest = int(count), int(shortest)
    if count == 0:
        raise EmptyStreamError(f"the {split} split of {problem.name} in {data_dir} holds no examples; "
                               f"regenerate it with {problem.datagen_command(data_dir)}")
    raise EmptyStreamError(
        f"all {count} {split} examples of {problem.name} are longer than max_length={hparams.max_length} "
        f"(the shortest has {shortest} positions), so the length filter leaves nothing to "
        f"{'train on' if split == 'train' else 'evaluate'}; raise it with --hparams='max_length=N' (N >= {shortest})")
