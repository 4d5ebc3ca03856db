"""Shard files: names, discovery, and atomic writing.

A split is stored as D/<problem>-<split>-00000-of-000NN ... A shard is written under a temporary name
(<final>.incomplete-<pid>) and renamed when closed, so a file under a final name is always complete;
an interrupted run leaves only temporary files, which the next run removes and redoes.
"""
import glob
import os
import re

from t2t_mm.data.data_errors import MissingDataError, datagen_command

_SHARD = re.compile(r"-(\d{5})-of-(\d{5})$")
TEMP_MARK = ".incomplete-"


def shard_name(data_dir, problem_name, split, index, num_shards):
    return os.path.join(data_dir, f"{problem_name}-{split}-{index:05d}-of-{num_shards:05d}")


def shard_names(data_dir, problem_name, split, num_shards):
    return [shard_name(data_dir, problem_name, split, i, num_shards) for i in range(num_shards)]


def existing_sets(data_dir, problem_name, split):
    """{num_shards: sorted existing final shard paths} for one split."""
    sets = {}
    for path in glob.glob(os.path.join(glob.escape(data_dir), f"{glob.escape(problem_name)}-{split}-*-of-*")):
        match = _SHARD.search(path)
        if match and os.path.basename(path) == os.path.basename(path).split(TEMP_MARK)[0]:
            sets.setdefault(int(match.group(2)), []).append(path)
    return {n: sorted(paths) for n, paths in sets.items()}


def complete_shards(data_dir, problem_name, split, make=None):
    """The shard paths of a complete split, or MissingDataError naming the command that makes them."""
    sets = existing_sets(data_dir, problem_name, split)
    looked = os.path.join(data_dir, f"{problem_name}-{split}-*")
    make = make or datagen_command(problem_name, data_dir)
    if not sets:
        raise MissingDataError(f"no data for {problem_name} in {data_dir} (looked for {looked}).\n"
                               f"Make it with: {make}")
    complete = {n: paths for n, paths in sets.items() if len(paths) == n}
    if len(complete) > 1:
        raise MissingDataError(f"{data_dir} holds {len(complete)} complete shard sets of {problem_name} "
                               f"{split} (of-{', of-'.join(f'{n:05d}' for n in sorted(complete))}); "
                               "delete all but one so it is clear which to read")
    if not complete:
        n, paths = max(sets.items())
        raise MissingDataError(f"the {split} data of {problem_name} in {data_dir} is incomplete "
                               f"({len(paths)} of {n} shards; an interrupted mm-datagen run?).\n"
                               f"Finish it with: {make} --num_shards={n}")
    return next(iter(complete.values()))


def remove_stale_temporaries(final_paths):
    """Deletes temporary files left by interrupted runs for these shards."""
    for final in final_paths:
        for tmp in glob.glob(glob.escape(final) + TEMP_MARK + "*"):
            os.remove(tmp)


class ShardSetWriter:
    """Writes examples round-robin into the missing shards of a split; finished shards are renamed.

    Example i goes to shard i % num_shards, so the content of every shard depends only on the
    (deterministic) sample order, and a re-run can redo just the shards that are missing.
    """

    def __init__(self, final_paths, missing):
        import tensorflow as tf
        self.final_paths = final_paths
        self.missing = set(missing)
        self._temps = {i: f"{final_paths[i]}{TEMP_MARK}{os.getpid()}" for i in self.missing}
        self._writers = {i: tf.io.TFRecordWriter(self._temps[i]) for i in sorted(self.missing)}
        self.count = 0

    def wants_next(self):
        """Whether the next example goes to a shard being written (else it need not be serialized)."""
        return self.count % len(self.final_paths) in self._writers

    def write(self, serialized):
        shard = self.count % len(self.final_paths)
        self.count += 1
        if shard in self._writers:
            self._writers[shard].write(serialized)

    def close(self):
        """Closes and renames every shard: only now do the final names appear."""
        for i, writer in self._writers.items():
            writer.close()
            os.replace(self._temps[i], self.final_paths[i])
        self._writers = {}

    def abort(self):
        for i, writer in self._writers.items():
            writer.close()
            if os.path.exists(self._temps[i]):
                os.remove(self._temps[i])
        self._writers = {}
