"""The command-line programs mm-datagen, mm-trainer and mm-decoder (installed as t2t_mm.bin)."""
