"""Checkpoints in output_dir with tf.train.CheckpointManager: model, optimizer and step counter.

The chief writes output_dir/ckpt-N; under multi_worker every other worker must take part in saving too,
so it writes to a scratch folder that is deleted right after (the tf.distribute recipe). All workers
restore from the chief's folder, so a restarted job continues where the last save left it.

Restoring tries the checkpoints newest first (restore_newest): a newest checkpoint whose files are gone
or damaged (truncated .data, unreadable .index) is reported and set aside in output_dir/damaged/, and the
next older one that restores is used, so a damaged file never silently restarts training from step 0
(and a restart's saves never rotate the good older checkpoints away). A checkpoint that does not FIT the
model (other problems or hparams) is not damage: that is refused at once.
"""
import os
import shutil

import tensorflow as tf

from t2t_mm.errors import UserError
from t2t_mm.training import run_folder

PREFIX = run_folder.CHECKPOINT_PREFIX
DAMAGED_DIR = "damaged"


def _first_line(exc):
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]


def restore_newest(checkpoint, output_dir, note=print, partial=False, set_aside=False, what="the model",
                   program="mm-trainer"):
    """Restores the newest checkpoint of output_dir that restores; returns its path, or None when there is
    none at all. note(message) reports each one skipped; set_aside moves skipped ones to damaged/; a
    checkpoint that does not fit is refused with the advice for `program` (run_folder.checkpoint_does_not_fit)."""
    candidates = run_folder.checkpoint_candidates(output_dir) if os.path.isdir(output_dir) else []
    skipped = []
    for _, path in candidates:
        if not os.path.exists(path + ".index"):
            skipped.append((path, "its files are missing"))
            continue
        try:
            status = checkpoint.restore(path)
            status.assert_existing_objects_matched()
            if partial:
                status.expect_partial()
        except (AssertionError, ValueError) as exc:
            raise run_folder.checkpoint_does_not_fit(path, what, output_dir, _first_line(exc), program) from exc
        except Exception as exc:  # truncated/corrupt files: DataLossError, IndexError, OutOfRangeError, ...
            skipped.append((path, f"it is damaged ({type(exc).__name__}: {_first_line(exc)})"))
            continue
        for bad, why in skipped:
            note(f"checkpoint {bad} skipped: {why}" + (_set_aside(bad, output_dir) if set_aside else ""))
        if skipped:
            note(f"fell back to {path}, the newest checkpoint that restores")
        return path
    if skipped:
        listed = "; ".join(f"{p}: {why}" for p, why in skipped)
        raise UserError(f"no checkpoint in {output_dir} restores ({listed}). Restore them from a backup, or "
                        "move them away to train from scratch (nothing was overwritten)")
    return None


def _set_aside(path, output_dir):
    files = run_folder.checkpoint_files(path)
    if not files:
        return ""
    target = os.path.join(output_dir, DAMAGED_DIR)
    os.makedirs(target, exist_ok=True)
    for name in files:
        os.replace(name, os.path.join(target, os.path.basename(name)))
    return f" (moved to {target}/)"


class CheckpointKeeper:
    def __init__(self, output_dir, keep_max, is_chief=True, task_id=0, **trackables):
        self.output_dir = output_dir
        self.is_chief = is_chief
        self.checkpoint = tf.train.Checkpoint(**trackables)
        directory = output_dir if is_chief else os.path.join(output_dir, f".worker_scratch_{task_id}")
        self.directory = directory
        self.keep_max = max(int(keep_max), 1)
        self.manager = tf.train.CheckpointManager(self.checkpoint, directory, max_to_keep=self.keep_max,
                                                  checkpoint_name=PREFIX)
        self.last_saved = None

    def latest(self):
        """Path of the newest checkpoint this run restored or saved (checked good), or None."""
        return self.last_saved

    def restore_latest(self, note=print):
        """Restores the newest checkpoint that restores (see restore_newest); returns its path or None.

        assert_existing_objects_matched: every variable of the (already built) model and optimizer that
        the checkpoint has must load, so a checkpoint from another architecture fails loudly here.
        """
        path = restore_newest(self.checkpoint, self.output_dir, note, set_aside=self.is_chief)
        self.last_saved = path
        if path and self.is_chief:
            self._track_what_is_on_disk(path)
        return path

    def _track_what_is_on_disk(self, restored):
        """The manager rotates by its state file: rewrite that to list the checkpoints really on disk
        (a damaged one set aside, one the file had lost), newest = the one restored, so rotation never
        deletes a good checkpoint to make room for a phantom, nor forgets one it should rotate."""
        present = [p for _, p in reversed(run_folder.checkpoint_candidates(self.output_dir))
                   if os.path.exists(p + ".index")]
        tf.compat.v1.train.update_checkpoint_state(
            self.output_dir, restored, all_model_checkpoint_paths=present,
            all_model_checkpoint_timestamps=[os.path.getmtime(p + ".index") for p in present])
        self.manager = tf.train.CheckpointManager(self.checkpoint, self.directory, max_to_keep=self.keep_max,
                                                  checkpoint_name=PREFIX)

    def save(self, step):
        path = self.manager.save(checkpoint_number=int(step))
        if not self.is_chief:
            shutil.rmtree(self.directory, ignore_errors=True)
            path = os.path.join(self.output_dir, f"{PREFIX}-{int(step)}")
        self.last_saved = path
        return path
