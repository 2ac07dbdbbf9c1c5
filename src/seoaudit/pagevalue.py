"""The user's own page value: a CSV of URL -> clicks, impressions, sessions or revenue.

Reads what people actually have: a Google Search Console "Pages" export as downloaded
(UTF-8 with a byte-order mark, headers translated into the account's language, "3.33%"
CTR strings), an analytics or shop export (";" separated with decimal commas), or a
hand-made two-column file. The URL column is recognised by its header or, failing that,
as the column whose values look like URLs; the value column by ``metric`` (a header name)
or the first of revenue, clicks, sessions, impressions found, else the first numeric column.

A URL missing from the file is *unknown*, not worth zero: impact.py keeps the crawl's
estimate for it. A URL listed with 0 is a known zero.

Owns: parsing (``load``) and keeping the data with a run (``attach``/``attached``, in the
run store's meta table) so reports and tickets written later use it too. Must not score:
impact.py blends it with the crawl's page value.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from seoaudit.crawl.urls import normalize

if TYPE_CHECKING:
    from seoaudit.store import Store

META_KEY = "user_page_values"
MAX_FILE_BYTES = 200 * 1024 * 1024  # a GSC export holds at most 1,000 rows; analytics more
MAX_ROWS = 2_000_000

# Header names, lower-cased, in the languages Search Console and common tools export.
_URL_HEADERS = frozenset(
    {
        "url",
        "urls",
        "page",
        "pages",
        "address",
        "landing page",
        "page path",
        "top pages",
        "häufigste seiten",
        "seite",
        "seiten",
        "pages les plus populaires",
        "pages principales",
        "páginas principales",
        "página",
        "páginas principais",
        "pagine principali",
        "pagina",
        "populairste pagina's",
        "najpopularniejsze strony",
        "strona",
        "上位のページ",
        "ページ",
        "热门网页",
        "인기 페이지",
    }
)
# Metric synonyms -> canonical metric name, in order of preference as a page value.
_METRICS: dict[str, tuple[str, ...]] = {
    "revenue": ("revenue", "umsatz", "revenu", "chiffre d'affaires", "ingresos", "ricavi"),
    "clicks": (
        "clicks",
        "klicks",
        "clics",
        "clic",
        "clicchi",
        "klikken",
        "cliques",
        "kliknięcia",
        "クリック数",
        "点击次数",
        "클릭수",
    ),
    "sessions": ("sessions", "sitzungen", "sesiones", "sessioni", "sessões", "visits"),
    "impressions": (
        "impressions",
        "impressionen",
        "impresiones",
        "impressioni",
        "vertoningen",
        "impressões",
        "wyświetlenia",
        "表示回数",
        "展示次数",
        "노출수",
    ),
}
_NUMBER_JUNK = re.compile(r"[\s\u00a0\u202f'’$€£¥%]")


class PageValueError(ValueError):
    """The file cannot be read as URL -> value (the message says why)."""


@dataclass
class UserValues:
    source: str  # file name, for the score inputs
    metric: str  # canonical metric ("clicks") or the header as written
    values: dict[str, float] = field(default_factory=dict)  # normalised URL -> value
    rows: int = 0
    skipped: int = 0  # rows without a usable URL or number

    def to_meta(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "metric": self.metric,
            "values": self.values,
            "rows": self.rows,
            "skipped": self.skipped,
        }

    @classmethod
    def from_meta(cls, data: dict[str, Any]) -> UserValues:
        return cls(
            source=str(data.get("source", "")),
            metric=str(data.get("metric", "value")),
            values={str(k): float(v) for k, v in dict(data.get("values", {})).items()},
            rows=int(data.get("rows", 0)),
            skipped=int(data.get("skipped", 0)),
        )


def _decode(raw: bytes) -> str:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16")  # Excel "Unicode text" exports
    try:
        return raw.decode("utf-8-sig")  # strips the BOM Search Console writes
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def _dialect(text: str) -> str:
    first = text.split("\n", 1)[0]
    counts = {d: first.count(d) for d in ("\t", ";", ",")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _header_key(name: str) -> str:
    return " ".join(name.strip().strip('"').lower().split())


def _metric_of(header: str) -> str | None:
    key = _header_key(header)
    for metric, names in _METRICS.items():
        if key in names:
            return metric
    return None


def parse_number(text: str, decimal: str = ".") -> float | None:
    """A number as exports write it: "1234", "1,234", "1.234,5" (decimal=","), "3.33%"
    (0.0333), "€ 12.50". None when it is not a number."""
    value = text.strip()
    if not value:
        return None
    percent = value.endswith("%")
    value = _NUMBER_JUNK.sub("", value)
    thousands = "," if decimal == "." else "."
    value = value.replace(thousands, "").replace(decimal, ".")
    try:
        number = float(value)
    except ValueError:
        return None
    if number != number or number in (float("inf"), float("-inf")):
        return None
    return number / 100 if percent else number


def _decimal_mark(values: list[str], default: str) -> str:
    """ "," when the column writes decimals with a comma (1.234,56 or 12,5), "." when it
    writes them with a point (3.33); else ``default`` ("," for ";"-separated files, the
    convention of the locales that write decimal commas)."""
    for value in values:
        text = _NUMBER_JUNK.sub("", value)
        if "," in text and "." in text:
            return "," if text.rfind(",") > text.rfind(".") else "."
        if re.fullmatch(r"-?\d+,(\d{1,2}|\d{4,})", text):
            return ","
        if re.fullmatch(r"-?\d+\.(\d{1,2}|\d{4,})", text):
            return "."
    return default


def _looks_like_url(value: str) -> bool:
    value = value.strip()
    return value.startswith(("http://", "https://", "/"))


def load(path: Path, *, base_url: str | None = None, metric: str | None = None) -> UserValues:
    """Read ``path``; relative URLs ("/p/1") are resolved against ``base_url``."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise PageValueError(f"{path} is larger than {MAX_FILE_BYTES // 1024 // 1024} MB")
        text = _decode(path.read_bytes())
    except OSError as exc:
        raise PageValueError(f"cannot read {path}: {exc.strerror or exc}") from None
    delimiter = _dialect(text)
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))[: MAX_ROWS + 1]
    rows = [r for r in rows if any(cell.strip() for cell in r)]
    if len(rows) < 2:
        raise PageValueError(f"{path} has no data rows")
    header, data = rows[0], rows[1:]
    url_col = _url_column(header, data)
    if url_col is None:
        raise PageValueError(f"{path}: no column of URLs (headers: {', '.join(header)})")
    value_col, name = _value_column(header, data, url_col, metric)
    if value_col is None:
        wanted = f"column {metric!r}" if metric else "numeric column"
        raise PageValueError(f"{path}: no {wanted} (headers: {', '.join(header)})")
    column = [r[value_col] for r in data if len(r) > value_col][:500]
    decimal = _decimal_mark(column, "," if delimiter == ";" else ".")
    result = UserValues(source=path.name, metric=name)
    for row in data:
        result.rows += 1
        if len(row) <= max(url_col, value_col):
            result.skipped += 1
            continue
        url = _url(row[url_col], base_url)
        number = parse_number(row[value_col], decimal)
        if url is None or number is None:
            result.skipped += 1
            continue
        result.values[url] = result.values.get(url, 0.0) + max(number, 0.0)
    if not result.values:
        raise PageValueError(f"{path}: no row has both a URL and a number")
    return result


