"""Visible-text metrics: word count, an exact fingerprint and a simhash.

Owns: turning a page's visible text into ``word_count``, ``fingerprint`` (exact duplicates)
and ``simhash`` (near duplicates). Must not: parse HTML; the extractor hands over the text.

Words are the whitespace-separated tokens of the text, as ``str.split()`` makes them (so
scripts without spaces between words, such as Chinese or Japanese, count as few "words": a
known limitation, shared by most crawlers' word counts). Both hashes ignore case: the text
is lower-cased before hashing.

Simhash (Charikar, "Similarity estimation techniques from rounding algorithms", 2002), as
used for near-duplicate web pages by Manku, Jain and Das Sarma (WWW 2007):

1. Features are the word 3-shingles of the lower-cased text (the whole text when it has
   fewer than three words).
2. Each word gets a 64-bit hash H(w) of its UTF-8 bytes c_0 .. c_{n-1}: the polynomial
   sum of (c_j + 1) * P**j modulo 2**64, passed through MurmurHash3's 64-bit finalizer
   (``fmix64``), which spreads every input bit over every output bit. A shingle's hash is
   H(w1) xor rotl(H(w2), 24) xor rotl(H(w3), 48): the rotations make word order matter.
3. Bit i of the simhash is 1 when more than half of the shingle hashes have bit i set
   (every shingle weighs 1).

Pages whose simhashes differ in at most 3 of 64 bits (``popcount(a ^ b) <= 3``) are near
duplicates in Manku et al.'s evaluation.

Why this word hash: it is computed for all the words of a page at once in numpy (prefix
sums of the weighted bytes, differenced at the word boundaries), with no Python work per
word. On a page of 5,500 words the metrics cost about a third of hashing each word with
BLAKE2b behind a cache (~620 -> ~320 us, then ~650 -> ~440 us on a slower day for the
two-pass sums of ``_hashes``), whose cost was Python's per-word overhead (splitting,
lookups). It is not a cryptographic hash and need not be: a forged collision only makes
two pages of one's own site look alike.
"""

from __future__ import annotations

import re
from hashlib import blake2b

import numpy as np
import numpy.typing as npt

U64 = npt.NDArray[np.uint64]
MASK = (1 << 64) - 1
P = 0x100000001B3 * 0x9E3779B97F4A7C15 & MASK | 1  # odd, so invertible modulo 2**64
P_INVERSE = pow(P, -1, 1 << 64)
FMIX = (0xFF51AFD7ED558CCD, 0xC4CEB9FE1A85EC53)  # MurmurHash3 fmix64 multipliers
TABLE = 1 << 16  # bytes of text hashed per numpy pass (powers of P kept for that many)

_24, _40, _48, _16, _33 = (np.uint64(n) for n in (24, 40, 48, 16, 33))
_FMIX = tuple(np.uint64(m) for m in FMIX)
_BLOCK = 255  # rows added in uint8 counters before they could overflow
# ASCII whitespace as str.split() sees it; the non-ASCII whitespace it also splits on is
# turned into spaces first (UTF-8 never uses bytes below 0x80 inside a character).
_SPACE = np.zeros(256, dtype=bool)
_SPACE[[9, 10, 11, 12, 13, 28, 29, 30, 31, 32]] = True
_WIDE_SPACE = re.compile("[\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]")
# Their UTF-8 forms' leading bytes: a text without any of these has no wide space.
_WIDE_SPACE_UTF8 = (
    b"\xc2\x85",
    b"\xc2\xa0",
    b"\xe1\x9a\x80",
    b"\xe2\x80",
    b"\xe2\x81\x9f",
    b"\xe3\x80\x80",
)


def _powers(count: int, base: int) -> U64:
    """base**0 .. base**(count - 1) modulo 2**64."""
    powers = np.full(count, base, dtype=np.uint64)
    powers[0] = 1
    return np.cumprod(powers, out=powers)


