"""Validators of single structured-data values. Pure functions: a value in, a verdict out.

Each returns ``None`` when the value is fine, else a short reason a developer understands.
Sources: schema.org ``price`` and ``priceCurrency`` usage notes (a number with "." as the
decimal separator, no currency symbol or thousands separator; ISO 4217 codes); Google's
feature pages (ISO 8601 dates, times and durations; rating scales, default 1 to 5).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation

# ISO 8601 calendar date (extended or basic) with an optional time and offset. Reduced
# precision (a year, a year and month) is valid ISO 8601 and accepted by schema.org Date.
_DATE = re.compile(
    r"^(?P<y>\d{4})(?:-(?P<m>\d{2})(?:-(?P<d>\d{2}))?|(?P<bm>\d{2})(?P<bd>\d{2}))?"
    r"(?:T(?P<time>\d{2}(?::?\d{2}(?::?\d{2}(?:[.,]\d+)?)?)?)"
    r"(?P<tz>Z|[+-]\d{2}(?::?\d{2})?)?)?$",
    re.ASCII,  # "٢٠٠١-٠١-٠١" is no date to Google: digits are 0-9
)
_DURATION = re.compile(
    r"^P(?!$)(?:\d+(?:[.,]\d+)?Y)?(?:\d+(?:[.,]\d+)?M)?(?:\d+(?:[.,]\d+)?W)?"
    r"(?:\d+(?:[.,]\d+)?D)?(?:T(?=\d)(?:\d+(?:[.,]\d+)?H)?(?:\d+(?:[.,]\d+)?M)?"
    r"(?:\d+(?:[.,]\d+)?S)?)?$",
    re.ASCII,
)
_PRICE = re.compile(r"^\d+(?:\.\d+)?$", re.ASCII)
_PERCENT = re.compile(r"^(\d+(?:\.\d+)?)\s*%$", re.ASCII)
_FRACTION = re.compile(r"^(\d+(?:\.\d+)?)\s*/\s*(\d+(?:\.\d+)?)$", re.ASCII)


@dataclass(frozen=True)
class DateValue:
    has_time: bool
    has_offset: bool


def parse_date(value: object) -> DateValue | None:
    """An ISO 8601 date or date-time (``2024-03-01``, ``2024-03-01T09:00:00+01:00``), or
    None when ``value`` is not one (``March 3, 2024``, ``03/04/2024``, a space instead of
    ``T``, a month 13)."""
    if not isinstance(value, str):
        return None
    match = _DATE.match(value.strip())
    if match is None:
        return None
    year = int(match["y"])
    month = match["m"] or match["bm"]
    day = match["d"] or match["bd"]
    try:
        if month is not None:
            date(year, int(month), int(day) if day is not None else 1)
        if match["time"]:
            digits = re.sub(r"\D", "", match["time"].split(".")[0].split(",")[0])
            hour, minute, second = int(digits[:2]), int(digits[2:4] or 0), int(digits[4:6] or 0)
            if not (hour == 24 and minute == 0 and second == 0):  # 24:00 is end of day
                time(hour, minute, min(second, 59))  # a leap second is valid ISO 8601
    except ValueError:
        return None
    if match["time"] and day is None:
        return None  # a time needs a full date
    return DateValue(has_time=bool(match["time"]), has_offset=bool(match["tz"]))


# The last time zone to reach a given wall-clock time (UTC-12): a date or time written
# without an offset has passed everywhere once it has passed there.
_LAST_ZONE = timedelta(hours=12)


def latest_instant(value: object) -> datetime | None:
    """The latest moment (UTC) an ISO 8601 date or date-time can stand for, or None when
    ``value`` is not one. A date runs to the end of its day (of its month or year when
    reduced: ``2024-03``, ``2024``); a time without offset is read in the last time zone
    (UTC-12). So ``latest_instant(v) < now`` means "over, wherever the reader is"."""
    if parse_date(value) is None or not isinstance(value, str):
        return None
    match = _DATE.match(value.strip())
    if match is None:
        return None
    year = int(match["y"])
    month = int(match["m"] or match["bm"] or 0)
    day = int(match["d"] or match["bd"] or 0)
    try:
        if match["time"]:
            digits = re.sub(r"\D", "", match["time"].split(".")[0].split(",")[0])
            clock = timedelta(
                hours=int(digits[:2]), minutes=int(digits[2:4] or 0), seconds=int(digits[4:6] or 0)
            )
            local = datetime(year, month, day, tzinfo=UTC) + clock
            zone = match["tz"]
            if zone is None:
                return local + _LAST_ZONE
            if zone == "Z":
                return local
            hours, minutes = int(zone[1:3]), int(zone[3:].lstrip(":") or 0)
            offset = timedelta(hours=hours, minutes=minutes)
            return local - offset if zone[0] == "+" else local + offset
        if day:
            end = date(year, month, day) + timedelta(days=1)
        elif month:
            end = date(year + month // 12, month % 12 + 1, 1)
        else:
            end = date(year + 1, 1, 1)
        return datetime(end.year, end.month, end.day, tzinfo=UTC) + _LAST_ZONE
    except (ValueError, OverflowError):  # beyond year 9999: never in the past
        return datetime.max.replace(tzinfo=UTC) if year >= 9999 else None


def date_problem(value: object) -> str | None:
    if parse_date(value) is not None:
        return None
    if isinstance(value, str):
        return f"{value!r} is not an ISO 8601 date (YYYY-MM-DD or YYYY-MM-DDThh:mm:ss+hh:mm)"
    return f"{value!r} is not a date string"


def duration_problem(value: object) -> str | None:
    """ISO 8601 duration: ``PT30M``, ``PT1H5M``, ``P1DT2H``."""
    if isinstance(value, str) and _DURATION.match(value.strip()):
        return None
    return f"{value!r} is not an ISO 8601 duration (e.g. PT1H30M)"


def price_problem(value: object) -> str | None:
    """A number, or a string of digits with "." as decimal separator."""
    if isinstance(value, bool):
        return f"{value!r} is not a price"
    if isinstance(value, (int, float)):
        return None if value >= 0 else f"{value!r} is negative"
    if not isinstance(value, str):
        return f"{value!r} is not a price"
    text = value.strip()
    if _PRICE.match(text):
        return None
    if re.search(r"\d,\d{3}\b", text) and "." in text:
        return f"{value!r} has a thousands separator: write {re.sub(r'[^0-9.]', '', text)}"
    if re.fullmatch(r"\d+(?:\.\d+)?[eE][+-]?\d+", text, re.ASCII):  # 1e400 stays text
        return f"{value!r} is in exponent notation: write the plain number"
    if re.fullmatch(r"\d+,\d{1,2}", text):
        return f"{value!r} uses a comma as decimal separator: write {text.replace(',', '.')}"
    if re.search(r"\d", text) and re.search(r"[^\d.,\s]", text):
        return f"{value!r} contains more than a number (currency symbol, text or range)"
    return f"{value!r} is not a number"


def currency_problem(value: object, currencies: frozenset[str]) -> tuple[str, bool] | None:
    """(reason, serious) for a ``priceCurrency``/``currency`` that is not an ISO 4217 code.
    ``serious`` is False for a valid code in lower case (readable, but not the format)."""
    if not isinstance(value, str):
        return f"{value!r} is not an ISO 4217 currency code", True
    code = value.strip()
    if code in currencies:
        return None
    if code.upper() in currencies:
        return f"{value!r}: write ISO 4217 codes in upper case ({code.upper()})", False
    if code in ("$", "€", "£", "¥") or not code.isalpha():
        return f"{value!r} is a symbol, not an ISO 4217 code (e.g. USD, EUR)", True
    return f"{value!r} is not an ISO 4217 currency code", True


def url_problem(value: object) -> tuple[str, bool] | None:
    """(reason, serious) for a URL value that is not an absolute http(s) URL. ``serious``
    when it cannot resolve to the intended URL (a host without scheme, another scheme);
    a relative path resolves against the page, but not every consumer does that."""
    if not isinstance(value, str):
        return None  # a node (ImageObject...) or a number: not a URL string
    text = value.strip()
    lowered = text.lower()
    if lowered.startswith(("http://", "https://")):
        return None
    if lowered.startswith("www."):
        return f"{value!r} has no scheme: it resolves as a relative path", True
    scheme = re.match(r"^([a-z][a-z0-9+.-]*):", lowered)
    if scheme is not None:
        return f"{value!r} is a {scheme.group(1)}: URL, not http(s)", True
    if lowered.startswith("//"):
        return f"{value!r} is protocol-relative: write the scheme", False
    return f"{value!r} is relative: write the absolute URL", False


def _number(value: object) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        try:
            return Decimal(str(value))
        except InvalidOperation:
            return None
    if isinstance(value, str) and _PRICE.match(value.strip()):
        return Decimal(value.strip())
    return None


def rating_problem(value: object, best: object, worst: object) -> tuple[str, bool] | None:
    """(reason, serious) for a ``ratingValue`` that Google cannot read or that lies outside
    [worstRating, bestRating] (defaults 1 and 5). Google also reads "60%" and "6 / 10"."""
    if isinstance(value, str):
        text = value.strip()
        percent = _PERCENT.match(text)
        if percent:
            ok = Decimal(percent.group(1)) <= 100
            return None if ok else (f"{value!r} is above 100%", True)
        fraction = _FRACTION.match(text)
        if fraction:
            top, bottom = Decimal(fraction.group(1)), Decimal(fraction.group(2))
            return None if bottom > 0 and top <= bottom else (f"{value!r} is not a rating", True)
        if re.fullmatch(r"-?\d+,\d+", text):
            return f"{value!r} uses a comma as decimal separator", False
    number = _number(value)
    if number is None:
        return f"{value!r} is not a number", True
    high = _number(best) if best is not None else Decimal(5)
    low = _number(worst) if worst is not None else Decimal(1)
    if high is None or low is None:
        return f"bestRating {best!r} / worstRating {worst!r} are not numbers", True
    if not low <= number <= high:
        scale = "default scale 1-5" if best is None and worst is None else f"scale {low}-{high}"
        return f"{value!r} is outside the {scale}", True
    return None


def count_problem(value: object) -> str | None:
    """``ratingCount``/``reviewCount``: a whole number above zero."""
    number = _number(value)
    if number is None or number != number.to_integral_value():
        return f"{value!r} is not a whole number"
    if number <= 0:
        return f"{value!r} is not above zero"
    return None


def position(value: object) -> int | None:
    """A ``ListItem.position`` as an integer (``2`` or ``"2"``), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        return int(value.strip())  # not "²", a digit to str.isdigit but no number
    return None
