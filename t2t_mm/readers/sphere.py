"""NIST SPHERE audio files as LDC ships WSJ (`.wv1`, `.wv2`, often `.wav` too, but never RIFF).

A 1024-byte (or larger, as its second line says) ASCII header starting ``NIST_1A`` holds
``name -type value`` lines up to ``end_head`` (types ``-i`` int, ``-r`` real, ``-sN`` N-char string).
The samples follow: 16-bit PCM in byte order ``01`` (little-endian) or ``10`` (big-endian), 8-bit
mu-law, MIT "shortpack-v0", or shorten-compressed (``sample_coding pcm,embedded-shorten-vX``).
Shorten is decoded natively (t2t_mm.readers.shorten): no sph2pipe needed.
"""

import os

import numpy as np

from t2t_mm.errors import UserError
from t2t_mm.readers.shorten import decode_shorten
from t2t_mm.readers.shortpack import decode_shortpack

MAGIC = b"NIST_1A"


def parse_header(data, source="<sphere>"):
    """(fields dict, header size in bytes) of a SPHERE file's bytes."""
    if not data.startswith(MAGIC):
        raise UserError("%s: not a NIST SPHERE file (no 'NIST_1A' at the start; found %r). WSJ audio "
                        "must be the original LDC .wv1/.wv2 files." % (source, bytes(data[:8])))
    lines = bytes(data[:1024]).split(b"\n")
    try:
        size = int(lines[1])
    except (IndexError, ValueError):
        raise UserError("%s: SPHERE header size line is not a number: %r" % (source, lines[1:2]))
    if len(data) < size:
        raise UserError("%s: file is shorter (%d bytes) than its own %d-byte SPHERE header "
                        "(truncated file); re-copy it from the corpus." % (source, len(data), size))
    fields = {}
    for raw in bytes(data[:size]).split(b"\n")[2:]:
        line = raw.decode("latin-1").rstrip("\r")
        if line.strip() == "end_head":
            return fields, size
        parts = line.split(" ", 2)
        if len(parts) < 3 or not parts[1].startswith("-"):
            continue  # blank or comment line
        name, kind, rest = parts
        try:
            if kind == "-i":
                fields[name] = int(rest)
            elif kind == "-r":
                fields[name] = float(rest)
            else:  # -sN: exactly N characters follow the separating space
                length = int(kind[2:]) if kind[2:].isdigit() else len(rest)
                fields[name] = rest[:length].strip()
        except ValueError:
            raise UserError("%s: SPHERE header line %r has a value that is not of its type %s "
                            "(corrupt header)." % (source, line, kind))
    raise UserError("%s: SPHERE header has no 'end_head' line within %d bytes (corrupt header)."
                    % (source, size))


def read_sphere(path):
    """(int16 samples ``[num_samples]`` or ``[num_samples, channels]``, sample rate, header fields)."""
    with open(path, "rb") as f:
        data = f.read()
    header, size = parse_header(data, path)
    body = data[size:]
    channels = header.get("channel_count", 1)
    count = header.get("sample_count")
    rate = header.get("sample_rate", 16000)
    coding = header.get("sample_coding", "pcm").lower()
    byte_format = header.get("sample_byte_format", "01")
    ulaw = coding.startswith(("ulaw", "mu-law"))
    width = 1 if ulaw or byte_format == "1" else header.get("sample_n_bytes", 2)
    if count is None:
        count = len(body) // (width * channels)
    total = count * channels
    raw = None   # the stored 8-bit codes, which 8-bit files checksum
    if "shorten" in coding:
        samples = np.asarray(_shorten(path, body)).reshape(-1)
        total = _total(count, channels, samples.size)
    elif "wavpack" in coding:
        raise UserError("%s: wavpack-compressed SPHERE is not supported; convert it with sph2pipe or "
                        "w_decode from NIST's SPHERE tools." % path)
    elif ulaw:
        total = _total(count, channels, len(body))
        _need(body, total, path)
        raw = np.frombuffer(body[:total], np.uint8)
        samples = ulaw_to_linear(raw)
    elif byte_format == "shortpack-v0":
        samples = decode_shortpack(body, total, path)
    elif byte_format in ("01", "10", "1"):
        if width != 2 and byte_format != "1":
            raise UserError("%s: %d-byte PCM samples are not supported (16-bit only)." % (path, width))
        dtype = {"01": "<i2", "10": ">i2", "1": "i1"}[byte_format]
        total = _total(count, channels, len(body) // np.dtype(dtype).itemsize)
        _need(body, total * np.dtype(dtype).itemsize, path)
        samples = np.frombuffer(body, dtype, count=total).astype(np.int16)
        if byte_format == "1":
            raw = np.frombuffer(body[:total], np.uint8)
            samples = samples * 256
    else:
        raise UserError("%s: unknown SPHERE sample_byte_format %r (expected 01, 10 or shortpack-v0)."
                        % (path, byte_format))
    samples = np.asarray(samples).reshape(-1)
    if samples.size < total:
        raise UserError("%s: decoded %d samples but the header says %d (truncated file)."
                        % (path, samples.size, total))
    samples = samples[:total].astype(np.int16)
    _check_checksum(samples if raw is None else raw, header, path)
    frames = total // channels
    return (samples.reshape(frames, channels) if channels > 1 else samples), rate, header


def _total(count, channels, available):
    """Samples to read over all channels. sample_count counts samples per channel, but some writers
    count them over all channels: when the data holds exactly that many (fewer than count * channels,
    and a whole number of frames), the header meant the total, not a truncated file."""
    if channels > 1 and count % channels == 0 and count <= available < count * channels:
        return count
    return count * channels


def read_sphere_float(path):
    """Mono float32 waveform in [-1, 1) and its sample rate (channels averaged)."""
    samples, rate, _ = read_sphere(path)
    wave = samples.astype(np.float32) / 32768.0
    return (wave.mean(axis=1) if wave.ndim == 2 else wave), rate


def _check_checksum(values, header, path):
    """SPHERE's sample_checksum: the stored values summed modulo 2**16 -- 16-bit samples, or the bytes
    themselves for 8-bit (mu-law) files (catches corrupt data)."""
    expected = header.get("sample_checksum")
    if expected is None:
        return
    actual = int(values.astype(np.int64).sum()) & 0xFFFF
    if actual != expected:
        raise UserError("%s: sample checksum %d does not match the header's %d: the audio data is "
                        "corrupt; re-copy the file from the corpus." % (path, actual, expected))


def _need(body, nbytes, path):
    if len(body) < nbytes:
        raise UserError("%s: SPHERE data has %d bytes, the header promises %d (truncated file); "
                        "re-copy it from the corpus." % (path, len(body), nbytes))


def _shorten(path, body):
    samples, _ = decode_shorten(body, os.fspath(path))
    return samples.reshape(-1)  # already interleaved frame by frame


def ulaw_to_linear(codes):
    """G.711 mu-law bytes to 16-bit linear values."""
    u = ~codes.astype(np.int32) & 0xFF
    magnitude = (((u & 0x0F) << 3) + 0x84) << ((u >> 4) & 0x07)
    return np.where(u & 0x80, 0x84 - magnitude, magnitude - 0x84).astype(np.int16)
