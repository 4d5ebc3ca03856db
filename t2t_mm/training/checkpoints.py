"""Checkpoints in output_dir with tf.train.CheckpointManager: model, optimizer and step counter.

The chief writes output_dir/ckpt-N; under multi_worker every other worker must take part in saving too,
so it writes to a scratch folder that is deleted right after (the tf.distribute recipe). All workers
restore from the chief's folder, so a restarted job continues where the last save left it.
"""
import os
import shutil

import tensorflow as tf

from t2t_mm.errors import UserError

PREFIX = "ckpt"


class CheckpointKeeper:
    def __init__(self, output_dir, keep_max, is_chief=True, task_id=0, **trackables):
        self.output_dir = output_dir
        self.is_chief = is_chief
        self.checkpoint = tf.train.Checkpoint(**trackables)
        directory = output_dir if is_chief else os.path.join(output_dir, f".worker_scratch_{task_id}")
        self.directory = directory
        self.manager = tf.train.CheckpointManager(
            self.checkpoint, directory, max_to_keep=max(int(keep_max), 1), checkpoint_name=PREFIX)

    def latest(self):
        """Path of the chief's newest checkpoint, or None."""
        return tf.train.latest_checkpoint(self.output_dir)

    def restore_latest(self):
        """Restores the newest checkpoint if there is one; returns its path or None.

        assert_existing_objects_matched: every variable of the (already built) model and optimizer that
        the checkpoint has must load, so a checkpoint from another architecture fails loudly here.
        """
        path = self.latest()
        if path:
            try:
                self.checkpoint.restore(path).assert_existing_objects_matched()
            except (AssertionError, ValueError) as exc:
                raise UserError(
                    f"{path} does not fit the model built now: resume with the --problems, --model and "
                    f"--hparams the run was started with (see {self.output_dir}/problems.json and "
                    f"hparams.json), or train in a new --output_dir. Details: {str(exc).splitlines()[0][:300]}"
                ) from exc
        return path

    def save(self, step):
        path = self.manager.save(checkpoint_number=int(step))
        if not self.is_chief:
            shutil.rmtree(self.directory, ignore_errors=True)
            return os.path.join(self.output_dir, f"{PREFIX}-{int(step)}")
        return path
