"""The registered real problems on the real excerpts (raw files), fixtures, TFDS mocks, one mm-datagen run."""

import io
import os
import tarfile

import numpy as np
import pytest
from PIL import Image

from t2t_mm import registry
from t2t_mm.errors import UserError
from t2t_mm.problems.real import source

NAMES = ("translate_ende_wmt8k", "translate_deen_wmt8k", "translate_enfr_wmt8k", "translate_fren_wmt8k",
         "translate_defr_wmt8k", "image_imagenet", "image_ms_coco_captions", "speech_wsj",
         "speech_librispeech", "parsing_wsj")


def tfds_problem(name):
    """The registered problem reading from its TFDS builder (as mm-datagen --source=tfds makes it)."""
    return registry.problem(name).use_source("tfds")


def test_all_ten_are_registered_with_their_declarations():
    for name in NAMES:
        problem = registry.problem(name)
        problem.check_declarations()
        assert problem.name == name and "train" in problem.splits
    spaces = {n: registry.problem(n).target_space for n in NAMES}
    assert spaces["translate_ende_wmt8k"] == "german" and spaces["translate_deen_wmt8k"] == "english"
    assert spaces["translate_defr_wmt8k"] == "french" and spaces["parsing_wsj"] == "parse_tree"
    assert registry.problem("translate_deen_wmt8k").reverse and not registry.problem("translate_ende_wmt8k").reverse
    assert registry.problem("image_imagenet").num_classes == 1000
    assert "bracket_f1" in registry.problem("parsing_wsj").eval_metrics
    assert "wer" in registry.problem("speech_wsj").eval_metrics
    assert set(registry.expand_problems("multimodel_eight")) == set(NAMES) - {"translate_defr_wmt8k",
                                                                             "speech_librispeech"}


def test_translation_reads_real_newstest_as_the_test_split(real):
    ende = registry.problem("translate_ende_wmt8k")
    samples = list(ende.generate_samples(real("wmt", "newstest", "en-de"), "test"))
    assert len(samples) == 3003
    assert samples[0] == {"inputs": "Gutach: Increased safety for pedestrians",
                          "targets": "Gutach: Noch mehr Sicherheit für Fußgänger"}
    with pytest.raises(UserError, match="no training corpora .* --tmp_dir"):
        list(ende.generate_samples(real("wmt", "newstest", "en-de"), "train"))
    defr = list(registry.problem("translate_defr_wmt8k").generate_samples(real("wmt", "newstest", "de-fr"), "test"))
    assert len(defr) == 1701 and defr[0]["inputs"].startswith("Europa-Parteitag der Linken")
    fren = registry.problem("translate_fren_wmt8k")  # reversed at serialization: same raw pairs
    assert next(fren.generate_samples(real("wmt", "newstest", "en-fr"), "test"))["inputs"] == \
        "Spectacular Wingsuit Jump Over Bogota"


def test_translation_splits_from_a_training_archive_and_sgml_dev_set(tmp_path):
    corpus = tmp_path / "build"
    corpus.mkdir()
    (corpus / "europarl-v7.de-en.en").write_text("Hello &amp; welcome\nSecond\n")
    (corpus / "europarl-v7.de-en.de").write_text("Hallo &amp; willkommen\nZweiter\n")
    (corpus / "newstest2012.en").write_text("held out\n")  # an older test set: never trained on
    (corpus / "newstest2012.de").write_text("zurückgehalten\n")
    raw = tmp_path / "raw"
    (raw / "dev").mkdir(parents=True)
    with tarfile.open(raw / "training-parallel-europarl-v7.tgz", "w:gz") as tar:
        for name in os.listdir(corpus):
            tar.add(corpus / name, "training/" + name)
    seg = '<doc docid="d"><seg id="1"> %s </seg></doc>'
    (raw / "dev" / "newstest2013-src.en.sgm").write_text(seg % "Good day")
    (raw / "dev" / "newstest2013-ref.de.sgm").write_text(seg % "Guten Tag")
    (raw / "dev" / "newstest2013.en").write_text("Good day\n")  # the same set as text: read once
    (raw / "dev" / "newstest2013.de").write_text("Guten Tag\n")
    ende = registry.problem("translate_ende_wmt8k")
    assert list(ende.generate_samples(str(raw), "train")) == [
        {"inputs": "Hello & welcome", "targets": "Hallo & willkommen"}, {"inputs": "Second", "targets": "Zweiter"}]
    assert list(ende.generate_samples(str(raw), "dev")) == [{"inputs": "Good day", "targets": "Guten Tag"}]
    with pytest.raises(UserError, match="newstest2014"):
        list(ende.generate_samples(str(raw), "test"))


