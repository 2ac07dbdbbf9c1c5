"""Whether key values of a page's structured data appear in its visible text.

Google's guidelines: "Don't mark up content that is not visible to readers of the page"
(General structured data guidelines). Owns: probing the names, titles and prices written in
JSON-LD and Microdata against the page's visible text, once, while the text is at hand
(the text itself is not kept), and recording the answer on each block
(``StructuredData.visible``). Must not: decide which values matter (rule SD015 does).

Matching is forgiving, to avoid false alarms: text is compared case-folded with
punctuation ignored, and a name counts as shown when all its words appear; a price counts
as shown when any number in the text has the same value ("$1,299.00", "1.299,00 €" and
"1299" all match 1299.00).
"""

from __future__ import annotations

import html
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from typing import Any

from seoaudit.models import StructuredData

TEXT_PROPERTIES = frozenset({"name", "title", "headline"})
NUMBER_PROPERTIES = frozenset({"price", "lowPrice", "highPrice"})
MAX_PROBES = 40  # values probed per block
MAX_WALK = 2000  # JSON values visited per block
MAX_VALUE = 300  # characters of a probed text value

# A number: digits with separators inside (group 1). ``\D*+`` skips the text between
# numbers in one tight loop instead of a match attempt at every position (~25% faster over
# a page's text). It is possessive and the number optional, so a long run without digits
# is crossed once, never retried from each of its positions (which would be quadratic);
# a match without group 1 is that trailing run.
_GROUPING = "'\u00a0\u202f "  # thousands separators that are not . or ,
_NUMBER = re.compile(rf"\D*+(\d(?:[\d.,{_GROUPING}]*\d)?)?")


def probe_key(kind: str, value: object) -> str:
    """The key of a probed value in ``StructuredData.visible``: ``t:<text>``/``n:<number>``."""
    return f"{kind}:{value}"


_NON_WORD = re.compile(r"[\W_]+")
# Bytes of UTF-8 text with ASCII letters lower-cased and every other ASCII character made a
# space; bytes of non-ASCII characters (all >= 0x80 in UTF-8) are kept as they are.
_ASCII_WORDS = bytes(
    c + 32 if 65 <= c <= 90 else 32 if c < 128 and not (97 <= c <= 122 or 48 <= c <= 57) else c
    for c in range(256)
)


# Marks each byte: non-ASCII (>= 0x80) becomes 0x80, every other byte a space, so the tokens
# with non-ASCII characters are found by bytes.find (a memchr), not a regex over the text.
_MARKS = bytes(0x80 if c >= 0x80 else 0x20 for c in range(256))


def _normalise_word(token: bytes) -> list[str]:
    """The slow, general path for one token with non-ASCII characters in it."""
    text = unicodedata.normalize("NFKC", token.decode("utf-8", "surrogatepass"))
    return _NON_WORD.sub(" ", text.casefold()).split()


def _words(text: str) -> bytes:
    """UTF-8 bytes of the normalised words of ``text`` (see ``normalise``), separated by
    one or more spaces: everything but collapsing the spaces."""
    # Visible text comes unescaped from the parser; values from JSON may carry entities.
    if "&" in text:
        text = html.unescape(text)
    data = text.encode("utf-8", "surrogatepass").translate(_ASCII_WORDS)
    if text.isascii():
        return data
    # Only tokens with non-ASCII bytes are visited in Python; ASCII whitespace is a space
    # by now, so a token runs from the space before its first such byte to the next space.
    marks = data.translate(_MARKS)
    pieces, done = [], 0
    while (first := marks.find(0x80, done)) >= 0:
        start = data.rfind(b" ", done, first) + 1 or done
        end = data.find(b" ", first)
        end = len(data) if end < 0 else end
        words = " ".join(_normalise_word(data[start:end]))
        pieces += [data[done:start], words.encode("utf-8", "surrogatepass")]
        done = end
    return b"".join([*pieces, data[done:]])


def normalise(text: str) -> str:
    """Case-folded words separated by single spaces, with a space at each end, punctuation
    and "_" dropped, after NFKC. This runs over every page's whole text, so it is done in
    C passes over the bytes (ASCII lower-cased, ASCII punctuation made spaces) and only
    the rare tokens with non-ASCII characters take the regular-expression path: the same
    result as NFKC + casefold + ``[\\W_]+`` over the whole text, several times faster."""
    return " " + b" ".join(_words(text).split()).decode("utf-8", "surrogatepass") + " "


MAX_EXPONENT = 40  # a value 10**40 or more (or below 10**-40) is shown by no page's text


