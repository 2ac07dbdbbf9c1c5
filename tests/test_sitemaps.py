"""Sitemap parsing: formats, protocol violations, and hostile input (entities, bombs, junk)."""

from __future__ import annotations

import gzip
import os
import random
import subprocess
import sys
import time
import tracemalloc
import zlib
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from seoaudit.crawl.sitemaps import (
    MAX_ERRORS_PER_KIND,
    MAX_SITEMAP_BYTES,
    MAX_SITEMAP_URLS,
    ParsedSitemap,
    SitemapEntry,
    SitemapParser,
    parse_lastmod,
    parse_sitemap,
)

DATA = Path(__file__).parent / "data" / "sitemaps"
SITEMAP = "https://www.example.com/sitemap.xml"
NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
HEAD = f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="{NS}">\n'.encode()
PASSWD = Path("/etc/passwd")


def parse_file(name: str, **caps: int) -> ParsedSitemap:
    return parse_sitemap(SITEMAP, (DATA / name).read_bytes(), **caps)


def kinds(result: ParsedSitemap) -> list[str]:
    return [error.kind for error in result.errors]


def feed_in_chunks(data: bytes, size: int, **caps: int) -> ParsedSitemap:
    parser = SitemapParser(SITEMAP, **caps)
    for start in range(0, len(data), size):
        parser.feed(data[start : start + size])
    return parser.close()


def urlset(count: int) -> bytes:
    body = b"".join(
        b"<url><loc>https://www.example.com/p/%d</loc></url>\n" % i for i in range(count)
    )
    return HEAD + body + b"</urlset>\n"


def assert_no_secret(result: ParsedSitemap) -> None:
    """Nothing of /etc/passwd reached the result."""
    text = repr(result)
    assert "root:" not in text
    if PASSWD.exists():
        for line in PASSWD.read_text(errors="replace").splitlines()[:5]:
            assert line not in text


# fixture, kind, error kinds in order, number of entries
SUMMARIES = [
    ("urlset.xml", "urlset", [], 3),
    ("index.xml", "sitemapindex", [], 2),
    ("urls.txt", "text", ["relative-url"], 4),
    ("bom.xml", "urlset", [], 1),
    ("bom.txt", "text", [], 2),
    ("leading_whitespace.xml", "urlset", ["xml-syntax"], 1),
    ("members.xml.gz", "urlset", [], 3),
    ("broken_halfway.xml", "urlset", ["xml-syntax"], 3),
    ("wrong_namespace.xml", "urlset", ["wrong-namespace"], 2),
    ("no_namespace.xml", "urlset", ["wrong-namespace"], 1),
    ("bad_lastmod.xml", "urlset", ["bad-lastmod"] * 5, 6),
    ("undeclared_prefix.xml", "urlset", ["undeclared-prefix"], 1),
    ("empty_urlset.xml", "urlset", ["empty"], 0),
    ("not_a_sitemap.html", "unknown", ["not-a-sitemap"], 0),
    ("feed.rss", "feed", ["missing-loc", "bad-lastmod"], 4),
    ("feed.atom", "feed", ["bad-lastmod", "missing-loc"], 3),
    ("feed_rdf.rss", "unknown", ["unsupported-format"], 0),
    ("feed_atom03.xml", "unknown", ["unsupported-format"], 0),
    ("billion_laughs.xml", "unknown", ["entities-forbidden"], 0),
    ("xxe_entity.xml", "unknown", ["entities-forbidden"], 0),
    ("xxe_entity_utf16.xml", "urlset", ["entities-forbidden"], 0),
    ("xxe_external_dtd.xml", "urlset", ["entities-forbidden"], 0),
    ("truncated.xml.gz", "urlset", ["gzip-error"], 1309),
]


@pytest.mark.parametrize(("name", "kind", "errors", "count"), SUMMARIES)
def test_fixture_summary(name: str, kind: str, errors: list[str], count: int) -> None:
    result = parse_file(name)
    assert (result.kind, kinds(result), len(result.entries)) == (kind, errors, count)
    assert result.gzipped == name.endswith(".gz")
    assert result.url == SITEMAP


