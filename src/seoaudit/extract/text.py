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
duplicates in Manku et al.'s evaluation. All per-shingle work runs in C (see ``simhash``),
so a page of a few thousand words costs well under a millisecond.
"""

from __future__ import annotations

from hashlib import blake2b
from itertools import compress, repeat
from operator import is_

# Word hashes repeat across the pages of a site (navigation, footers), so they are cached
# per process as 8 little-endian bytes, keyed by the word as written (the hash is of the
# lower-cased word); the cache is dropped whole past this many words.
_CACHE_LIMIT = 200_000
_hashes: dict[str, bytes] = {}


def _hash(word: str) -> bytes:
    return blake2b(word.lower().encode("utf-8", "replace"), digest_size=8).digest()


def _word_hashes(words: list[str]) -> bytes:
    """H(w) of every word, concatenated (8 bytes each)."""
    hashes = list(map(_hashes.get, words))  # one C pass; most words are cached
    if None in hashes:
        if len(_hashes) + len(words) > _CACHE_LIMIT:
            _hashes.clear()
        for i in compress(range(len(words)), map(is_, hashes, repeat(None))):
            word = words[i]
            found = _hashes.get(word)  # filled here already when the word repeats
            if found is None:
                found = _hashes[word] = _hash(word)
            hashes[i] = found
    return b"".join(hashes)  # type: ignore[arg-type]  # no None is left


def simhash(hashes: bytes) -> int | None:
    """64-bit simhash from concatenated word hashes (see the module docstring).

    All per-word work runs in C. The hashes are cut into 8 columns (column k holds byte k of
    every hash, as one big integer with a byte per word). Rotating a hash by 24 bits moves
    its byte k to k + 3, and taking the next word shifts a column by one byte, so column k
    of the shingle hashes is ``col[k] ^ col[k - 3] >> 8 ^ col[k - 6] >> 16``; bit j of the
    simhash byte k is then set when more than half of that column's bytes have bit j set
    (one AND and one popcount).
    """
    words = len(hashes) // 8
    if words < 3:  # no shingle
        return None
    columns = [int.from_bytes(hashes[byte::8], "little") for byte in range(8)]
    count = words - 2  # shingles
    masks = [int.from_bytes(bytes((1 << bit,)) * count, "little") for bit in range(8)]
    result = 0
    for byte in range(8):
        shingles = columns[byte] ^ columns[(byte - 3) % 8] >> 8 ^ columns[(byte - 6) % 8] >> 16
        for bit, mask in enumerate(masks):
            if 2 * (shingles & mask).bit_count() > count:
                result |= 1 << (byte * 8 + bit)
    return result


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
