"""SPHERE (PCM both byte orders, shortpack, shorten), WSJ transcripts and LibriSpeech on real files."""

import os
import sys

import numpy as np
import pytest

from t2t_mm.errors import UserError
from t2t_mm.readers import librispeech, sphere, wsj
from t2t_mm.readers.shorten import decode_shorten
from t2t_mm.readers.shortpack import decode_shortpack

sys.path.insert(0, os.path.dirname(__file__))
import shorten_writer  # noqa: E402


def _signal(n=1300):
    rng = np.random.RandomState(0)
    t = np.arange(n)
    a = (800 * np.sin(t / 9.0) + rng.randint(-50, 50, n)).astype(int)
    a[768:1024] = a[768:1024] // 4 * 4  # block 3 is coded with a bit shift of 2
    a[1024:1280] = 0  # block 4 is a ZERO block
    b = (-300 * np.cos(t / 5.0) + rng.randint(-20, 20, n) + 1000).astype(int)
    b[768:1024] = b[768:1024] // 4 * 4
    b[1024:1280] = 0
    return a, b


_PLAN = {0: (0, 0, ()), 1: (1, 0, ()), 2: (2, 0, ()), 3: (3, 2, ()), 4: (8, 0, ()), 5: (7, 0, (40, -10, 2))}


def _plan(i):
    return _PLAN.get(i, (1, 0, ()))


def test_real_sphere_pcm_both_byte_orders_and_shortpack_agree(real):
    folder = real("speech", "sphere")
    decoded = [sphere.read_sphere(os.path.join(folder, f)) for f in ("ex1_01.wav", "ex1_10.wav", "ex1_10sh.wav")]
    little, big, packed = (d[0] for d in decoded)
    assert little.shape == (16000,) and little.min() == -560 and little.max() == 655
    np.testing.assert_array_equal(little, big)
    np.testing.assert_array_equal(little, packed)
    assert decoded[0][1] == 16000 and decoded[0][2]["utterance_id"] == "460a0101"
    assert decoded[2][2]["sample_byte_format"] == "shortpack-v0"


@pytest.mark.parametrize("version, coding", [(1, b"pcm,embedded-shorten-v1.1"), (2, b"pcm,embedded-shorten-v2.00")])
def test_real_samples_shorten_coded_into_a_wsj_style_sphere_file_decode_the_same(real, tmp_path, version, coding):
    source = real("speech", "sphere", "ex1_10.wav")
    samples, _, _ = sphere.read_sphere(source)
    with open(source, "rb") as f:
        header = f.read(1024)
    header = header.replace(b"sample_coding -s3 pcm", b"sample_coding -s%d %s" % (len(coding), coding))
    header = header[:header.index(b"end_head")] + b"end_head\n"
    header = header + b" " * (1024 - len(header))
    plan = lambda i: [(1, 0, ()), (2, 0, ()), (3, 0, ()), (7, 0, (48, -16))][i % 4]  # noqa: E731
    body = shorten_writer.encode([samples.tolist()], plan, ftype=3, wav_header=False, version=version)
    path = tmp_path / "460a0101.wv1"
    path.write_bytes(header + body)
    decoded, rate, fields = sphere.read_sphere(str(path))
    assert fields["sample_coding"] == coding.decode()
    assert decoded.shape == (16000,) and decoded.min() == -560 and decoded.max() == 655
    np.testing.assert_array_equal(decoded, samples)
    assert len(body) < 0.75 * 2 * 16000  # it really is compressed
    wave, rate = sphere.read_sphere_float(str(path))
    assert wave.dtype == np.float32 and rate == 16000 and abs(wave).max() < 0.03


@pytest.mark.parametrize("version", [1, 2])
def test_shorten_decoder_handles_every_command_on_two_channels(version):
    a, b = _signal()
    samples, ftype = decode_shorten(shorten_writer.encode([a.tolist(), b.tolist()], _plan, version=version))
    assert ftype == 5 and samples.shape == (1300, 2)
    np.testing.assert_array_equal(samples, np.stack([a, b], axis=1))


@pytest.mark.parametrize("version", [1, 2])
def test_shorten_writer_agrees_with_ffmpegs_independent_decoder(tmp_path, version):
    av = pytest.importorskip("av", reason="PyAV (FFmpeg) is not installed; the cross-check needs it")
    a, b = _signal()
    path = tmp_path / "x.shn"
    path.write_bytes(shorten_writer.encode([a.tolist(), b.tolist()], _plan, version=version))
    with av.open(str(path)) as container:
        frames = np.concatenate([f.to_ndarray() for f in container.decode(audio=0)], axis=-1)
    np.testing.assert_array_equal(frames.T, np.stack([a, b], axis=1))


