"""ProblemSpec: what the model and the trainer need to know of a problem, without its data code."""
import dataclasses


@dataclasses.dataclass(frozen=True)
class ProblemSpec:
    name: str                 # registered problem name
    input_modality: str       # registered modality name: symbol, image, audio_waveform, audio_spectral
    target_modality: str      # registered modality name: symbol or class_label
    target_space_id: int      # index of the command token ("To-English", ...) in the command table
    vocab_size: int = 0       # shared text vocabulary size (0 when no text is involved)
    num_classes: int = 0      # for class_label targets

    @property
    def text_targets(self):
        return self.target_modality == "symbol"
