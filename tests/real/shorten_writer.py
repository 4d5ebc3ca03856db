"""A small shorten encoder for tests: makes streams that use every command the decoder knows.

It follows the shorten 2.x format description (see t2t_mm/readers/shorten.py) and is checked against
FFmpeg's independent shorten decoder (tests skip that check where PyAV is not installed).
"""

import struct

LPCQUANT = 5


class BitWriter:
    def __init__(self):
        self.bits = []

    def uvar(self, value, n):
        self.bits.extend([0] * (value >> n) + [1])
        self.bits.extend((value >> k) & 1 for k in range(n - 1, -1, -1))

    def var(self, value, n):
        self.uvar(((~value) << 1) | 1 if value < 0 else value << 1, n + 1)

    def ulong(self, value):
        nbit = value.bit_length()
        self.uvar(nbit, 2)
        self.uvar(value, nbit)

    def finish(self):
        self.uvar(0, 31)  # as the reference coder: flush to a 32-bit word boundary
        bits = self.bits[: len(self.bits) // 32 * 32]
        return bytes(int("".join(map(str, bits[i:i + 8])), 2) for i in range(0, len(bits), 8))


def _cdiv(a, b):
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


def _wav_header(nchan, nsamples, rate=16000):
    data = nchan * nsamples * 2
    return (b"RIFF" + struct.pack("<I", 36 + data) + b"WAVEfmt " +
            struct.pack("<IHHIIHH", 16, 1, nchan, rate, rate * nchan * 2, nchan * 2, 16) +
            b"data" + struct.pack("<I", data))


def encode(channels, plan, blocksize=256, nmean=4, maxnlpc=3, ftype=5, wav_header=True, version=2):
    """Encode equal-length int lists, one per channel. ``plan(block_index)`` gives
    (command, bitshift, qlpc_coefficients); command is 0-3 (DIFFn), 7 (QLPC) or 8 (ZERO).
    ``wav_header`` puts a RIFF header in a leading VERBATIM command, as shorten 3.x (and FFmpeg)
    expect; SPHERE's embedded shorten has none. ``version`` 1 (most WSJ discs) has no rounding in the
    running mean, no mean scaling by the bit shift and no QLPC rounding offset."""
    w = BitWriter()
    for value in (ftype, len(channels), blocksize, maxnlpc, nmean, 0):
        w.ulong(value)
    if wav_header:
        header = _wav_header(len(channels), len(channels[0]))
        w.uvar(9, 2)
        w.uvar(len(header), 5)
        for byte in header:
            w.uvar(byte, 8)
    nwrap = max(3, maxnlpc)
    history = [[0] * nwrap for _ in channels]
    offsets = [[0] * nmean for _ in channels]
    last_shift, n, start, index = 0, len(channels[0]), 0, 0
    while start < n:
        size = min(blocksize, n - start)
        if size != blocksize:
            w.uvar(5, 2)
            w.ulong(size)
            blocksize = size
        cmd, shift, coefs = plan(index)
        for chan, samples in enumerate(channels):
            block = [v >> shift for v in samples[start:start + size]]
            assert [v << shift for v in block] == samples[start:start + size], "bitshift loses bits"
            if version < 2:
                coffset = _cdiv(sum(offsets[chan]), nmean)
            else:
                coffset = _cdiv(sum(offsets[chan]) + nmean // 2, nmean)
                coffset = coffset if shift == 0 else (coffset >> (shift - 1)) >> 1
            if shift != last_shift:
                w.uvar(6, 2)
                w.uvar(shift, 2)
                last_shift = shift
            buf = history[chan] + block
            base = len(history[chan])
            if cmd == 8:
                assert not any(block)
                w.uvar(8, 2)
            else:
                if cmd == 7:
                    res = []
                    shifted = [v - coffset for v in buf]
                    for i in range(base, len(buf)):
                        acc = (1 << LPCQUANT) if version >= 2 else 0
                        acc += sum(c * shifted[i - 1 - j] for j, c in enumerate(coefs))
                        res.append(shifted[i] - (acc >> LPCQUANT))
                else:
                    fixed = {0: (), 1: (1,), 2: (2, -1), 3: (3, -3, 1)}[cmd]
                    res = [buf[i] - (coffset if cmd == 0 else
                                     sum(c * buf[i - 1 - j] for j, c in enumerate(fixed)))
                           for i in range(base, len(buf))]
                resn = max(0, (sum(abs(r) for r in res) // len(res)).bit_length() - 1)
                w.uvar(cmd, 2)
                w.uvar(resn, 3)
                if cmd == 7:
                    w.uvar(len(coefs), 2)
                    for c in coefs:
                        w.var(c, LPCQUANT)
                for r in res:
                    w.var(r, resn)
            if version < 2:
                offsets[chan] = offsets[chan][1:] + [_cdiv(sum(block), blocksize)]
            else:
                offsets[chan] = offsets[chan][1:] + [_cdiv(sum(block) + blocksize // 2, blocksize) << shift]
            history[chan] = buf[len(buf) - nwrap:]
        start += size
        index += 1
    w.uvar(4, 2)
    return b"ajkg" + bytes([version]) + w.finish()
