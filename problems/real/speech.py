"""Speech recognition: WSJ (LDC, the paper's task) and LibriSpeech (free), raw files only.

speech_wsj: ``.wv1`` NIST SPHERE files (shorten-compressed, decoded natively) with ``.dot``/``.lsn``
transcripts; si_tr_s -> train, si_dt_05 -> dev, si_et_05 -> test. speech_librispeech: the
``LibriSpeech/<split>/<speaker>/<chapter>/`` folders (train-* -> train, dev-* -> dev, test-* -> test).
Waveforms go to the pipeline as float32 at 16 kHz; the spectral modality computes features.
"""

from t2t_mm import registry
from t2t_mm.data import AudioToTextProblem
from t2t_mm.errors import UserError
from t2t_mm.readers import librispeech, sphere, wsj


class _RawSpeech(AudioToTextProblem):
    input_modality = "audio_spectral"
    target_space = "english"
    sample_rate = 16000
    splits = {"train": 16, "dev": 1, "test": 1}
    corpus_hint = ""

    def utterances(self, tmp_dir):
        raise NotImplementedError

    def read_audio(self, path):
        raise NotImplementedError

    def vocab_lines(self, tmp_dir):
        """Transcripts only: decoding every training utterance just for its text would take hours."""
        return (text for _, _, text, split in self.utterances(tmp_dir) if split == "train")

    def generate_samples(self, tmp_dir, split):
        chosen = [u for u in self.utterances(tmp_dir) if u[3] == split]
        if not chosen:
            raise UserError("%s: no %s utterances under --tmp_dir=%s; %s" % (self.name, split, tmp_dir,
                                                                         self.corpus_hint))
        for _, path, text, _ in chosen:
            wave, rate = self.read_audio(path)
            yield {"audio": wave, "sample_rate": rate, "targets": text}


@registry.register_problem
class SpeechWsj(_RawSpeech):
    corpus_hint = ("copy the WSJ0/WSJ1 discs (LDC93S6B, LDC94S13B) there with their si_tr_s, si_dt_05 "
                   "and si_et_05 folders and .dot/.lsn transcripts.")

    def utterances(self, tmp_dir):
        return wsj.find_utterances(tmp_dir)

    def read_audio(self, path):
        return sphere.read_sphere_float(path)


@registry.register_problem
class SpeechLibrispeech(_RawSpeech):
    corpus_hint = ("extract the LibriSpeech archives (train-clean-100.tar.gz, dev-clean.tar.gz, "
                   "test-clean.tar.gz from openslr.org/12) there.")

    def utterances(self, tmp_dir):
        from t2t_mm.readers import archives
        archives.extract_all(tmp_dir, ("train-clean-*", "train-other-*", "dev-clean*", "dev-other*",
                                       "test-clean*", "test-other*", "librispeech*"))
        return librispeech.find_utterances(tmp_dir)

    def read_audio(self, path):
        return librispeech.read_flac(path)