def _url(raw: str, base_url: str | None) -> str | None:
    value = raw.strip()
    if value.startswith("/") and base_url:
        value = base_url.rstrip("/") + value
    return normalize(value) if value.startswith(("http://", "https://")) else None


def _url_column(header: list[str], data: list[list[str]]) -> int | None:
    for i, name in enumerate(header):
        if _header_key(name) in _URL_HEADERS:
            return i
    sample = data[:50]
    best, best_hits = None, 0
    for i in range(len(header)):
        hits = sum(1 for r in sample if len(r) > i and _looks_like_url(r[i]))
        if hits > best_hits:
            best, best_hits = i, hits
    return best if best_hits * 2 >= len(sample) else None


def _value_column(
    header: list[str], data: list[list[str]], url_col: int, metric: str | None
) -> tuple[int | None, str]:
    if metric:
        wanted = _header_key(metric)
        for i, name in enumerate(header):
            if _header_key(name) == wanted or _metric_of(name) == wanted:
                return i, _metric_of(name) or name.strip()
        return None, metric
    found = {_metric_of(name): i for i, name in reversed(list(enumerate(header)))}
    for preferred in _METRICS:
        if preferred in found:
            return found[preferred], preferred
    sample = data[:50]
    for i, name in enumerate(header):
        if i == url_col:
            continue
        numbers = [parse_number(r[i]) for r in sample if len(r) > i and r[i].strip()]
        if numbers and all(n is not None for n in numbers):
            return i, name.strip() or "value"
    return None, "value"


def attach(store: Store, values: UserValues) -> None:
    """Keep ``values`` with the run, so every report written from it uses them."""
    store.set_meta(META_KEY, values.to_meta())


def attached(store: Store) -> UserValues | None:
    data = store.get_meta(META_KEY)
    return UserValues.from_meta(data) if isinstance(data, dict) else None
