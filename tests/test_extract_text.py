"""Visible-text metrics: word count, fingerprint and simhash (extract.text)."""

from __future__ import annotations

import random
from hashlib import blake2b

import pytest

from seoaudit.extract import text as text_module
from seoaudit.extract.text import hamming, text_metrics

MASK = (1 << 64) - 1


P = text_module.P


def _fmix64(x: int) -> int:
    x ^= x >> 33
    x = x * 0xFF51AFD7ED558CCD & MASK
    x ^= x >> 33
    x = x * 0xC4CEB9FE1A85EC53 & MASK
    return x ^ x >> 33


def h(word: str) -> int:
    """H(w) of the module docstring, the slow, obvious way."""
    data = word.lower().encode("utf-8", "replace")
    value = sum((c + 1) * pow(P, j, 1 << 64) for j, c in enumerate(data))
    return _fmix64(value & MASK)


def _h_bytes(words: list[str]) -> bytes:
    return b"".join(h(w).to_bytes(8, "little") for w in words)


def _reference_simhash(words: list[str]) -> int:
    """The algorithm of the module docstring, written the slow, obvious way."""

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
    words = ["Alpha", "beta", "GAMMA", "delta", "Été"]
    hashes = _h_bytes(words)
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


@pytest.mark.parametrize(
    "text",
    [
        "plain ASCII words only",
        "ASCII with one © and a › in the footer",
        "ÉTÉ Grüße NAÏVE ΟΔΟΣ ὈΔΥΣΣΕΎΣ İstanbul ß",  # many non-ASCII: lower-cased whole
        "Mostly ASCII text with one ÉTÉ word and a no-break\u00a0space in it " * 20,
        "wide\u3000space\u2003and\u0085next line\x1cseparators\x1fand\x00controls\x07",
        "\ud800 a lone surrogate",
        "日本語のテキスト 日本語",
    ],
)
def test_words_are_str_split_of_the_lower_cased_text(text: str) -> None:
    words = text.split()
    assert text_metrics(text)[0] == len(words)
    if len(words) >= 3:
        data, starts, ends = text_module._words(text)
        got = [data[s:e].tobytes() for s, e in zip(starts, ends, strict=True)]
        assert got == [w.lower().encode("utf-8", "replace") for w in words]
        assert text_metrics(text)[1] == blake2b(_h_bytes(words), digest_size=16).hexdigest()


def test_words_longer_than_one_hashing_pass() -> None:
    # A word past TABLE bytes is summed in chunks; words after it hash as usual.
    long = "abcdefghij" * (2 * text_module.TABLE // 10 + 7)  # three chunks
    words = ["a", long, "b", *("y" * 999 for _ in range(70)), "End"]
    assert sum(len(w) + 1 for w in words) > 2 * text_module.TABLE
    data, starts, ends = text_module._words(" ".join(words))
    hashes = text_module._hashes(data, starts, ends)
    assert [int(x) for x in hashes] == [h(w) for w in words]
    assert text_metrics(" ".join(words))[2] == _reference_simhash(words)


def test_empty_text_has_no_hashes() -> None:
    assert text_metrics("") == (0, None, None)
    assert text_metrics(" \n\t ") == (0, None, None)


def test_hashes_are_stable_across_runs() -> None:
    # Pinned values: a change here changes every stored fingerprint and simhash.
    count, fingerprint, simhash = text_metrics("The quick brown fox jumps over the lazy dog")
    assert count == 9
    assert (fingerprint, simhash) == (PINNED_FINGERPRINT, PINNED_SIMHASH)


PINNED_FINGERPRINT = "3ec28845a18157dbfe48603f719c107e"
PINNED_SIMHASH = 17995454039390471085