_POWERS = _powers(TABLE, P)
_INVERSES = _powers(TABLE, P_INVERSE)
_POWER_SUMS = np.zeros(TABLE + 1, dtype=np.uint64)  # P**0 + ... + P**(k - 1) at k
np.cumsum(_POWERS, out=_POWER_SUMS[1:])
_STEP = pow(P, TABLE, 1 << 64)


def _fmix(x: U64) -> U64:
    x ^= x >> _33
    x *= _FMIX[0]
    x ^= x >> _33
    x *= _FMIX[1]
    x ^= x >> _33
    return x


def _boundaries(data: npt.NDArray[np.uint8]) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """Start and end offsets of the runs of bytes that are not ASCII whitespace."""
    space = data <= 32  # whitespace, unless the text has other control characters
    if ((data < 9) | ((data > 13) & (data < 28))).any():
        space = _SPACE.take(data)
    inside = np.zeros(len(data) + 2, dtype=bool)
    np.logical_not(space, out=inside[1:-1])
    edges = np.flatnonzero(inside[1:] != inside[:-1])  # alternately a start and an end
    return edges[0::2], edges[1::2]


def _words(text: str) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """The words of ``text`` as ``str.split()`` makes them, each lower-cased with
    ``str.lower()``: their UTF-8 bytes (separated by whitespace) and the start and end
    offsets of each word in them.

    Lower-casing a whole text costs ~5 us per KB once it holds one non-ASCII character
    (a © in the footer), so a text that is mostly ASCII is lower-cased as bytes (ASCII
    letters only), and only its tokens with non-ASCII bytes are decoded, split on Unicode
    whitespace and lower-cased as text. A text with many non-ASCII characters is
    lower-cased whole (the same result: lower-casing never looks across whitespace)."""
    raw = text.encode("utf-8", "replace")
    if len(raw) - len(text) > len(text) // 16:  # many non-ASCII characters
        whole = text.lower()
        if any(mark in raw for mark in _WIDE_SPACE_UTF8):
            whole = _WIDE_SPACE.sub(" ", whole)
        data = np.frombuffer(whole.encode("utf-8", "replace"), dtype=np.uint8)
        return (data, *_boundaries(data))
    low = raw.lower()  # ASCII letters only
    data = np.frombuffer(low, dtype=np.uint8)
    starts, ends = _boundaries(data)
    if raw.isascii():
        return data, starts, ends
    marked = np.zeros(len(starts), dtype=bool)
    marked[np.searchsorted(starts, np.flatnonzero(data >= 0x80), side="right") - 1] = True
    tokens = np.flatnonzero(marked)
    pieces: list[bytes] = []
    done, changed = 0, False
    for token in tokens.tolist():
        start, end = int(starts[token]), int(ends[token])
        written = low[start:end]
        words = written.decode("utf-8").split()
        fixed = b" ".join(word.lower().encode("utf-8", "replace") for word in words)
        if fixed != written:
            pieces += (low[done:start], fixed)
            done, changed = end, True
    if not changed:
        return data, starts, ends
    pieces.append(low[done:])
    data = np.frombuffer(b"".join(pieces), dtype=np.uint8)
    return (data, *_boundaries(data))


def _hashes(
    data: npt.NDArray[np.uint8], starts: npt.NDArray[np.intp], ends: npt.NDArray[np.intp]
) -> U64:
    """H(w) of every word, in numpy: per span of at most TABLE bytes that ends at a word's
    end, c_j * P**j is summed cumulatively and differenced at the word boundaries, the
    words' sums of P**j (the "+ 1" of each byte, from a table) are added, and each is
    shifted back to its word's start by P**-start. Two passes over the span (a multiply
    into a 64-bit array, a cumulative sum in place) where there were five: ~300 -> ~150 us
    for a generated page's ~5,300 words. A word longer than TABLE bytes is summed TABLE
    bytes at a time (memory stays bounded whatever the word's length)."""
    out = np.empty(len(starts), dtype=np.uint64)
    first = 0
    while first < len(starts):  # each pass takes at least one word
        origin = int(starts[first])
        last = int(np.searchsorted(ends, origin + TABLE, side="right"))
        if last <= first:  # one word longer than TABLE
            out[first] = _long_word(data[origin : int(ends[first])])
            first += 1
            continue
        span = int(ends[last - 1]) - origin
        sums = np.empty(span + 1, dtype=np.uint64)
        sums[0] = 0
        np.multiply(data[origin : origin + span], _POWERS[:span], out=sums[1:])
        np.cumsum(sums, out=sums)
        left, right = starts[first:last] - origin, ends[first:last] - origin
        total = sums[right] - sums[left]
        total += _POWER_SUMS[right] - _POWER_SUMS[left]
        total *= _INVERSES[left]
        out[first:last] = total
        first = last
    return _fmix(out)


