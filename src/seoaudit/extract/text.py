"""Visible-text metrics: word count, an exact fingerprint and a simhash.

Owns: turning a page's visible text into ``word_count``, ``fingerprint`` (exact duplicates)
and ``simhash`` (near duplicates). Must not: parse HTML; the extractor hands over the text.

Words are the whitespace-separated tokens of the text (so scripts without spaces between
words, such as Chinese or Japanese, count as few "words": a known limitation, shared by most
crawlers' word counts). Both hashes ignore case: words are lower-cased before hashing.

Simhash (Charikar, "Similarity estimation techniques from rounding algorithms", 2002), as
used for near-duplicate web pages by Manku, Jain and Das Sarma (WWW 2007):

1. Features are the word 3-shingles of the lower-cased text (the whole text when it has
   fewer than three words).
2. Each word gets a stable 64-bit hash H(w): BLAKE2b-64 of the lower-cased UTF-8 word,
   read little-endian. A shingle's hash is H(w1) xor rotl(H(w2), 24) xor rotl(H(w3), 48):
   the rotations make word order matter, and distinct shingles get pairwise-independent
   uniform hashes.
3. Bit i of the simhash is 1 when more than half of the shingle hashes have bit i set
   (every shingle weighs 1).

Pages whose simhashes differ in at most 3 of 64 bits (``popcount(a ^ b) <= 3``) are near
duplicates in Manku et al.'s evaluation. All per-shingle work runs in numpy (see ``simhash``),
so a page of a few thousand words costs well under a millisecond.
"""

from __future__ import annotations

from hashlib import blake2b

import numpy as np

# Word hashes repeat across the pages of a site (navigation, footers), so they are cached
# per process as 8 little-endian bytes, keyed by the word as written (the hash is of the
# lower-cased word); the cache is dropped whole past this many words.
_CACHE_LIMIT = 200_000
_hashes: dict[str, bytes] = {}
_24, _40, _48, _16 = (np.uint64(n) for n in (24, 40, 48, 16))  # rotation shifts
_BLOCK = 255  # rows added in uint8 counters before they could overflow


def _hash(word: str) -> bytes:
    return blake2b(word.lower().encode("utf-8", "replace"), digest_size=8).digest()


def _word_hashes(words: list[str]) -> bytes:
    """H(w) of every word, concatenated (8 bytes each)."""
    try:  # one C pass when every word is cached, the common case
        return b"".join(map(_hashes.__getitem__, words))
    except KeyError:
        pass
    if len(_hashes) + len(words) > _CACHE_LIMIT:
        _hashes.clear()
    for word in words:
        if word not in _hashes:
            _hashes[word] = _hash(word)
    return b"".join(map(_hashes.__getitem__, words))


def simhash(hashes: bytes) -> int | None:
    """64-bit simhash from concatenated word hashes (see the module docstring).

    All per-shingle work runs in numpy: the shingle hashes are three shifted views of the
    word hashes xor-ed together; their 64 bits are unpacked into one byte each, so a row of
    64 bytes is eight uint64 "lanes" of eight byte-wide counters, and adding rows counts
    every bit position at once. A byte counter holds 255, so rows are added in blocks of
    255 (``reduceat``) and the blocks' counters summed wide. Bit i of the result is set
    when more than half of the shingles have it set.
    """
    words = len(hashes) // 8
    if words < 3:  # no shingle
        return None
    word = np.frombuffer(hashes, dtype="<u8", count=words)
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
    duplicates, case-insensitive) is BLAKE2b-128 over the word hashes, which the simhash
    needs anyway: cheaper than hashing the text again, and as exact in practice."""
    words = text.split()
    if not words:
        return 0, None, None
    # Fewer than three words make one shingle of the whole text (two empty words added).
    features = words if len(words) >= 3 else [" ".join(words), "", ""]
    hashes = _word_hashes(features)
    return len(words), blake2b(hashes, digest_size=16).hexdigest(), simhash(hashes)


def hamming(a: int, b: int) -> int:
    """Number of differing bits between two simhashes."""
    return (a ^ b).bit_count()