SMALL = [name for name, *_ in SUMMARIES if (DATA / name).stat().st_size < 8192]


@pytest.mark.parametrize("size", [1, 2, 7, 1000])
@pytest.mark.parametrize("name", SMALL)
def test_chunking_does_not_change_the_result(name: str, size: int) -> None:
    # Boundaries may split the gzip magic, the BOM, "<!ENTITY", a tag or a UTF-8 sequence.
    whole, chunked = parse_file(name), feed_in_chunks((DATA / name).read_bytes(), size)
    if kinds(whole) in (["entities-forbidden"], ["not-a-sitemap"], ["unsupported-format"]):
        # A refused file stops reading at once: how much was read depends on the chunks.
        assert chunked.size <= whole.size
        chunked.size = whole.size
    assert chunked == whole


def test_urlset_entries() -> None:
    result = parse_file("urlset.xml")
    assert result.entries == [
        SitemapEntry("https://www.example.com/", "https://www.example.com/", "2024-05-01", 6),
        SitemapEntry(
            "https://www.example.com/en/page",
            "https://www.example.com/en/page",
            "2024-05-01T10:20:30+02:00",
            12,
            [("en", "https://www.example.com/en/page"), ("de", "https://www.example.com/de/seite")],
        ),
        # image:loc sits deeper than <loc> and is not the entry's URL.
        SitemapEntry(
            "https://www.example.com/gallery?b=2&a=1",
            "https://www.example.com/gallery?b=2&a=1",
            None,
            19,
        ),
    ]
    assert (result.namespace, result.encoding, result.size) == (NS, "utf-8", 961)
    assert (result.changefreq_count, result.priority_count) == (1, 1)
    assert not result.truncated
    assert result.urls == [e.url for e in result.entries]


def test_rss_and_atom_feeds_are_read_as_google_reads_them() -> None:
    # RSS: an item's <link> and <pubDate> (RFC 822, kept as ISO 8601 for parse_lastmod)
    rss = parse_file("feed.rss")
    assert [(e.loc, e.url, e.lastmod) for e in rss.entries] == [
        (
            "https://www.example.com/post",
            "https://www.example.com/post",
            "2026-11-02T10:00:00+01:00",
        ),
        ("https://www.example.com/undated", "https://www.example.com/undated", None),
        ("", None, "2026-11-01T09:00:00+00:00"),
        ("https://www.example.com/odd-date", "https://www.example.com/odd-date", "2 November"),
    ]
    assert [e.message for e in rss.errors][1] == (
        "lastmod '2 November' is not an RFC 822 date (RSS <pubDate>)"
    )
    assert rss.namespace is None and rss.media == parse_sitemap(SITEMAP, HEAD).media
    # Atom: the entry's alternate link (rel absent or "alternate"), not an enclosure
    atom = parse_file("feed.atom")
    assert [(e.url, e.lastmod) for e in atom.entries] == [
        ("https://www.example.com/blog/first", "2026-11-02T10:00:00+01:00"),
        ("https://www.example.com/blog/second", "yesterday"),
        (None, None),
    ]
    assert "is not an RFC 3339 date-time (Atom <updated>)" in atom.errors[0].message
    assert "RSS 1.0" in parse_file("feed_rdf.rss").errors[0].message
    assert "not Atom 1.0" in parse_file("feed_atom03.xml").errors[0].message


def test_a_big_rss_feed_is_read_whole_and_capped_like_a_sitemap() -> None:
    head = b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
    items = b"".join(
        b"<item><title>%d</title><link>https://www.example.com/p/%d</link></item>" % (i, i)
        for i in range(MAX_SITEMAP_URLS + 5)
    )
    result = feed_in_chunks(head + items + b"</channel></rss>", 65_536)
    assert result.kind == "feed" and len(result.entries) == MAX_SITEMAP_URLS + 5
    assert result.entries[-1].url == f"https://www.example.com/p/{MAX_SITEMAP_URLS + 4}"
    assert kinds(result) == ["too-many-urls"]


