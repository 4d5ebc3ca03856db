"""Decoder for MIT's "shortpack-v0", the older SPHERE compression (sample_byte_format shortpack-v0).

Format (public, from the SPHERE 2.x documentation of shortpack by M. Phillips, MIT/LCS/SLS): a
sequence of chunks; each chunk is one byte ``count`` (samples, 1-255), one byte ``bits``, then
``ceil(count * (bits + 1) / 16)`` 16-bit big-endian words holding, most significant bit first, for
each sample a sign bit followed by ``bits`` magnitude bits. A negative sign with magnitude 0 means
-32768. Chunks are padded to a whole word.
"""

import numpy as np

from t2t_mm.errors import UserError


def decode_shortpack(data, num_samples, source="<shortpack data>"):
    """``num_samples`` int16 samples from shortpacked bytes."""
    data = bytes(data)
    out = np.empty(num_samples, np.int32)
    pos = done = 0
    while done < num_samples:
        if pos + 2 > len(data):
            raise UserError("%s: shortpack data ends after %d of %d samples (truncated file); "
                            "re-copy it from the corpus." % (source, done, num_samples))
        count, nbits = data[pos], data[pos + 1]
        nbytes = 2 * -(-count * (nbits + 1) // 16)
        chunk = data[pos + 2:pos + 2 + nbytes]
        if len(chunk) < nbytes or nbits > 15 or count == 0:
            raise UserError("%s: corrupt or truncated shortpack chunk at byte %d (count %d, bits %d)."
                            % (source, pos, count, nbits))
        take = min(count, num_samples - done)
        out[done:done + take] = _unpack_chunk(chunk, count, nbits)[:take]
        done += take
        pos += 2 + nbytes
    return out.astype(np.int16)


def _unpack_chunk(chunk, count, nbits):
    width = nbits + 1
    bits = np.unpackbits(np.frombuffer(chunk, np.uint8))[:count * width].reshape(count, width)
    weights = (1 << np.arange(nbits - 1, -1, -1)).astype(np.int32)
    magnitude = bits[:, 1:].astype(np.int32) @ weights if nbits else np.zeros(count, np.int32)
    negative = bits[:, 0].astype(bool)
    values = np.where(negative, -magnitude, magnitude)
    return np.where(negative & (magnitude == 0), -32768, values)
