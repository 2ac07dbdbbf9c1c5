"""Media type, HTML sniffing and decoding of response bodies (extract.encoding)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from seoaudit.extract.encoding import decode, media_type, sniffs_as_html


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("text/html; charset=utf-8", "text/html"),
        ("TEXT/HTML", "text/html"),
        ("  application/xhtml+xml ; q=1", "application/xhtml+xml"),
        ("application/pdf", "application/pdf"),
        ("", None),
        (";charset=utf-8", None),
        (None, None),
    ],
)
def test_media_type(header: str | None, expected: str | None) -> None:
    assert media_type(header) == expected


UTF16_PAGE = "<p>Grüße 日本</p>"

# (body, Content-Type header, expected text, expected charset)
DECODE_CASES = [
    (b"<p>plain</p>", "text/html", "<p>plain</p>", "utf-8"),
    ("<p>é</p>".encode(), 'text/html; charset="UTF-8"', "<p>é</p>", "utf-8"),
    # A BOM wins over the transport charset, as in browsers (WHATWG "decode").
    (b"\xef\xbb\xbf<p>\xc3\xa9</p>", "text/html; charset=iso-8859-1", "<p>é</p>", "utf-8"),
    (b"\xff\xfe" + UTF16_PAGE.encode("utf-16-le"), "text/html", UTF16_PAGE, "utf-16-le"),
    (b"\xfe\xff" + UTF16_PAGE.encode("utf-16-be"), None, UTF16_PAGE, "utf-16-be"),
    (
        "<p>Привет</p>".encode("cp1251"),
        "text/html; charset=windows-1251",
        "<p>Привет</p>",
        "windows-1251",
    ),
    # iso-8859-1 and us-ascii labels mean windows-1252: 0x80 is the euro sign.
    (b"<p>\x80 caf\xe9</p>", "text/html; charset=ISO-8859-1", "<p>€ café</p>", "windows-1252"),
    (b"<p>\x80</p>", "text/html; charset=us-ascii", "<p>€</p>", "windows-1252"),
    # <meta> declarations in the first 1024 bytes, both forms.
    (
        b'<meta charset="windows-1252"><p>\xe9</p>',
        "text/html",
        '<meta charset="windows-1252"><p>é</p>',
        "windows-1252",
    ),
    (
        b'<meta http-equiv="Content-Type" content="text/html; charset=koi8-r"><p>\xf0</p>',
        None,
        '<meta http-equiv="Content-Type" content="text/html; charset=koi8-r"><p>П</p>',
        "koi8-r",
    ),
    # The header wins over <meta>.
    (
        '<meta charset="windows-1252"><p>é</p>'.encode(),
        "text/html;charset=utf-8",
        '<meta charset="windows-1252"><p>é</p>',
        "utf-8",
    ),
    # A <meta> past the first 1024 bytes is not read.
    (
        b" " * 1100 + b'<meta charset="windows-1252">',
        "text/html",
        " " * 1100 + '<meta charset="windows-1252">',
        "utf-8",
    ),
    # A page that declares UTF-16 in ASCII is not UTF-16 (WHATWG prescan).
    (b'<meta charset="utf-16"><p>x</p>', None, '<meta charset="utf-16"><p>x</p>', "utf-8"),
    # Unknown and refused labels fall through to the next source.
    (b"<p>x</p>", "text/html; charset=no-such-charset", "<p>x</p>", "utf-8"),
    (b"<p>+AGEAYgBj-</p>", "text/html; charset=utf-7", "<p>+AGEAYgBj-</p>", "utf-8"),
    (b"<p>\\u0041</p>", "text/html; charset=unicode_escape", "<p>\\u0041</p>", "utf-8"),
    (b"<p>x</p>", "text/html; charset=zlib", "<p>x</p>", "utf-8"),
    # A wrong declared charset: Windows-1252 bytes served as UTF-8 become U+FFFD.
    (b"<p>caf\xe9</p>", "text/html; charset=utf-8", "<p>caf\ufffd</p>", "utf-8"),
    # Invalid UTF-8 and NUL bytes never raise.
    (b"<p>\xff\xfe\xfd\x00x</p>", None, "<p>\ufffd\ufffd\ufffd\x00x</p>", "utf-8"),
    (b"", "text/html", "", "utf-8"),
]


@pytest.mark.parametrize(("body", "header", "text", "charset"), DECODE_CASES)
def test_decode(body: bytes, header: str | None, text: str, charset: str) -> None:
    decoded = decode(body, header)
    assert decoded.text == text
    assert decoded.charset == charset
    assert decoded.utf8.decode("utf-8") == text  # always valid UTF-8 for the parser


def test_decode_odd_length_utf16_does_not_raise() -> None:
    decoded = decode(b"\xff\xfe<\x00p\x00>", "text/html")
    assert decoded.text.startswith("<p")
    assert decoded.text.endswith("\ufffd")


def test_decode_never_raises_on_random_bytes() -> None:
    rng = random.Random(1234)
    headers = [None, "text/html", "text/html; charset=utf-16", "text/html; charset=shift_jis"]
    for i in range(300):
        body = bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 300)))
        decoded = decode(body, headers[i % len(headers)])
        decoded.utf8.decode("utf-8")  # raises if the parser would get invalid UTF-8


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b"<!DOCTYPE html><html>", True),
        (b"  \n<html lang=en>", True),
        (b"\xef\xbb\xbf<!doctype HTML>", True),
        (b"<HEAD>", True),
        (b"<!-- comment -->", True),
        (b"<p>text", True),
        (b"<div class=x>", True),
        (b"%PDF-1.7", False),
        (b"<?xml version='1.0'?><urlset>", False),
        (b'{"json": true}', False),
        (b"<htmlx>", False),
        (b"", False),
    ],
)
def test_sniffs_as_html(body: bytes, expected: bool) -> None:
    assert sniffs_as_html(body) is expected


@pytest.mark.parametrize(
    ("body", "header", "declared"),
    [
        (b"<p>x</p>", "text/html", (None, None, None)),
        (b"<p>x</p>", "text/html; charset=UTF-8", (None, "UTF-8", None)),
        (b'<meta charset="latin1"><p>x</p>', "text/html", (None, None, "latin1")),
        (b'<meta charset="utf-8">', "text/html; charset=iso-8859-1", (None, "iso-8859-1", "utf-8")),
        (b"\xef\xbb\xbf<meta charset=koi8-r>", "text/html", ("utf-8", None, "koi8-r")),
        (b"<p>" + b" " * 1100 + b"<meta charset=utf-8>", None, (None, None, None)),  # too late
        (b"<meta charset=" + b"x" * 500 + b">", None, (None, None, "x" * 40)),  # bounded
    ],
)
def test_where_the_encoding_is_declared(
    body: bytes, header: str | None, declared: tuple[str | None, ...]
) -> None:
    assert decode(body, header).declared == declared


def test_the_meta_declaration_still_decides_without_a_header() -> None:
    decoded = decode('<meta charset="windows-1252"><p>caf\xe9</p>'.encode("cp1252"), None)
    assert decoded.charset == "windows-1252" and "café" in decoded.text
    assert decoded.declared == (None, None, "windows-1252")


def test_bytes_not_in_the_declared_encoding_are_counted() -> None:
    """A page declaring UTF-8 but saved as Latin-1 ("Café" as 0x43 0x61 0x66 0xE9): the
    browser shows "Caf�". Nothing said so."""
    body = "<title>Café crème</title><p>À la carte</p>".encode("latin-1")
    decoded = decode(body, "text/html; charset=utf-8")
    assert decoded.charset == "utf-8" and decoded.replaced == 3
    assert decoded.replaced_at is not None and "Caf\ufffd" in decoded.replaced_at
    # a U+FFFD the page really contains is not counted as undecodable
    honest = "<p>\ufffd means a lost character</p>".encode()
    assert decode(honest, "text/html; charset=utf-8").replaced == 0
    mixed = honest + b"\xe9"
    assert decode(mixed, "text/html; charset=utf-8").replaced == 1
    assert decode("<p>Café</p>".encode(), "text/html; charset=utf-8").replaced == 0


def test_a_page_with_undecodable_bytes_is_an_encoding_finding(tmp_path: Path) -> None:
    from tests.sites import crawl

    pages = {
        "/": {
            "body": "<title>Café crème, the house speciality</title><p>À la carte</p>".encode(
                "latin-1"
            ),
            "content_type": "text/html; charset=utf-8",
        }
    }
    report = crawl(pages, tmp_path).report
    [finding] = [f for f in report.findings if f.rule == "ONP023"]
    assert finding.cause == "bytes that are not utf-8"
    assert finding.message.startswith("3 characters are not valid utf-8, the encoding it declares")
    assert finding.evidence["undecodable_characters"] == 3