def test_truncated_or_corrupt_shorten_is_a_user_error():
    a, _ = _signal()
    data = shorten_writer.encode([a.tolist()], _plan)
    with pytest.raises(UserError, match="ends early"):
        decode_shorten(data[:len(data) // 2], "cut.wv1")
    with pytest.raises(UserError, match="ajkg"):
        decode_shorten(b"RIFF" + data[4:], "bad.wv1")


def test_shortpack_chunks_and_truncation():
    # chunk: 3 samples, 2 bits -> sign+2 bits each: +3, -1, 0 = 011 101 000 -> 0111 0100 0000 0000
    data = bytes([3, 2, 0b01110100, 0b00000000])
    np.testing.assert_array_equal(decode_shortpack(data, 3), [3, -1, 0])
    assert decode_shortpack(bytes([1, 0, 0b10000000, 0]), 1)[0] == -32768
    with pytest.raises(UserError, match="truncated"):
        decode_shortpack(data, 5, "x.wv1")


def test_bad_sphere_files_are_user_errors(real, tmp_path):
    good = open(real("speech", "sphere", "ex1_01.wav"), "rb").read()
    cases = {
        "riff.wv1": (b"RIFF" + good[4:], "NIST_1A"),
        "cut.wv1": (good[:5000], "truncated"),
        "header_only.wv1": (good[:600], "shorter"),
        "flipped.wv1": (good[:2000] + bytes([good[2000] ^ 1]) + good[2001:], "checksum"),
    }
    for name, (data, message) in cases.items():
        (tmp_path / name).write_bytes(data)
        with pytest.raises(UserError, match=message) as err:
            sphere.read_sphere(str(tmp_path / name))
        assert name in str(err.value)


def test_ulaw_table_matches_g711_reference_points():
    np.testing.assert_array_equal(sphere.ulaw_to_linear(np.array([0xFF, 0x7F, 0x80, 0x00], np.uint8)),
                                  [0, 0, 32124, -32124])


def test_wsj_transcripts_pair_with_audio_and_split_by_directory(real, tmp_path):
    audio = open(real("speech", "sphere", "ex1_01.wav"), "rb").read()
    for split_dir, utt in (("si_tr_s", "460c0201"), ("si_et_05", "440c0201")):
        d = tmp_path / "wsj0" / split_dir / utt[:3]
        d.mkdir(parents=True)
        (d / (utt + ".wv1")).write_bytes(audio)
    (tmp_path / "wsj0" / "si_tr_s" / "460" / "460c0201.wv2").write_bytes(audio)
    (tmp_path / "wsj0" / "si_tr_s" / "460" / "460c0202.wv1").write_bytes(audio)  # no transcript
    (tmp_path / "wsj0" / "si_tr_s" / "460" / "460c02.dot").write_text(
        "The [loud_breath] <sale> of *hotels* is part~ of Holiday's strategy \\.PERIOD (460c0201)\n")
    (tmp_path / "wsj0" / "si_et_05" / "440" / "440c02.lsn").write_text(
        "\nHE SAID ,COMMA NO .PERIOD (440C0201)\n")
    found = wsj.find_utterances(str(tmp_path))
    assert [(u, s, t) for u, _, t, s in found] == [
        ("440c0201", "test", "HE SAID ,COMMA NO .PERIOD"),
        ("460c0201", "train", "THE SALE OF HOTELS IS PART OF HOLIDAY'S STRATEGY .PERIOD")]
    assert found[1][1].endswith(".wv1")


def test_wsj_bad_transcript_line_and_missing_audio(tmp_path):
    (tmp_path / "a.dot").write_text("no id here\n")
    with pytest.raises(UserError, match="a.dot:1"):
        wsj.read_transcripts(str(tmp_path / "a.dot"))
    (tmp_path / "a.dot").unlink()
    with pytest.raises(UserError, match="no .wv1 files"):
        wsj.find_utterances(str(tmp_path))


def test_librispeech_real_chapters(real):
    root = real("speech", "LibriSpeech")
    found = librispeech.find_utterances(root)
    assert [u for u, _, _, _ in found] == ["1089-134686-0000", "1089-134686-0001",
                                           "1089-134691-0000", "1089-134691-0001"]
    assert {s for _, _, _, s in found} == {"test"}
    assert found[1][2] == "STUFF IT INTO YOU HIS BELLY COUNSELLED HIM"
    assert found[2][2] == "HE COULD WAIT NO LONGER"  # last line, no final newline
    assert not found[0][2].endswith(" ")
    wave, rate = librispeech.read_flac(found[0][1])
    assert rate == 16000 and wave.shape == (166960,) and wave.dtype == np.float32


def test_librispeech_split_from_the_folder_above_speaker_whatever_the_root(real):
    found = librispeech.find_utterances(os.path.dirname(real("speech", "LibriSpeech")))
    assert len(found) == 4 and {s for _, _, _, s in found} == {"test"}


def test_sphere_header_with_a_bad_integer(real, tmp_path):
    good = open(real("speech", "sphere", "ex1_01.wav"), "rb").read()
    (tmp_path / "bad.wv1").write_bytes(good.replace(b"sample_count -i 16000", b"sample_count -i 16OOO"))
    with pytest.raises(UserError, match="bad.wv1.*sample_count"):
        sphere.read_sphere(str(tmp_path / "bad.wv1"))


def test_librispeech_missing_flac_is_a_user_error(tmp_path):
    d = tmp_path / "dev-clean" / "1" / "2"
    d.mkdir(parents=True)
    (d / "1-2.trans.txt").write_text("1-2-0000 HELLO\n")
    with pytest.raises(UserError, match="1-2-0000.flac is missing"):
        librispeech.find_utterances(str(tmp_path))
