"""mm-trainer's machinery: a custom multi-problem training loop on tf.distribute.

Modules, one job each: sampler (which problem a step trains), schedule (learning rate), optimizer (Adam
that leaves untouched variables alone), losses, distribution (strategies), checkpoints (save, and restore
with fallback), run_folder (output_dir's own files, lock and mismatch errors; also used by mm-decoder),
guard (the NaN/Inf check of the state before a save), step (the compiled per-problem steps), evaluation,
summaries (TensorBoard + metrics.jsonl), progress (terminal lines), host_memory (freed memory kept for
the next step), trainer (the loop and main_from_flags).
"""