def test_an_oversized_rss_item_keeps_what_it_said() -> None:
    junk = b"<j/>" * 30_000
    item = b"<item><link>https://www.example.com/x</link>" + junk + b"</item>"
    data = b"<rss><channel>" + item + b"<item><link>https://www.example.com/y</link></item>"
    result = feed_in_chunks(data + b"</channel></rss>", 4096)
    assert [e.url for e in result.entries] == [
        "https://www.example.com/x",
        "https://www.example.com/y",
    ]


def test_sitemap_index_lists_child_sitemaps() -> None:
    result = parse_file("index.xml")
    assert result.kind == "sitemapindex"
    assert [(e.url, e.lastmod) for e in result.entries] == [
        ("https://www.example.com/sitemap-pages.xml", "2024-05-01T10:20:30Z"),
        ("https://www.example.com/sitemap-posts.xml.gz", None),
    ]


def test_text_sitemap_lines() -> None:
    result = parse_file("urls.txt")
    assert [(e.loc, e.url, e.line) for e in result.entries] == [
        ("https://www.example.com/", "https://www.example.com/", 1),
        ("https://www.example.com/a b", "https://www.example.com/a%20b", 3),
        ("/relative/path", None, 4),
        ("https://www.example.com/last", "https://www.example.com/last", 5),
    ]
    assert result.errors[0].line == 4


@pytest.mark.parametrize("name", ["bom.xml", "bom.txt"])
def test_utf8_bom_is_skipped(name: str) -> None:
    result = parse_file(name)
    assert result.entries[0].loc == "https://www.example.com/bom"
    assert result.errors == []


def test_leading_whitespace_keeps_line_numbers() -> None:
    result = parse_file("leading_whitespace.xml")
    assert result.entries[0].line == 6
    assert "whitespace before the XML declaration" in result.errors[0].message


# ---------------------------------------------------------------------------------------
# Entities: billion laughs and XXE
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["billion_laughs.xml", "billion_laughs_utf16.xml"])
def test_billion_laughs_is_not_expanded(name: str) -> None:
    tracemalloc.start()
    started = time.perf_counter()
    result = parse_file(name)
    elapsed = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert kinds(result) == ["entities-forbidden"]
    assert result.entries == []
    assert elapsed < 1.0
    assert peak < 4_000_000  # the expansion would be 3 GB
    assert "lollol" not in repr(result)


@pytest.mark.parametrize("name", ["xxe_entity.xml", "xxe_entity_utf16.xml", "xxe_external_dtd.xml"])
def test_xxe_does_not_read_local_files(name: str) -> None:
    result = parse_file(name)
    assert kinds(result) == ["entities-forbidden"]
    assert_no_secret(result)


def _atime_is_tracked(path: Path) -> bool:
    path.write_text("probe")
    stat = path.stat()
    os.utime(path, (stat.st_mtime - 3600, stat.st_mtime))
    before = path.stat().st_atime
    path.read_text()
    return path.stat().st_atime > before


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
@pytest.mark.parametrize(
    "doctype",
    [
        '<!DOCTYPE urlset SYSTEM "file://{path}">',
        '<!DOCTYPE urlset [<!ENTITY x SYSTEM "file://{path}">]>',
        '<!DOCTYPE urlset [<!ENTITY % x SYSTEM "file://{path}"> %x;]>',
    ],
)
def test_external_files_are_never_opened(tmp_path: Path, doctype: str, encoding: str) -> None:
    # The access time of the target shows whether libxml2 opened it at all (relatime
    # updates it when it is older than the modification time).
    if not _atime_is_tracked(tmp_path / "probe"):
        pytest.skip("the file system does not track access times")
    secret = tmp_path / "secret.dtd"
    secret.write_text("SECRET-7F3A is not a DTD\n")
    stat = secret.stat()
    os.utime(secret, (stat.st_mtime - 3600, stat.st_mtime))
    before = secret.stat().st_atime
    doc = (
        f'<?xml version="1.0" encoding="{encoding}"?>\n{doctype.format(path=secret)}\n'
        f'<urlset xmlns="{NS}"><url><loc>https://www.example.com/</loc></url></urlset>\n'
    )
    result = parse_sitemap(SITEMAP, doc.encode(encoding))
    assert secret.stat().st_atime == before
    assert kinds(result) == ["entities-forbidden"]
    assert "SECRET" not in repr(result)


