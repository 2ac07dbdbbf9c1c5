"""Media type and character encoding of a response body.

Owns: the media type from ``Content-Type``, sniffing HTML when the header is missing, and
turning body bytes into text the way a browser would (WHATWG Encoding: BOM, then the
transport charset, then a ``<meta>`` declaration in the first 1024 bytes, then UTF-8).

Must not: parse markup beyond the 1024-byte prescan, or raise on any input. Every byte of a
body is adversarial: unknown or dangerous labels are ignored, undecodable bytes become U+FFFD.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from functools import lru_cache

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
MAX_LABEL = 40  # characters of a declared charset label kept (a hostile page may write more)

_CHARSET_PARAM = re.compile(r"""charset\s*=\s*["']?\s*([^"';,\s]+)""", re.IGNORECASE)
# <meta charset=x> and <meta http-equiv=content-type content="...; charset=x"> alike.
_META_CHARSET = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)""", re.I)
# Python codecs that correspond to encodings of the WHATWG Encoding Standard. Anything else
# (utf-7, unicode_escape, idna, rot13...) is refused: browsers do not support it and some of
# these codecs interpret the bytes in ways a hostile page could abuse.
_ALLOWED_CODEC = re.compile(
    r"utf-8|utf-16(-[bl]e)?|cp\d+|iso8859-\d+|koi8-[ru]|mac-\w+|gbk|gb2312|gb18030|big5(hkscs)?"
    r"|euc_\w+|shift_jis\w*|iso2022_\w+|latin-1|ascii|tis-620"
)
# WHATWG maps these labels to windows-1252 (a superset browsers have always used).
_AS_WINDOWS_1252 = frozenset({"latin-1", "ascii", "iso8859-1", "cp1252"})
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# WHATWG MIME sniffing: a body starting with one of these (after whitespace) is HTML.
_HTML_SNIFF = re.compile(
    rb"\s*<(?:!doctype\s+html|html|head|script|iframe|h1|div|font|table|a|style|title|b|body"
    rb"|br|p|!--)[\s>]",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Decoded:
    text: str  # the body as text, BOM removed
    utf8: bytes  # the same text as valid UTF-8, ready for the HTML parser
    charset: str  # the encoding used, e.g. "utf-8", "windows-1252", "utf-16-le"
    # Where the page declares its encoding, as written (None: not declared there): a byte
    # order mark, the Content-Type charset, a <meta> in the first 1024 bytes.
    declared: tuple[str | None, str | None, str | None] = (None, None, None)
    # Characters the bytes did not encode in ``charset`` (each became U+FFFD, as a browser
    # shows them, and as Google may show them in a title or snippet), and a little text
    # around the first.
    replaced: int = 0
    replaced_at: str | None = None


_EXCERPT = 30  # characters kept each side of the first replaced character


def _replaced(text: str, before: int) -> tuple[int, str | None]:
    """How many U+FFFD decoding put into ``text`` (``before``: those the bytes held
    themselves, written as UTF-8), and the text around the first."""
    count = text.count("\ufffd") - before
    if count <= 0:
        return 0, None
    first = text.index("\ufffd")
    excerpt = " ".join(text[max(0, first - _EXCERPT) : first + _EXCERPT].split())
    return count, excerpt


def media_type(content_type: str | None) -> str | None:
    """``text/html; charset=utf-8`` -> ``text/html``; None when missing or empty."""
    if not content_type:
        return None
    value = content_type.split(";", 1)[0].strip().lower()
    return value or None


def charset_param(content_type: str | None) -> str | None:
    if not content_type:
        return None
    match = _CHARSET_PARAM.search(content_type)
    return match.group(1) if match else None


def sniffs_as_html(body: bytes) -> bool:
    """True when a body without a Content-Type looks like HTML (WHATWG MIME sniffing)."""
    head = body[:512].lstrip(b"\xef\xbb\xbf")
    return _HTML_SNIFF.match(head) is not None


@lru_cache(maxsize=256)
def codec_for(label: str) -> str | None:
    """The Python codec for a charset label, or None when unknown or not allowed."""
    try:
        name = codecs.lookup(label.strip().lower()).name
    except (LookupError, ValueError):
        return None
    if not _ALLOWED_CODEC.fullmatch(name):
        return None
    if name in _AS_WINDOWS_1252:
        return "cp1252"
    if name == "utf-16":  # the bare label means little-endian (WHATWG)
        return "utf-16-le"
    return name


def _display_name(codec: str) -> str:
    if codec.startswith("cp125"):
        return "windows-" + codec[2:]
    return codec


def _meta_label(body: bytes) -> str | None:
    match = _META_CHARSET.search(body[:1024])
    return match.group(1).decode("ascii", "replace")[:MAX_LABEL] if match else None


def _prescan(label: str | None) -> str | None:
    if label is None:
        return None
    codec = codec_for(label)
    if codec is not None and codec.startswith("utf-16"):
        # A page that can declare its encoding in ASCII is not UTF-16 (WHATWG prescan).
        return "utf-8"
    return codec


def decode(body: bytes, content_type: str | None) -> Decoded:
    """Decode an HTML body; never raises. BOM first, as browsers do (it overrides even the
    transport charset), then the Content-Type charset, then ``<meta>``, then UTF-8."""
    codec = None
    for bom, name in _BOMS:
        if body.startswith(bom):
            body, codec = body[len(bom) :], name
            break
    label = charset_param(content_type)
    meta = _meta_label(body)
    declared = (codec, label[:MAX_LABEL] if label else None, meta)
    if codec is None:
        codec = (codec_for(label) if label else None) or _prescan(meta) or "utf-8"
    if codec == "utf-8":
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:  # bytes that are not UTF-8: a page saved in another one
            text = body.decode("utf-8", "replace")
            count, at = _replaced(text, body.count(b"\xef\xbf\xbd"))
            return Decoded(text, text.encode("utf-8"), "utf-8", declared, count, at)
        return Decoded(text, body, "utf-8", declared)
    try:
        text = body.decode(codec, "replace")
    except (LookupError, ValueError):  # a codec that still rejects the input: fall back
        codec = "utf-8"
        text = body.decode("utf-8", "replace")
    count, at = _replaced(text, 0) if "\ufffd" in text else (0, None)
    # "replace": should a codec ever yield a lone surrogate, it must not crash the encode.
    utf8 = text.encode("utf-8", "replace")
    return Decoded(text, utf8, _display_name(codec), declared, count, at)
