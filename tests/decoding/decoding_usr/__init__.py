"""A --usr_dir for the decoding tests: tiny problems of each input kind, a tiny keras model with the
MultiModel interface, and its hparams set. Imported in-process and by mm-decoder subprocesses."""