# ---------------------------------------------------------------------------------------
# Size caps and gzip
# ---------------------------------------------------------------------------------------


def test_gzip_bomb_stops_at_the_cap() -> None:
    data = (DATA / "bomb.xml.gz").read_bytes()
    assert len(data) < 200_000  # 100 MB once inflated
    tracemalloc.start()
    started = time.perf_counter()
    parser = SitemapParser(SITEMAP)
    for start in range(0, len(data), 16_384):
        parser.feed(data[start : start + 16_384])
        if parser.done:
            break
    result = parser.close()
    elapsed = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert kinds(result) == ["too-large"]
    assert (result.size, result.truncated, result.gzipped) == (MAX_SITEMAP_BYTES, True, True)
    assert start < len(data) - 16_384  # the caller could stop downloading
    assert elapsed < 5.0  # ~0.2 s; a hang or a full inflate would take far longer
    assert peak < 8_000_000  # inflated piece by piece, never whole


def test_gzip_bomb_of_zeros_is_refused_at_once() -> None:
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = bytes(1_048_576)
    data = b"".join(compressor.compress(block) for _ in range(100)) + compressor.flush()
    parser = SitemapParser(SITEMAP)
    parser.feed(data)
    result = parser.close()
    assert parser.done
    assert kinds(result) == ["not-a-sitemap"]
    assert result.size <= 65_536