def test_translation_from_mocked_tfds(tmp_path):
    tfds = pytest.importorskip("tensorflow_datasets")
    with tfds.testing.mock_data(num_examples=3, policy=tfds.testing.MockPolicy.USE_CODE):
        samples = list(tfds_problem("translate_deen_wmt8k").generate_samples(str(tmp_path), "train"))
        defr = tfds_problem("translate_defr_wmt8k")
        dev = list(defr.generate_samples(str(tmp_path), "dev"))
    assert len(samples) == 3 and all(isinstance(s["inputs"], str) and isinstance(s["targets"], str)
                                     for s in samples + dev)
    assert defr.splits == {"train": 16, "dev": 1}  # wmt19_translate/fr-de has no test split
    assert registry.problem("translate_defr_wmt8k").splits == {"train": 16, "dev": 1, "test": 1}   # raw files


def test_two_problems_in_one_process_read_from_different_sources():
    raw, tfds = registry.problem("translate_ende_wmt8k"), tfds_problem("translate_enfr_wmt8k")
    assert raw.source is source.RAW and tfds.source.builder == "wmt14_translate/fr-en"
    assert registry.problem("speech_wsj").use_source("tfds").splits      # no TFDS builder: raw either way
    with pytest.raises(UserError, match="--source=hdfs: choose one of raw, tfds"):
        raw.use_source("hdfs")


def test_imagenet_raw_excerpt_and_preprocessing(real):
    problem = registry.problem("image_imagenet")
    root = real("imagenet")
    train = list(problem.generate_samples(root, "train"))
    dev = list(problem.generate_samples(root, "dev"))
    assert len(train) + len(dev) == 30 and dev  # no val/: a stable hold-out of train
    for sample in train + dev:
        image = Image.open(io.BytesIO(sample["image"]))
        assert image.mode == "RGB" and 0 <= sample["label"] < 1000
    assert {s["label"] for s in train} <= {0, 217, 482, 491, 497, 566, 569, 571, 574, 701}
    out = problem.preprocess_image(np.asarray(Image.open(io.BytesIO(train[0]["image"]))), training=False)
    assert out.shape == (224, 224, 3) and abs(float(np.mean(out))) < 1e-3


def test_imagenet_from_mocked_tfds(tmp_path):
    tfds = pytest.importorskip("tensorflow_datasets")
    with tfds.testing.mock_data(num_examples=2, policy=tfds.testing.MockPolicy.USE_CODE):
        samples = list(tfds_problem("image_imagenet").generate_samples(str(tmp_path), "dev"))
    assert len(samples) == 2 and all(Image.open(io.BytesIO(s["image"])).format == "JPEG" for s in samples)


def test_coco_raw_excerpt_one_sample_per_caption(real):
    problem = registry.problem("image_ms_coco_captions")
    samples = list(problem.generate_samples(real("coco"), "dev"))
    assert len(samples) == 75
    assert samples[0]["targets"] == "A camera sits on a tripod connected to a laptop."
    assert all(s["targets"] == s["targets"].strip() for s in samples)
    with pytest.raises(UserError, match="captions_train"):
        list(problem.generate_samples(real("coco"), "train"))


def test_coco_from_tfds_structure(tmp_path):
    # TFDS's own random mock of coco_captions breaks on its "objects" sequence; give the builder's
    # structure (encoded image, captions.text) through mock_data's as_dataset_fn instead.
    tfds = pytest.importorskip("tensorflow_datasets")
    import tensorflow as tf
    jpeg = io.BytesIO()
    Image.new("RGB", (9, 7), (10, 200, 30)).save(jpeg, format="JPEG")

    def as_dataset(builder, split, decoders, **kwargs):
        assert split == "val" and decoders
        return tf.data.Dataset.from_tensors({"image": jpeg.getvalue(),
                                             "captions": {"text": ["A green box. ", "Green."]}})

    with tfds.testing.mock_data(as_dataset_fn=as_dataset, policy=tfds.testing.MockPolicy.USE_CODE):
        samples = list(tfds_problem("image_ms_coco_captions").generate_samples(str(tmp_path), "dev"))
    assert [s["targets"] for s in samples] == ["A green box.", "Green."]
    assert samples[0]["image"] == jpeg.getvalue()


def test_librispeech_real_test_split(real):
    problem = registry.problem("speech_librispeech")
    samples = list(problem.generate_samples(real("speech", "LibriSpeech"), "test"))
    assert len(samples) == 4 and samples[3]["targets"].endswith("HE COULD WAIT NO LONGER")
    assert samples[0]["audio"].dtype == np.float32 and samples[0]["sample_rate"] == 16000
    with pytest.raises(UserError, match="no train utterances"):
        list(problem.generate_samples(real("speech", "LibriSpeech"), "train"))


