"""Native decoder for Tony Robinson's shorten, the lossless coding inside WSJ's `.wv1`/`.wv2` files.

LDC ships WSJ as NIST SPHERE files whose samples are shorten-compressed ("embedded-shorten"), and
sph2pipe, the usual unpacker, is not packaged by Debian; so the format is decoded here from its
public description (shorten 2.x, versions 0-2):

* stream: the magic ``ajkg`` and a version byte, then a bit stream read most significant bit first.
* ``uvar(n)``: a Rice code -- a run of 0 bits ended by a 1 (the high part), then n low bits.
  ``ulong``: ``uvar(uvar(2))`` (version 0 uses ``uvar(n)`` with a field-specific n instead).
  ``var(n)``: ``u = uvar(n + 1)``; the low bit is the sign (1: ``~(u >> 1)``, 0: ``u >> 1``).
* header: file type, channels, then (version > 0) block size, max LPC order, number of blocks for
  the running mean, and a count of verbatim bytes (each ``uvar(7)``).
* commands, ``uvar(2)`` each, channels in turn: DIFF0-3 (fixed polynomial predictors of order 0-3),
  QLPC (quantized LPC, coefficients ``var(5)``, prediction shifted down 5 bits, with a rounding
  offset of 32 from version 2), ZERO, BLOCKSIZE, BITSHIFT, QUIT. DIFFn/QLPC blocks start with the
  residual Rice parameter ``uvar(3)`` (one less in version 0).
* the running mean: the mean of the last ``nmean`` blocks predicts DIFF0 and offsets QLPC; from
  version 2 with round-to-nearest and scaled by the bit shift. C's truncating division is kept.
"""

import bisect

import numpy as np

from t2t_mm.errors import UserError

MAGIC = b"ajkg"
FN_DIFF0, FN_DIFF1, FN_DIFF2, FN_DIFF3, FN_QUIT, FN_BLOCKSIZE, FN_BITSHIFT, FN_QLPC, FN_ZERO = range(9)
FN_VERBATIM = 9  # shorten 3.x: a chunk of raw bytes, skipped
TYPE_S8, TYPE_U8, TYPE_S16HL, TYPE_U16HL, TYPE_S16LH, TYPE_U16LH = 1, 2, 3, 4, 5, 6
_TYPE_MEAN = {TYPE_S8: 0, TYPE_U8: 0x80, TYPE_S16HL: 0, TYPE_U16HL: 0x8000, TYPE_S16LH: 0, TYPE_U16LH: 0x8000}
LPCQUANT = 5
NWRAP = 3
_FIXED = (FN_DIFF0, FN_DIFF1, FN_DIFF2, FN_DIFF3)


class ShortenError(UserError):
    """A shorten stream that cannot be decoded (corrupt, truncated or an unsupported variant)."""


class _Bits:
    """MSB-first bit reader with a precomputed index of the 1 bits, so Rice codes decode fast."""

    def __init__(self, data, source):
        self.data, self.source, self.pos = bytes(data), source, 0
        self.ones = np.flatnonzero(np.unpackbits(np.frombuffer(self.data, np.uint8))).tolist()

    def _eof(self):
        raise ShortenError("%s: the shorten stream ends early (truncated or corrupt file); re-copy it "
                           "from the corpus disc or archive." % self.source)

    def read(self, n):
        if n == 0:
            return 0
        end = self.pos + n
        if end > 8 * len(self.data):
            self._eof()
        first, last = self.pos >> 3, (end + 7) >> 3
        value = int.from_bytes(self.data[first:last], "big") >> (8 * last - end)
        self.pos = end
        return value & ((1 << n) - 1)

    def uvar(self, n):
        i = bisect.bisect_left(self.ones, self.pos)
        if i == len(self.ones):
            self._eof()
        high = self.ones[i] - self.pos
        self.pos = self.ones[i] + 1
        return (high << n) | self.read(n)

    def var(self, n):
        u = self.uvar(n + 1)
        return ~(u >> 1) if u & 1 else u >> 1

    def ulong(self):
        return self.uvar(self.uvar(2))

    def vars(self, n, count):
        """``count`` consecutive ``var(n)`` values (a block's residuals), in one tight loop."""
        ones, data, pos = self.ones, self.data, self.pos
        nbits, total, out = n + 1, 8 * len(data), [0] * count
        mask, i, nones = (1 << nbits) - 1, bisect.bisect_left(ones, pos), len(ones)
        for k in range(count):
            if i >= nones:
                self._eof()
            start = ones[i] + 1
            end = start + nbits
            if end > total:
                self._eof()
            last = (end + 7) >> 3
            low = (int.from_bytes(data[start >> 3:last], "big") >> (8 * last - end)) & mask
            u = ((ones[i] - pos) << nbits) | low
            out[k] = ~(u >> 1) if u & 1 else u >> 1
            pos = end
            while i < nones and ones[i] < pos:  # each 1 bit is stepped over once: linear overall
                i += 1
        self.pos = pos
        return out