def test_size_cap_on_plain_xml_keeps_what_was_read() -> None:
    data = urlset(1000)
    result = parse_sitemap(SITEMAP, data, max_bytes=len(data) // 2)
    assert kinds(result) == ["too-large"]  # no "xml-syntax" for the cut end
    assert result.truncated
    assert result.size == len(data) // 2
    assert 400 < len(result.entries) < 510
    assert result.entries == parse_sitemap(SITEMAP, data).entries[: len(result.entries)]


def test_done_ignores_further_bytes() -> None:
    parser = SitemapParser(SITEMAP, max_bytes=100)
    parser.feed(urlset(10))
    assert parser.done
    parser.feed(b"more")
    assert parser.close().size == 100


def test_truncated_gzip_keeps_entries_before_the_cut() -> None:
    result = parse_file("truncated.xml.gz")
    assert kinds(result) == ["gzip-error"]
    assert "truncated" in result.errors[0].message
    assert result.entries[0].url == "https://www.example.com/p/0"
    assert not result.truncated  # not a cap: the stream itself is broken


def test_corrupt_gzip_is_reported() -> None:
    parser = SitemapParser(SITEMAP)
    parser.feed((DATA / "corrupt.xml.gz").read_bytes())
    result = parser.close()
    assert "gzip-error" in kinds(result)
    assert parser.done
    assert result.entries[0].url == "https://www.example.com/p/0"


def test_gzip_magic_is_detected_even_without_a_gz_name() -> None:
    result = parse_sitemap("https://www.example.com/sitemap.xml", gzip.compress(urlset(3)))
    assert result.gzipped
    assert len(result.entries) == 3


# ---------------------------------------------------------------------------------------
# Entry counts, malformed content
# ---------------------------------------------------------------------------------------


def test_sixty_thousand_urls_are_counted_and_reported() -> None:
    result = parse_sitemap(SITEMAP, urlset(60_000))
    assert kinds(result) == ["too-many-urls"]
    assert len(result.entries) == 60_000
    assert result.errors[0].line == MAX_SITEMAP_URLS + 3  # the 50,001st <url>
    assert not result.truncated


def test_entry_cap_stops_reading() -> None:
    parser = SitemapParser(SITEMAP, max_entries=1000)
    parser.feed(urlset(5000))
    result = parser.close()
    assert parser.done
    assert result.truncated
    assert len(result.entries) == 1000
    assert kinds(result) == ["too-many-urls"]


def test_fifty_thousand_urls_parse_cleanly() -> None:
    # Speed is not asserted here: ~0.5 s of CPU, half of it in urls.normalize().
    data = gzip.compress(urlset(MAX_SITEMAP_URLS), 1)
    result = feed_in_chunks(data, 65_536)
    assert result.errors == []
    assert len(result.urls) == MAX_SITEMAP_URLS


def test_invalid_xml_halfway_keeps_earlier_entries() -> None:
    result = parse_file("broken_halfway.xml")
    assert [e.url for e in result.entries] == [f"https://www.example.com/{i}" for i in (1, 2, 3)]
    assert result.errors[0].line == 6


def test_wrong_namespace_still_reads_locs() -> None:
    result = parse_file("wrong_namespace.xml")
    assert result.namespace == "https://www.sitemaps.org/schemas/sitemap/0.9"
    assert [e.url for e in result.entries] == [
        "https://www.example.com/1",
        "https://www.example.com/2",
    ]


def test_relative_and_invalid_locs() -> None:
    result = parse_file("relative_locs.xml")
    assert [(e.loc, e.url) for e in result.entries] == [
        ("https://www.example.com/ok", "https://www.example.com/ok"),
        ("/relative/path", None),
        ("www.example.com/no-scheme", None),
        ("//www.example.com/protocol-relative", None),
        ("ftp://www.example.com/file", None),
        ("", None),
        ("", None),
    ]
    assert [(e.kind, e.line) for e in result.errors] == [
        ("relative-url", 4),
        ("relative-url", 5),
        ("relative-url", 6),
        ("invalid-url", 7),
        ("missing-loc", 8),
        ("missing-loc", 9),
    ]


def test_bad_lastmods_are_reported_with_their_lines() -> None:
    result = parse_file("bad_lastmod.xml")
    assert [e.line for e in result.errors] == [4, 5, 6, 7, 8]
    assert result.entries[1].lastmod == "01/05/2024"  # kept as written


def test_undeclared_xhtml_prefix_still_yields_alternates() -> None:
    result = parse_file("undeclared_prefix.xml")
    assert result.entries[0].alternates == [("fr", "https://www.example.com/fr/")]


def test_oversized_entry_keeps_what_it_said() -> None:
    # Over 10,000 children: the finished ones are dropped while the entry is still open.
    junk = b"<j/>" * 30_000
    entry = b"<loc>https://www.example.com/x</loc>" + junk + b"<lastmod>2024-01-01</lastmod>" + junk
    result = feed_in_chunks(HEAD + b"<url>" + entry + b"</url></urlset>", 4096)
    assert [(e.url, e.lastmod) for e in result.entries] == [
        ("https://www.example.com/x", "2024-01-01")
    ]
    assert result.errors == []


MEMORY_PROBE = """
import resource, sys
from seoaudit.crawl.sitemaps import SitemapParser
head, unit = sys.argv[1].encode(), sys.argv[2].encode()
parser = SitemapParser("https://www.example.com/sitemap.xml")
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
parser.feed(head)
for _ in range(160):  # 160 x 64 KB = 10 MB of small elements, about 2.6 million
    parser.feed(unit * (65_536 // len(unit)))
result = parser.close()
grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
print(grown // 1024, len(result.entries), result.size)
"""


@pytest.mark.parametrize(
    ("head", "unit"),
    [
        (HEAD.decode(), "<j/>"),  # junk under the root
        (HEAD.decode() + "<url><loc>https://www.example.com/</loc>", "<j/>"),  # in an entry
        (HEAD.decode() + "<a><b><c>", "<d/>"),  # deeper
        (HEAD.decode(), "<url><loc>https://www.example.com/</loc>" + "<j/>" * 40 + "</url>"),
        ("<rss><channel>", "<item><link>https://www.example.com/</link>" + "<j/>" * 40 + "</item>"),
        ("<rss><channel><item>", "<j/>"),  # in an item
    ],
)
def test_memory_stays_flat_whatever_the_shape(head: str, unit: str) -> None:
    # libxml2 memory is invisible to tracemalloc, hence a child process and its RSS.
    # Without pruning, 2.6 million elements hold ~300 MB.
    probe = subprocess.run(
        [sys.executable, "-c", MEMORY_PROBE, head, unit],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    grown_mb, entries, size = map(int, probe.stdout.split())
    assert size > 10_000_000
    assert grown_mb < 40 + entries // 1000  # entries themselves take ~0.5 KB each


def test_stray_url_elements_count_toward_the_entry_cap() -> None:
    parser = SitemapParser(SITEMAP, max_entries=1000)
    parser.feed(HEAD + b"<a>" + b"<url/>" * 3000 + b"</a></urlset>")
    result = parser.close()
    assert parser.done
    assert (kinds(result), result.entries) == (["too-many-urls"], [])


def test_unknown_root_is_refused_without_reading_on() -> None:
    parser = SitemapParser(SITEMAP)
    parser.feed(b"<foo>")
    for _ in range(20):
        parser.feed(b"<d/>" * 16_384)
        if parser.done:
            break
    assert parser.done
    assert kinds(parser.close()) == ["not-a-sitemap"]


def test_huge_text_node_in_xml() -> None:
    started = time.perf_counter()
    result = parse_file("huge_text_node.xml.gz")
    assert time.perf_counter() - started < 5.0
    assert [e.url for e in result.entries] == [
        "https://www.example.com/p/0",
        "https://www.example.com/p/1",
    ]
    assert kinds(result) == ["xml-syntax"]


def test_huge_line_in_text_sitemap() -> None:
    data = b"https://www.example.com/" + b"a" * 20_000_000 + b"\nhttps://www.example.com/ok\n"
    tracemalloc.start()
    result = feed_in_chunks(data, 65_536)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert [e.url for e in result.entries] == [None, "https://www.example.com/ok"]
    assert len(result.entries[0].loc) <= 8192
    assert kinds(result) == ["invalid-url"]
    assert peak < 4_000_000


@pytest.mark.parametrize("chunk", [1, 2, 7, 65_536])
def test_text_sitemap_lines_end_in_lf_crlf_or_a_lone_cr(chunk: int) -> None:
    data = b"https://www.example.com/\rhttps://www.example.com/a\r\nhttps://www.example.com/b\n"
    result = feed_in_chunks(data + b"https://www.example.com/c\r", chunk)
    assert [(e.url, e.line) for e in result.entries] == [
        ("https://www.example.com/", 1),
        ("https://www.example.com/a", 2),
        ("https://www.example.com/b", 3),
        ("https://www.example.com/c", 4),
    ]


def test_text_sitemap_that_is_not_utf8() -> None:
    result = parse_sitemap(SITEMAP, "https://www.example.com/caf\xe9\n".encode("latin-1"))
    assert kinds(result) == ["bad-encoding"]
    assert result.entries[0].url == "https://www.example.com/caf%EF%BF%BD"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", ["empty"]),
        (b"x", ["relative-url"]),
        (b" \r\n\t\n", ["empty"]),
        (b"\x00\x01\x02binary", ["not-a-sitemap"]),
        (b"\x1f", ["not-a-sitemap"]),  # one byte: not enough for the gzip magic
        (b"\xef\xbb", ["bad-encoding", "relative-url"]),  # half a BOM, as text
        (b"\x1f\x8b", ["gzip-error"]),
        (b"\x1f\x8bnot gzip at all", ["gzip-error"]),
        (b"<", ["xml-syntax"]),
        (b"<urlset", ["wrong-namespace", "xml-syntax"]),
        (b"<foo><url><loc>https://www.example.com/</loc></url></foo>", ["not-a-sitemap"]),
        (b"<foo/>", ["not-a-sitemap"]),
        (f'<urlset xmlns="{NS}"><url>'.encode(), ["xml-syntax"]),
    ],
)
def test_degenerate_inputs(data: bytes, expected: list[str]) -> None:
    assert kinds(parse_sitemap(SITEMAP, data)) == expected


