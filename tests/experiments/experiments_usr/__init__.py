"""A --usr_dir for the experiment tests: plugin experiments (tiny ones on the mini suite and on the
trainer tests' in-memory fake problems and model). Imported in-process and by mm-experiment subprocesses."""
