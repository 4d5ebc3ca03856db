"""The terminal lines of USER_EXPERIENCE.md: progress with rates and ETA, build notices, eval lines."""
import io

from t2t_mm.training import progress


def test_progress_lines_rates_eta_and_build_notice():
    out = io.StringIO()
    p = progress.Progress(total_steps=20000, log_every=100, stream=out)
    assert "built its compiled step in 12.5s" in p.step(1, "mini_speech", 9.0, 16, compiled_seconds=12.5)
    for step in range(2, 100):
        assert p.step(step, "mini_speech", 2.5, 256) is None
    line = p.step(100, "mini_translate_enfr", 1.102, 256)
    assert line.startswith("step    100/20000  mini_translate_enfr    loss 1.102  ")
    assert " steps/s  " in line and " ex/s  ETA " in line
    assert progress.format_duration(3060) == "51m" and progress.format_duration(7500) == "2h05m"
    assert progress.format_duration(42) == "42s"
    eval_line = p.eval(2000, "mini_translate_ende", {"accuracy": 0.71, "log_ppl": 1.38, "bleu": 23.4,
                                                     "bleu_signature": "nrefs:1|case:mixed|tok:13a",
                                                     "accuracy_shuffled": 0.2, "bleu_shuffled": 1.5,
                                                     "examples": 200})
    assert eval_line == ("eval  step 2000    mini_translate_ende    acc 0.710 (shuffled 0.200)  log_ppl 1.380  "
                         "bleu 23.4 (shuffled 1.5)  n=200  (sacrebleu nrefs:1|case:mixed|tok:13a)")
    p.saved("run/ckpt-2000")
    assert out.getvalue().splitlines()[-1] == "saved checkpoint run/ckpt-2000"