def test_errors_are_capped_per_kind_but_counted() -> None:
    body = b"<url><loc>/relative</loc></url>" * 500
    result = parse_sitemap(SITEMAP, HEAD + body + b"</urlset>")
    assert kinds(result) == ["relative-url"] * MAX_ERRORS_PER_KIND
    assert result.error_counts == {"relative-url": 500}
    assert len(result.entries) == 500


def test_close_is_idempotent_and_feed_after_close_is_ignored() -> None:
    parser = SitemapParser(SITEMAP)
    parser.feed(urlset(2))
    first = parser.close()
    parser.feed(urlset(5))
    assert parser.close() is first
    assert len(first.entries) == 2


def test_hostile_mutations_never_raise() -> None:
    rng = random.Random(20240501)
    sources = [(DATA / name).read_bytes() for name in SMALL] + [gzip.compress(urlset(20))]
    for _ in range(400):
        data = bytearray(rng.choice(sources))
        for _ in range(rng.randint(1, 8)):
            position = rng.randrange(len(data))
            action = rng.random()
            if action < 0.4:
                data[position] = rng.randrange(256)
            elif action < 0.7:
                del data[position : position + rng.randint(1, 40)]
            else:
                data[position:position] = rng.choice([b"<", b"&", b"]]>", b"<!ENTITY", b"\x00"])
        result = feed_in_chunks(bytes(data), rng.choice([1, 3, 64, 4096]))
        assert isinstance(result, ParsedSitemap)