def _long_word(data: npt.NDArray[np.uint8]) -> int:
    """The polynomial of one word of more than TABLE bytes, a TABLE-byte chunk at a time:
    chunk k adds its own polynomial (as in ``_hashes``) times P**(k * TABLE)."""
    value, scale = 0, 1
    for offset in range(0, len(data), TABLE):  # bounded: len(data) / TABLE passes
        chunk = data[offset : offset + TABLE]
        weighted = np.multiply(chunk, _POWERS[: len(chunk)], dtype=np.uint64)
        polynomial = int(weighted.sum(dtype=np.uint64)) + int(_POWER_SUMS[len(chunk)])
        value = (value + polynomial * scale) & MASK
        scale = scale * _STEP & MASK
    return value


def simhash(hashes: U64) -> int | None:
    """64-bit simhash from the word hashes of a text, in order (see the module docstring).

    All per-shingle work runs in numpy: the shingle hashes are three shifted views of the
    word hashes xor-ed together; their 64 bits are unpacked into one byte each, so a row of
    64 bytes is eight uint64 "lanes" of eight byte-wide counters, and adding rows counts
    every bit position at once. A byte counter holds 255, so rows are added in blocks of
    255 (``reduceat``) and the blocks' counters summed wide. Bit i of the result is set
    when more than half of the shingles have it set.
    """
    words = len(hashes)
    if words < 3:  # no shingle
        return None
    word = hashes.astype("<u8", copy=False)
    second, third = word[1:-1], word[2:]
    shingles = word[:-2] ^ (second << _24 | second >> _40) ^ (third << _48 | third >> _16)
    count = words - 2
    lanes = np.unpackbits(shingles.view(np.uint8), bitorder="little").view(np.uint64)
    blocks = np.add.reduceat(lanes.reshape(count, 8), np.arange(0, count, _BLOCK), axis=0)
    ones = blocks.view(np.uint8).reshape(-1, 64).sum(axis=0, dtype=np.int64)
    majority = np.packbits(2 * ones > count, bitorder="little")
    return int.from_bytes(majority.tobytes(), "little")


def text_metrics(text: str) -> tuple[int, str | None, int | None]:
    """(word_count, fingerprint, simhash) of visible text. The fingerprint (exact
    duplicates, case-insensitive) is BLAKE2b-128 over the word hashes (8 bytes each,
    little-endian), which the simhash needs anyway: cheaper than hashing the text again,
    and as exact in practice."""
    data, starts, ends = _words(text)
    count = len(starts)
    if not count:
        return 0, None, None
    if count >= 3:
        hashes = _hashes(data, starts, ends)
    else:  # one shingle: the words joined by single spaces, and two empty words
        joined = b" ".join(data[s:e].tobytes() for s, e in zip(starts, ends, strict=True))
        whole = np.frombuffer(joined, dtype=np.uint8)
        one = _hashes(whole, np.array([0]), np.array([len(whole)]))
        hashes = np.concatenate([one, np.zeros(2, dtype=np.uint64)])  # H("") = fmix64(0)
    fingerprint = blake2b(hashes.astype("<u8", copy=False).tobytes(), digest_size=16)
    return count, fingerprint.hexdigest(), simhash(hashes)


def hamming(a: int, b: int) -> int:
    """Number of differing bits between two simhashes."""
    return (a ^ b).bit_count()
