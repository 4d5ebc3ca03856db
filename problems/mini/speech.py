"""Mini speech recognition (twin of WSJ): synthesized 16 kHz utterances of symbol sequences with
pitch, speed and noise variation (t2t_mm.synth.speech) -> transcripts; spectral audio input."""
from t2t_mm import registry
from t2t_mm.data import AudioToTextProblem
from t2t_mm.problems.mini import sizes


@registry.register_problem
class MiniSpeech(AudioToTextProblem):
    input_modality = "audio_spectral"
    target_space = "english"
    sample_rate = 16000                # t2t_mm.synth.speech.SAMPLE_RATE (checked in tests)
    splits = sizes.splits("speech", train_shards=4)
    tmp_dir_hint = sizes.TMP_DIR_HINT
    vocab_examples = 300               # transcripts use a few dozen words; synthesis is the costly part

    def num_examples(self, split):
        return sizes.count("speech", split, self.size_scale)

    def generate_samples(self, tmp_dir, split):
        from t2t_mm.synth import speech  # imported when used, so a broken generator breaks only this
        for utt in speech.utterances(sizes.seed("speech", split), self.num_examples(split)):
            yield {"audio": utt["audio"], "sample_rate": utt["sample_rate"], "targets": utt["transcript"]}