# ---------------------------------------------------------------------------------------
# lastmod
# ---------------------------------------------------------------------------------------

PLUS_2 = timezone(timedelta(hours=2))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024", datetime(2024, 1, 1, tzinfo=UTC)),
        ("2024-05", datetime(2024, 5, 1, tzinfo=UTC)),
        ("2024-05-17", datetime(2024, 5, 17, tzinfo=UTC)),
        ("2024-05-17T10:20Z", datetime(2024, 5, 17, 10, 20, tzinfo=UTC)),
        ("2024-05-17T10:20:30+02:00", datetime(2024, 5, 17, 10, 20, 30, tzinfo=PLUS_2)),
        ("2024-05-17T10:20:30.45-05:30", datetime(2024, 5, 17, 15, 50, 30, tzinfo=UTC)),
        (" 2024-05-17 ", datetime(2024, 5, 17, tzinfo=UTC)),
        ("2024-05-17T10:20:30", None),  # time without a zone
        ("2024-05-17 10:20:30Z", None),
        ("2024-13-01", None),
        ("2023-02-29", None),
        ("2024-05-17T24:00Z", None),
        ("2024-05-17T10:20+25:00", None),
        ("17/05/2024", None),
        ("20240517", None),
        ("", None),
        ("0000-01-01", None),
    ],
)
def test_parse_lastmod(value: str, expected: datetime | None) -> None:
    assert parse_lastmod(value) == expected


# -- image, video and news extensions (SMP017-SMP019) ------------------------------------

MEDIA_HEAD = (
    f'<urlset xmlns="{NS}" xmlns:image="http://www.google.com/schemas/sitemap-image/1.1"'
    ' xmlns:video="http://www.google.com/schemas/sitemap-video/1.1"'
    ' xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">\n'
).encode()
NOW = datetime(2026, 7, 8, 12, 0, tzinfo=UTC)


def news(
    date: str, publication: str = "<news:name>N</news:name><news:language>en</news:language>"
) -> str:
    return (
        f"<news:news><news:publication>{publication}</news:publication>"
        f"<news:publication_date>{date}</news:publication_date>"
        "<news:title>T</news:title></news:news>"
    )


def problems(result: ParsedSitemap) -> dict[str, int]:
    return {k: v["count"] for k, v in result.media.get("problems", {}).items()}


def test_media_problems_are_tallied_per_file() -> None:
    body = (
        "<url><loc>https://www.example.com/a</loc>"
        "<image:image><image:loc>https://www.example.com/a.jpg</image:loc>"
        "<image:caption>c</image:caption><image:license>l</image:license></image:image>"
        "<image:image><image:title>no loc</image:title></image:image></url>\n"
        "<url><loc>https://www.example.com/v</loc><video:video>"
        "<video:title>t</video:title><video:description> </video:description>"
        "<video:content_loc>https://www.example.com/v.mp4</video:content_loc>"
        "</video:video></url>\n"
        f"<url><loc>https://www.example.com/n</loc>{news('2026-07-01', '')}"
        f"{news('yesterday')}</url>\n"
    )
    result = parse_sitemap(SITEMAP, MEDIA_HEAD + body.encode() + b"</urlset>", now=NOW)
    assert result.media["counts"] == {"image": 2, "video": 1, "news": 2}
    assert problems(result) == {
        "image:deprecated:caption": 1,
        "image:deprecated:license": 1,
        "image:no-loc": 1,
        "image:deprecated:title": 1,
        "video:no-thumbnail_loc": 1,
        "video:no-description": 1,  # blank counts as missing
        "news:no-name": 1,
        "news:no-language": 1,
        "news:stale": 1,
        "news:bad-publication_date": 1,
        "news:several": 1,
    }
    example = result.media["problems"]["news:stale"]["examples"][0]
    assert example == {
        "loc": "https://www.example.com/n",
        "line": 4,
        "count": 1,
        "value": "2026-07-01",
    }
    assert result.errors == []


