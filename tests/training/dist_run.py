"""Runs a few training steps of the fake problems under a strategy, in its own process (logical devices
and collectives are process-wide), and writes every variable's per-replica values to an .npz.

    python dist_run.py MODE OUTPUT_DIR RESULT.npz [PROBLEMS] [STEPS]
MODE: one_device | mirrored (2 logical CPUs) | multi_worker (TF_CONFIG set by the caller).
"""
import os
import sys

import numpy as np
import tensorflow as tf

mode, output_dir, result = sys.argv[1:4]
problems = sys.argv[4] if len(sys.argv) > 4 else "fake_text_copy,fake_image_class"
steps = int(sys.argv[5]) if len(sys.argv) > 5 else 6
if mode == "mirrored":
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from training_helpers import FAKES, fake_config  # noqa: E402
from t2t_mm import plugins  # noqa: E402
from t2t_mm.training import optimizer, trainer  # noqa: E402

plugins.load_all(FAKES)
run = trainer.Trainer(fake_config(output_dir, problems=problems, train_steps=steps, distribution=mode,
                                  eval_steps=0, log_every=1))
run.run()
arrays = {"__replicas__": np.array(run.strategy.num_replicas_in_sync)}
for i, var in enumerate(run.model.trainable_variables + run.optimizer.first_moments):
    base = optimizer.tf_variable(var)
    values = getattr(base, "values", (base,))
    arrays[f"{i}"] = np.stack([np.asarray(v.numpy()) for v in values])
np.savez(result, **arrays)
print("DONE", run.strategy.num_replicas_in_sync, type(run.strategy).__name__, flush=True)