def test_speech_wsj_on_sphere_files_with_transcripts(real, tmp_path):
    audio = open(real("speech", "sphere", "ex1_10.wav"), "rb").read()
    for split_dir, utt in (("si_tr_s", "460a0101"), ("si_dt_05", "4k0c0301")):
        folder = tmp_path / "wsj1" / split_dir / utt[:3]
        folder.mkdir(parents=True)
        (folder / (utt + ".wv1")).write_bytes(audio)
        (folder / (utt[:6] + ".dot")).write_text("Hello \\,COMMA world [door_slam] (%s)\n" % utt)
    problem = registry.problem("speech_wsj")
    (train,) = problem.generate_samples(str(tmp_path), "train")
    assert train["targets"] == "HELLO ,COMMA WORLD" and train["sample_rate"] == 16000
    assert train["audio"].shape == (16000,) and train["audio"].dtype == np.float32
    assert round(float(train["audio"].min()) * 32768) == -560
    assert len(list(problem.generate_samples(str(tmp_path), "dev"))) == 1
    with pytest.raises(UserError, match="no test utterances"):
        list(problem.generate_samples(str(tmp_path), "test"))


def test_parsing_wsj_real_sample(real):
    problem = registry.problem("parsing_wsj")
    splits = {s: list(problem.generate_samples(real("ptb"), s)) for s in ("train", "dev", "test")}
    assert sum(len(v) for v in splits.values()) == 1921
    everything = [s for v in splits.values() for s in v]
    pierre = [s for s in everything if s["inputs"].startswith("Pierre Vinken")][0]
    assert pierre["targets"].startswith("(S (NP (NP XX XX )NP XX (ADJP")
    assert all(s["targets"].count("XX") == len(s["inputs"].split()) for s in everything)


def test_mm_datagen_writes_parsing_wsj_shards_from_the_real_sample(real, tmp_path):
    from t2t_mm.data import datagen, meta
    from t2t_mm.data.vocab import Vocab
    import tensorflow as tf
    raw = tmp_path / "raw"
    raw.mkdir()
    os.symlink(real("ptb"), raw / "ptb")  # a read-only corpus linked into --tmp_dir
    data = tmp_path / "data"
    datagen.generate("parsing_wsj", str(data), str(raw), vocab_size=600, log=lambda *a: None)
    counts = {s: meta.num_examples(str(data), "parsing_wsj", s) for s in ("train", "dev", "test")}
    assert sum(counts.values()) == 1921 and all(counts.values())
    shard = sorted(p for p in os.listdir(data) if p.startswith("parsing_wsj-dev-"))[0]
    record = next(iter(tf.data.TFRecordDataset(str(data / shard))))
    example = tf.train.Example.FromString(record.numpy())
    vocab = Vocab(str(data))
    target = vocab.decode([i for i in example.features.feature["targets"].int64_list.value if i > 1])
    words = vocab.decode([i for i in example.features.feature["inputs"].int64_list.value if i > 1]).split()
    from t2t_mm.data import trees
    tree = trees.delinearize(target, words)
    assert target.startswith("(") and tree.leaves() == words


def test_newstest2014_pairs_survive_the_shared_vocabulary_round_trip(real, tmp_path):
    import tensorflow as tf
    from t2t_mm.data import vocab as vocab_lib
    problem = registry.problem("translate_deen_wmt8k")
    samples = list(problem.generate_samples(real("wmt", "newstest", "en-de"), "test"))
    vocab = vocab_lib.train(str(tmp_path), (t for s in samples for t in s.values()), 2000, [problem.name])
    for sample in samples[::7]:
        example = tf.train.Example.FromString(problem.serialize(sample, vocab))
        ids = {k: list(example.features.feature[k].int64_list.value) for k in ("inputs", "targets")}
        assert ids["inputs"][-1] == 1 and ids["targets"][-1] == 1  # EOS
        # de-en: German in, English out
        assert vocab.decode(ids["inputs"][:-1]) == sample["targets"]
        assert vocab.decode(ids["targets"][:-1]) == sample["inputs"]


def test_speech_vocab_text_comes_from_transcripts_without_decoding_audio(tmp_path):
    folder = tmp_path / "wsj1" / "si_tr_s" / "460"
    folder.mkdir(parents=True)
    (folder / "460a0101.wv1").write_bytes(b"not a sphere file")  # would fail if it were decoded
    (folder / "460a01.dot").write_text("Hello world (460a0101)\n")
    assert list(registry.problem("speech_wsj").vocab_lines(str(tmp_path))) == ["HELLO WORLD"]


def test_coco_vocab_text_comes_from_annotations_without_reading_images(tmp_path):
    import json
    (tmp_path / "annotations").mkdir()
    annotations = {"images": [{"id": 7, "file_name": "missing.jpg"}],
                   "annotations": [{"image_id": 7, "id": 1, "caption": "A dog runs. "},
                                   {"image_id": 7, "id": 2, "caption": "A brown dog."}]}
    (tmp_path / "annotations" / "captions_train2017.json").write_text(json.dumps(annotations))
    lines = list(registry.problem("image_ms_coco_captions").vocab_lines(str(tmp_path)))
    assert sorted(lines) == ["A brown dog.", "A dog runs."]