def _decimal(text: str) -> Decimal | None:
    """The number ``text`` writes, or None: not a number, NaN or infinite (a signalling
    NaN cannot even be hashed), or so large or small ("1e999999999") that normalising or
    writing it out would overflow or take a million digits."""
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    if not number.is_finite() or (number and abs(number.adjusted()) > MAX_EXPONENT):
        return None
    return number


_SEPARATORS = re.compile(f"[{_GROUPING}]")
_NOT_DIGIT = re.compile(r"\D")
# What a number may start with before its first significant digit.
_INSIGNIFICANT = "0.," + _GROUPING


def numbers(text: str, leading: frozenset[str] | None = None) -> set[Decimal]:
    """Every value a number written in ``text`` may stand for, whatever the separators.
    With ``leading`` (the digit strings the wanted numbers start with), numbers that
    cannot be one of them are skipped before the costly parsing."""
    found: set[Decimal] = set()
    # Most numbers of a page fail on their first significant digit: tested on the token as
    # found (separators and zeros stripped from its start) before any regex runs on it.
    firsts = None if leading is None or "" in leading else {p[0] for p in leading}
    for match in _NUMBER.finditer(text):
        token = match.group(1)
        if token is None:  # the text after the last number
            continue
        if firsts is not None and token.lstrip(_INSIGNIFICANT)[:1] not in firsts:
            continue
        token = _SEPARATORS.sub("", token)
        if leading is not None:
            digits = _NOT_DIGIT.sub("", token).lstrip("0")
            if not any(digits.startswith(prefix) for prefix in leading):
                continue
        candidates = [token.replace(",", "")]  # 1,299.00 and 1299
        if "," in token and "." in token:
            if token.rfind(",") > token.rfind("."):  # 1.299,00
                candidates = [token.replace(".", "").replace(",", ".")]
        elif "," in token:
            candidates.append(token.replace(",", "."))  # 12,50 (or 1,299: both kept)
        elif token.count(".") > 1:
            candidates = [token.replace(".", "")]  # 1.299.000
        elif "." in token and len(token.rsplit(".", 1)[1]) == 3:
            candidates.append(token.replace(".", ""))  # 1.299 may be a thousand
        for candidate in candidates:
            value = _decimal(candidate)
            if value is not None:
                found.add(value)
    return found


def _probes(data: Any) -> list[tuple[str, str]]:
    """(kind, value) of the values to probe, in document order, bounded."""
    found: list[tuple[str, str]] = []
    stack: list[Any] = [data]
    budget = MAX_WALK
    while stack and budget > 0 and len(found) < MAX_PROBES:
        budget -= 1
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(reversed(node))
            continue
        if not isinstance(node, dict):
            continue
        for key, value in node.items():
            values = value if isinstance(value, list) else [value]
            for item in values:
                if isinstance(item, dict) and "@value" in item:
                    item = item["@value"]
                if isinstance(item, bool) or not isinstance(item, (str, int, float)):
                    continue
                if key in TEXT_PROPERTIES and isinstance(item, str) and item.strip():
                    found.append(("t", item[:MAX_VALUE]))
                elif key in NUMBER_PROPERTIES:
                    found.append(("n", str(item)[:MAX_VALUE]))
        stack.extend(reversed([v for v in node.values() if isinstance(v, (dict, list))]))
    return found[:MAX_PROBES]


def _leading_digits(value: str) -> str:
    """The significant leading digits of a wanted number ("0012.50" -> "125"): any number
    in the text that stands for the same value starts with them."""
    number = _decimal(value.strip())
    if number is None:
        return ""
    return _NOT_DIGIT.sub("", format(abs(number.normalize()), "f")).lstrip("0")[:1]


def probe_visible(blocks: list[StructuredData], text: str) -> None:
    """Record on each parsed block which of its names and prices the visible text shows."""
    wanted = [(block, _probes(block.data)) for block in blocks if block.data is not None]
    if not any(probes for _block, probes in wanted):
        return
    # The page's words with a space at each end; a word is shown when it stands between
    # two spaces (runs of spaces are not collapsed: not needed for that test).
    shown = b" " + _words(text) + b" "
    shown_numbers: set[Decimal] | None = None
    leading = frozenset(
        _leading_digits(value) for _block, probes in wanted for kind, value in probes if kind == "n"
    )
    for block, probes in wanted:
        for kind, value in probes:
            if kind == "t":
                # Every word shown, anywhere: the same test as membership in the page's
                # set of words, without building that set.
                seen = all(
                    f" {word} ".encode("utf-8", "surrogatepass") in shown
                    for word in normalise(value).split()
                )
            else:
                if shown_numbers is None:
                    shown_numbers = numbers(text, leading)
                number = _decimal(value.strip())
                seen = number is not None and number in shown_numbers
            block.visible[probe_key(kind, value)] = seen
