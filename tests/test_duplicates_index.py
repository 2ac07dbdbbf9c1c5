"""Duplicate detection internals: URL variants and the banded near-duplicate search."""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from seoaudit import baseline
from seoaudit.rules.duplicates import DuplicateIndex, _near_links, variant_key, variant_pattern
from seoaudit.store import Store
from tests.sites import ORIGIN, crawl


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


# -- the name of a duplicate group: stable while the group is -------------------------------

TEXT = (
    "Specifications: inner tent height one hundred and five centimetres, floor area two "
    "point nine square metres, hydrostatic head of three thousand millimetres on the fly and "
    "five thousand on the floor. The set includes twelve stakes, four guy lines, a repair "
    "sleeve and a stuff sack with compression straps. Care: dry the tent fully before storing "
    "it, keep it away from fuel and flames, and wash it by hand with mild soap. Our alpine "
    "tent keeps two hikers dry through summer storms and early snow. The frame uses "
    "aluminium poles with colour coded clips so pitching takes five minutes even in wind. "
    "Two doors and two vestibules give each person room for boots and a pack. The fly is "
    "silicone coated nylon with taped seams and the floor is a tough ripstop that shrugs off "
    "gravel. Mesh panels vent condensation on humid nights while the inner stays warm when "
    "the fly is closed. Packed weight is just under two kilos and the bag compresses small "
    "enough for a daypack. We tested it for three seasons in the Rockies and it never leaked "
    "once, not even in hail."
) * 2  # not thin: three thin pages with one text would be a catch-all soft 404


def _site(texts: dict[str, str]) -> dict[str, dict[str, Any]]:
    links = " ".join(f'<a href="{path}">{path}</a>' for path in texts)
    pages: dict[str, dict[str, Any]] = {"/": {"body": f"<p>Shop</p>{links}"}}
    for path, text in texts.items():
        pages[path] = {"body": f'<link rel="canonical" href="{ORIGIN}{path}"><p>{text}</p>'}
    return pages


def _prints(texts: dict[str, str], rule: str, tmp_path: Path) -> dict[str, str]:
    """Path -> baseline fingerprint of the ``rule`` finding there."""
    result = crawl(_site(texts), tmp_path)
    base = baseline.base_origin(result.report.run)
    return {
        f.url.removeprefix(ORIGIN): baseline.fingerprint(f, base)
        for f in result.report.findings
        if f.rule == rule
    }


def test_a_page_joining_or_leaving_an_exact_duplicate_group_does_not_rename_it(
    tmp_path: Path,
) -> None:
    """The cause named the group's first URL: a new duplicate that sorted first (or the
    first one fixed) changed every other finding's cause, so its baseline fingerprint,
    and the whole group came back as new."""
    before = _prints({"/m/b": TEXT, "/m/c": TEXT}, "DUP001", tmp_path / "1")
    joined = _prints({"/m/a": TEXT, "/m/b": TEXT, "/m/c": TEXT}, "DUP001", tmp_path / "2")
    assert set(joined) == {"/m/a", "/m/b", "/m/c"}
    assert {p: joined[p] for p in before} == before
    left = _prints({"/m/a": "Our own words.", "/m/b": TEXT, "/m/c": TEXT}, "DUP001", tmp_path / "3")
    assert left == before


def test_a_page_joining_a_near_duplicate_group_does_not_rename_it(tmp_path: Path) -> None:
    colours = ["green", "orange", "blue", "grey", "sand", "olive"]
    texts = {f"/n/{c}": f"{TEXT} Available in {c}." for c in colours}
    before = _prints(texts, "DUP002", tmp_path / "1")
    assert set(before) == set(texts)
    joined = _prints({"/n/amber": f"{TEXT} Available in amber.", **texts}, "DUP002", tmp_path / "2")
    assert set(joined) == {"/n/amber", *texts}
    assert {p: joined[p] for p in before} == before
