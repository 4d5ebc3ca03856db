"""problem.dataset(): shards -> parsed, decoded, length-bucketed batches (docs/CONTRACTS.md).

Training: shard order and records are shuffled with the seed, the data repeats, and every batch has
one of the static bucket shapes (drop_remainder). Eval/test: one pass in shard order, no shuffling.
Everything is deterministic given the seed: interleaving and mapping keep their order.
"""
import os

from t2t_mm.data import bucketing, meta, shard_check, shards, stream_check
from t2t_mm.data.data_errors import CorruptDataError, MissingDataError

REQUIRED_HPARAMS = ("batch_size", "max_length", "min_bucket_length", "bucket_step", "shuffle_buffer",
                    "audio_samples_per_token", "seed")


def build(problem, mode, data_dir, hparams, seed=None, shuffle=None, repeat=None, input_context=None):
    import tensorflow as tf
    _check_hparams(hparams)
    problem.check_declarations()
    split = problem.split_for_mode(mode)
    training = split == "train"
    shuffle = training if shuffle is None else shuffle
    repeat = training if repeat is None else repeat
    seed = hparams.seed if seed is None else seed
    if not os.path.isdir(data_dir):
        raise MissingDataError(f"no data dir {data_dir} (needed for {problem.name}).\n"
                               f"Make it with: {problem.datagen_command(data_dir)}")
    files = shards.complete_shards(data_dir, problem.name, split, problem.datagen_command(data_dir))
    spec = problem.spec(data_dir)
    _check_vocab_matches(problem, data_dir)
    _check_target_space(problem, spec, hparams)
    parse_spec = {}
    for codec in problem.codecs.values():
        parse_spec.update(codec.parse_spec())
    shard_check.verify(files, problem, parse_spec)

    space_id = tf.constant(spec.target_space_id, tf.int32)

    def decode(record):
        parsed = tf.io.parse_single_example(record, parse_spec)
        out = {name: codec.decode(parsed, problem, training) for name, codec in problem.codecs.items()}
        out["target_space_id"] = space_id
        return out

    pipelines = input_context.num_input_pipelines if input_context else 1
    by_file = pipelines > 1 and len(files) >= pipelines
    decode = tf.autograph.experimental.do_not_convert(decode)   # plain TF ops: no AutoGraph needed
    stream_check.check_some_pass(problem, split, files, decode, hparams, data_dir)
    ds = tf.data.Dataset.from_tensor_slices(files)
    if by_file:
        ds = ds.shard(pipelines, input_context.input_pipeline_id)
    if shuffle:
        ds = ds.shuffle(len(files), seed=seed, reshuffle_each_iteration=True)
    if repeat:
        ds = ds.repeat()
    ds = ds.interleave(tf.data.TFRecordDataset, cycle_length=min(len(files), 8), block_length=1,
                       num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    if pipelines > 1 and not by_file:
        ds = ds.shard(pipelines, input_context.input_pipeline_id)
    if shuffle:
        ds = ds.shuffle(shuffle_buffer_size(problem, data_dir, split, hparams.shuffle_buffer, pipelines),
                        seed=seed + 1, reshuffle_each_iteration=True)
    ds = ds.map(decode, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    ds = bucketing.batch_examples(ds, problem, hparams, drop_remainder=training)
    options = tf.data.Options()
    options.deterministic = True
    return ds.with_options(options).prefetch(tf.data.AUTOTUNE)


def shuffle_buffer_size(problem, data_dir, split, shuffle_buffer, pipelines=1):
    """hparams.shuffle_buffer, but no more records than one pipeline's share of the split: the data
    repeats before the shuffle, so a larger buffer holds the same records twice. The main job's speech
    split (2,000 utterances of 88.6 KiB) held 4,096 records, 354 MiB, for no better shuffling."""
    examples = meta.num_examples(data_dir, problem.name, split)
    if not examples:   # shards written without a meta file: trust the hparam
        return shuffle_buffer
    return max(1, min(int(shuffle_buffer), -(-int(examples) // pipelines)))


def _check_hparams(hparams):
    missing = [k for k in REQUIRED_HPARAMS if not hasattr(hparams, k)]
    if missing:
        from t2t_mm.errors import HParamsError
        raise HParamsError(f"the input pipeline needs the data hparams {', '.join(missing)}; "
                           "base your hparams set on multimodel_base or multimodel_tiny")


def _check_vocab_matches(problem, data_dir):
    written = meta.read(data_dir, problem.name).get("vocab_fingerprint")
    if problem.uses_vocab and written and written != problem.vocab(data_dir).fingerprint:
        raise CorruptDataError(
            f"the shards of {problem.name} in {data_dir} were written with a different shared vocabulary "
            f"than {data_dir}/vocab.shared.model (it was rebuilt since?). Delete {data_dir}/{problem.name}-* "
            f"and re-run {problem.datagen_command(data_dir)}")


def _check_target_space(problem, spec, hparams):
    limit = getattr(hparams, "max_target_spaces", None)
    if limit is not None and spec.target_space_id >= limit:
        from t2t_mm.errors import HParamsError
        raise HParamsError(f"{problem.name}'s command token has id {spec.target_space_id} but the model's "
                           f"table has max_target_spaces={limit} rows; raise it with "
                           f"--hparams='max_target_spaces={spec.target_space_id + 1}'")