def _cdiv(a, b):
    """C integer division (truncates toward zero), as the reference coder computes means."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


def _rounded_shift_down(x, n):
    return x if n == 0 else (x >> (n - 1)) >> 1


def decode_shorten(data, source="<shorten stream>"):
    """Samples of a shorten stream: int32 array ``[num_samples, channels]``, signed (unsigned types
    are re-centred on 0), plus the shorten file type code."""
    if not bytes(data[:4]) == MAGIC or len(data) < 5:
        raise ShortenError("%s: no shorten magic 'ajkg' at the start of the sample data; the file is "
                           "not shorten-compressed or is corrupt." % source)
    version = data[4]
    if version > 3:
        raise ShortenError("%s: shorten version %d is not supported (0-3 are)." % (source, version))
    bits = _Bits(data[5:], source)
    uint = (lambda n: bits.uvar(n)) if version == 0 else (lambda n: bits.ulong())
    ftype, nchan = uint(4), uint(0)
    if ftype not in _TYPE_MEAN or not 0 < nchan <= 64:
        raise ShortenError("%s: shorten file type %d with %d channels is not supported (only 8/16-bit "
                           "PCM); convert the file with sph2pipe." % (source, ftype, nchan))
    blocksize, maxnlpc, nmean = 256, 0, 0
    if version > 0:
        blocksize, maxnlpc, nmean = uint(8), uint(2), uint(0)
        for _ in range(uint(1)):  # verbatim header bytes: not samples
            bits.uvar(7)
    else:
        nmean = 0
    nwrap = max(NWRAP, maxnlpc)
    history = [[0] * nwrap for _ in range(nchan)]
    offsets = [[_TYPE_MEAN[ftype]] * max(1, nmean) for _ in range(nchan)]
    lpcq_offset = (1 << LPCQUANT) if version > 1 else 0
    bitshift, chan, blocks, pending = 0, 0, [[] for _ in range(nchan)], 0
    while True:
        cmd = bits.uvar(2)
        if cmd == FN_QUIT:
            break
        if cmd == FN_BLOCKSIZE:
            blocksize = uint(max(1, blocksize.bit_length() - 1))
        elif cmd == FN_BITSHIFT:
            bitshift = bits.uvar(2)
        elif cmd == FN_VERBATIM:
            for _ in range(bits.uvar(5)):
                bits.uvar(8)
        elif cmd in _FIXED or cmd in (FN_QLPC, FN_ZERO):
            block = _decode_block(bits, cmd, version, blocksize, history[chan], offsets[chan], nmean,
                                  bitshift, lpcq_offset)
            blocks[chan].append(block << bitshift)
            chan = (chan + 1) % nchan
        else:
            raise ShortenError("%s: unknown shorten command %d at bit %d (corrupt stream)."
                               % (source, cmd, bits.pos))
    lengths = {sum(b.size for b in chans) for chans in blocks}
    if len(lengths) != 1:
        raise ShortenError("%s: the stream stopped in the middle of a multi-channel frame." % source)
    columns = [np.concatenate(chans) if chans else np.zeros(0, np.int64) for chans in blocks]
    samples = np.stack(columns, axis=1) - _TYPE_MEAN[ftype]
    return samples.astype(np.int32), ftype


def _decode_block(bits, cmd, version, blocksize, history, offsets, nmean, bitshift, lpcq_offset):
    """One channel's block; updates ``history`` (last samples) and ``offsets`` (block means)."""
    if cmd != FN_ZERO:
        resn = bits.uvar(3) - (1 if version == 0 else 0)
    if nmean == 0:
        coffset = offsets[0]
    elif version < 2:
        coffset = _cdiv(sum(offsets), nmean)
    else:
        coffset = _rounded_shift_down(_cdiv(sum(offsets) + nmean // 2, nmean), bitshift)
    if cmd == FN_ZERO:
        out = np.zeros(blocksize, np.int64)
    elif cmd == FN_QLPC:
        order = bits.uvar(2)
        coefs = [bits.var(LPCQUANT) for _ in range(order)]
        buf = [h - coffset for h in history[len(history) - order:]] if order else []
        for residual in bits.vars(resn, blocksize):
            acc = lpcq_offset
            for j, c in enumerate(coefs):
                acc += c * buf[-1 - j]
            buf.append(residual + (acc >> LPCQUANT))
        out = np.array(buf[order:], np.int64) + coffset
    else:
        out = _integrate(np.array(bits.vars(resn, blocksize), np.int64), cmd, history, coffset)
    if nmean > 0:
        total = int(out.sum()) + (0 if version < 2 else blocksize // 2)
        offsets.pop(0)
        offsets.append(_cdiv(total, blocksize) if version < 2 else _cdiv(total, blocksize) << bitshift)
    merged = history + out.tolist()
    history[:] = merged[len(merged) - len(history):]
    return out


def _integrate(residuals, order, history, coffset):
    """Undo the fixed polynomial predictor of ``order`` (DIFF0-3): x is the order-th running sum of
    the residuals, started from the differences of the last samples of the previous block."""
    if order == FN_DIFF0:
        return residuals + coffset
    h = history[-3:]
    starts = {1: [h[2]], 2: [h[2] - h[1], h[2]], 3: [h[2] - 2 * h[1] + h[0], h[2] - h[1], h[2]]}[order]
    values = residuals
    for start in starts:  # highest difference first, the samples last
        values = start + np.cumsum(values)
    return values
