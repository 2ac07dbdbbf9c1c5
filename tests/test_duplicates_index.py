"""Duplicate detection internals: URL variants and the banded near-duplicate search."""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

import pytest

from seoaudit.rules.duplicates import DuplicateIndex, _near_links, variant_key, variant_pattern
from seoaudit.store import Store


@pytest.mark.parametrize(
    ("a", "b", "pattern"),
    [
        ("https://s.test/shoes", "https://s.test/shoes/", ["trailing slash"]),
        ("https://s.test/shoes", "http://s.test/shoes", ["http/https"]),
        ("https://www.s.test/shoes", "https://s.test/shoes", ["www/non-www"]),
        ("https://s.test/shoes", "https://s.test/Shoes", ["letter case"]),
        ("https://s.test/shoes/", "https://s.test/Shoes", ["trailing slash", "letter case"]),
        ("https://s.test/", "https://s.test/index.html", ["index file"]),
        ("https://s.test/p", "https://s.test/p?utm_source=x", ["parameters (utm_source)"]),
    ],
)
def test_variants(a: str, b: str, pattern: list[str]) -> None:
    assert variant_key(a) == variant_key(b)
    assert variant_pattern(a, b) == pattern


def test_different_pages_have_different_keys() -> None:
    assert variant_key("https://s.test/a") != variant_key("https://s.test/b")
    assert variant_key("https://s.test/a") != variant_key("https://other.test/a")


def _components(pairs: list[tuple[int, int]], n: int) -> set[frozenset[int]]:
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i

    for a, b in pairs:
        parent[find(a)] = find(b)
    groups: dict[int, set[int]] = {}
    for i in range(n):
        groups.setdefault(find(i), set()).add(i)
    return {frozenset(g) for g in groups.values() if len(g) > 1}


@pytest.mark.parametrize("bits", [0, 1, 3, 6])
def test_banded_search_finds_what_brute_force_finds(bits: int) -> None:
    rng = random.Random(bits)
    hashes = [rng.getrandbits(64) for _ in range(300)]
    for i in range(60):  # plant neighbours at 0..bits+1 bits
        flipped = hashes[i]
        for bit in rng.sample(range(64), rng.randint(0, bits + 1)):
            flipped ^= 1 << bit
        hashes.append(flipped)
    n = len(hashes)
    brute = [
        (i, j)
        for i in range(n)
        for j in range(i + 1, n)
        if (hashes[i] ^ hashes[j]).bit_count() <= bits
    ]
    found = list(_near_links(hashes, bits, DuplicateIndex()))
    assert _components(found, n) == _components(brute, n)


def test_a_bucket_of_identical_pages_links_linearly() -> None:
    hashes = [0xFFFF] * 2000  # 2,000 pages with one simhash: 1,999 links, not 2 million
    links = list(_near_links(hashes, 3, DuplicateIndex()))
    assert len(links) <= 4 * 1999
    assert _components(links, len(hashes)) == {frozenset(range(2000))}


def test_run_file_without_sitemap_hreflang_table(tmp_path: Path) -> None:
    path = tmp_path / "run.sqlite"
    Store(path, create=True).close()
    db = sqlite3.connect(path)
    db.execute("DROP TABLE sitemap_hreflang")  # as written before the table existed
    db.commit()
    db.close()
    assert list(Store(path).sitemap_hreflang_rows()) == []
