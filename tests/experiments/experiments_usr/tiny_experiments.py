"""Plugin experiments of the tests: two runs each, a few steps, tiny hparams."""
from t2t_mm import registry
from t2t_mm.experiments import Column, Experiment, Row, Run, Table

# The real MultiModel, as small as it goes: one block everywhere, width 16, no MoE, no attention (the
# attention block's trace costs as much as the rest of the model).
TINY = ("hidden_size=16,num_heads=2,encoder_blocks=1,decoder_blocks=1,mixer_blocks=1,"
        "conv_kernel_sizes=[3,3,3,3],use_moe=False,use_attention=False,learning_rate_warmup_steps=10")


@registry.register_experiment
def tiny_parsing_learning_rate():
    """Mini parsing at two learning rates: two tiny runs of a few steps (the CLI test)."""
    runs = [Run("lr_high", "mini_parsing", "multimodel_tiny", TINY + ",learning_rate=0.5", steps_per_problem=3,
                label="learning rate 0.5"),
            Run("lr_low", "mini_parsing", "multimodel_tiny", TINY + ",learning_rate=0.05", steps_per_problem=3,
                label="learning rate 0.05")]
    table = Table("learning_rate", "Tiny comparison: learning rate on mini_parsing",
                  rows=(Row("mini_parsing", "mini_parsing", "WSJ parsing", ("log_ppl", "accuracy", "full_tree")),),
                  columns=(Column("lr_high", "LR 0.5"), Column("lr_low", "LR 0.05")),
                  paper={("mini_parsing", "lr_high"): {"log_ppl": 0.20, "accuracy": 0.9702},
                         ("mini_parsing", "lr_low"): {"log_ppl": 0.30, "accuracy": 0.95}},
                  comparisons=(("lr_low", "lr_high"),))
    return Experiment(runs=runs, tables=[table], description="Two tiny runs on mini_parsing.",
                      eval_steps=1, decode_examples=2, evals_per_run=1)


FAKE = "hidden_size=16,learning_rate_warmup_steps=10,learning_rate=0.5"


@registry.register_experiment
def fake_joint_vs_single(scale="small"):
    """The fake text-copy problem alone (2 steps) and jointly with the fake image problem (4 steps on each:
    8 in all), so `--train_steps=2` finishes the first and interrupts the second (the resume test)."""
    steps = {"small": (2, 4), "large": (4, 8)}[scale]
    runs = [Run("copy_alone", "fake_text_copy", "multimodel_tiny", FAKE, steps_per_problem=steps[0],
                model="fake_multimodel"),
            Run("copy_joint", "fake_text_copy,fake_image_class", "multimodel_tiny", FAKE,
                steps_per_problem=steps[1], model="fake_multimodel")]
    table = Table("joint", "Joint vs. alone on the fake copy problem",
                  rows=(Row("fake_text_copy"),),
                  columns=(Column("copy_joint", "Joint"), Column("copy_alone", "Alone")),
                  comparisons=(("copy_joint", "copy_alone"),))
    return Experiment(runs=runs, tables=[table], eval_steps=2, decode_examples=0, evals_per_run=2)