def test_valid_media_has_no_problems_and_fresh_news_is_judged_against_now() -> None:
    body = (
        "<url><loc>https://www.example.com/a</loc>"
        "<image:image><image:loc>https://www.example.com/a.jpg</image:loc></image:image>"
        "<video:video><video:thumbnail_loc>https://www.example.com/t.jpg</video:thumbnail_loc>"
        "<video:title>t</video:title><video:description>d</video:description>"
        "<video:player_loc>https://www.example.com/p</video:player_loc></video:video>"
        f"{news('2026-07-06T13:00:00+00:00')}</url>"
    )
    data = MEDIA_HEAD + body.encode() + b"</urlset>"
    assert problems(parse_sitemap(SITEMAP, data, now=NOW)) == {}
    later = parse_sitemap(SITEMAP, data, now=NOW + timedelta(hours=2))
    assert problems(later) == {"news:stale": 1}


def test_media_tags_count_only_in_a_url_of_a_urlset() -> None:
    image = "<image:image><image:title>t</image:title></image:image>"
    stray = MEDIA_HEAD + f"{image}<url><loc>https://www.example.com/</loc></url>".encode()
    assert parse_sitemap(SITEMAP, stray + b"</urlset>").media == {}
    index = MEDIA_HEAD.replace(b"<urlset", b"<sitemapindex")
    index += f"<sitemap><loc>https://www.example.com/s.xml</loc>{image}</sitemap>".encode()
    assert parse_sitemap(SITEMAP, index + b"</sitemapindex>").media == {}
    # Same local names in another namespace are not Google's tags.
    other = b'<urlset xmlns="' + NS.encode() + b'" xmlns:image="https://example.com/img">'
    other += f"<url><loc>https://www.example.com/</loc>{image}</url></urlset>".encode()
    assert parse_sitemap(SITEMAP, other).media == {}


def test_news_per_file_are_counted() -> None:
    body = "".join(
        f"<url><loc>https://www.example.com/n/{i}</loc>{news('2026-07-08')}</url>\n"
        for i in range(1001)
    )
    result = parse_sitemap(SITEMAP, MEDIA_HEAD + body.encode() + b"</urlset>", now=NOW)
    assert result.media["counts"] == {"news": 1001}
    assert problems(result) == {}


def test_hundred_thousand_images_in_one_url_stay_bounded() -> None:
    # Over _MAX_KEPT children: images are tallied as the open entry is pruned, and the
    # tally holds counts and a few examples, not one record per image.
    images = b"<image:image><image:caption>c</image:caption></image:image>" * 100_000
    entry = b"<url><loc>https://www.example.com/x</loc>" + images + b"</url>"
    data = MEDIA_HEAD + entry + b"<url><loc>https://www.example.com/y</loc></url></urlset>"
    tracemalloc.start()
    result = feed_in_chunks(data, 65_536)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert [e.url for e in result.entries] == [
        "https://www.example.com/x",
        "https://www.example.com/y",
    ]
    assert result.media["counts"] == {"image": 100_000}
    assert problems(result) == {
        "image:no-loc": 100_000,
        "image:deprecated:caption": 100_000,
        "image:too-many": 1,
    }
    too_many = result.media["problems"]["image:too-many"]["examples"]
    assert too_many == [
        {"loc": "https://www.example.com/x", "line": 2, "count": 1, "value": "100000"}
    ]
    assert len(repr(result.media)) < 2000
    assert peak < 20_000_000  # the file is 6 MB; the tree is pruned as it is read
