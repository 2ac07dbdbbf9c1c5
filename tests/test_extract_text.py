"""Visible-text metrics: word count, fingerprint and simhash (extract.text)."""

from __future__ import annotations

import random
from hashlib import blake2b

import pytest

from seoaudit.extract import text as text_module
from seoaudit.extract.text import hamming, text_metrics

MASK = (1 << 64) - 1


def _reference_simhash(words: list[str]) -> int:
    """The algorithm of the module docstring, written the slow, obvious way."""

    def h(word: str) -> int:
        return int.from_bytes(blake2b(word.lower().encode(), digest_size=8).digest(), "little")

    def rotl(value: int, bits: int) -> int:
        return ((value << bits) | (value >> (64 - bits))) & MASK

    if len(words) < 3:
        words = [" ".join(words), "", ""]
    hashes = [
        h(a) ^ rotl(h(b), 24) ^ rotl(h(c), 48)
        for a, b, c in zip(words, words[1:], words[2:], strict=False)
    ]
    return sum(
        1 << bit for bit in range(64) if 2 * sum((x >> bit) & 1 for x in hashes) > len(hashes)
    )


def _words(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    vocabulary = [f"w{i}" for i in range(400)] + ["Grüße", "日本語", "naïve", "ÉTÉ"]
    return [rng.choice(vocabulary) for _ in range(count)]


@pytest.mark.parametrize(
    ("count", "seed"),
    [(1, 1), (2, 2), (3, 3), (4, 4), (50, 5), (257, 7), (258, 8), (512, 9), (3000, 6)],
)
def test_simhash_matches_the_reference_algorithm(count: int, seed: int) -> None:
    words = _words(count, seed)
    assert text_metrics(" ".join(words))[2] == _reference_simhash(words)


def test_fingerprint_is_blake2b_of_the_word_hashes() -> None:
    words = ["Alpha", "beta", "GAMMA", "delta"]
    hashes = b"".join(blake2b(w.lower().encode(), digest_size=8).digest() for w in words)
    expected = blake2b(hashes, digest_size=16).hexdigest()
    assert text_metrics(" ".join(words))[1] == expected


def test_near_duplicates_are_close_and_different_texts_are_far() -> None:
    page = _words(800, 7)
    edited = [*page[:400], "changed", *page[401:]]
    other = _words(800, 8)
    simhash = text_metrics(" ".join(page))[2]
    assert simhash is not None
    assert hamming(simhash, text_metrics(" ".join(edited))[2] or 0) <= 3
    assert hamming(simhash, text_metrics(" ".join(other))[2] or 0) > 10


def test_fingerprint_ignores_case_and_whitespace_only() -> None:
    count, fingerprint, _ = text_metrics("Hello   World\n\tagain")
    assert count == 3
    assert fingerprint is not None and len(fingerprint) == 32
    assert text_metrics("hello world AGAIN")[1] == fingerprint
    assert text_metrics("hello world again!")[1] != fingerprint
    assert text_metrics("world hello again")[1] != fingerprint


def test_word_cache_overflow_gives_the_same_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    words = " ".join(_words(500, 9))
    expected = text_metrics(words)
    monkeypatch.setattr(text_module, "_CACHE_LIMIT", 10)
    monkeypatch.setattr(text_module, "_hashes", {})
    assert text_metrics(words) == expected
    assert text_metrics(words) == expected


def test_empty_text_has_no_hashes() -> None:
    assert text_metrics("") == (0, None, None)
    assert text_metrics(" \n\t ") == (0, None, None)


def test_hashes_are_stable_across_runs() -> None:
    # Pinned values: a change here changes every stored fingerprint and simhash.
    count, fingerprint, simhash = text_metrics("The quick brown fox jumps over the lazy dog")
    assert count == 9
    assert (fingerprint, simhash) == (PINNED_FINGERPRINT, PINNED_SIMHASH)


PINNED_FINGERPRINT = "0020d7c4025e369071c7aa53e415a9a4"
PINNED_SIMHASH = 762189776327219863
