"""Rule documentation as data: the sections of a rule's docstring, and its "How to
verify" commands filled in for one issue. Shared by tickets and the HTML report."""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from seoaudit.config import CrawlSettings
from seoaudit.models import IDENTITY_BY_RULE, Issue, RunInfo

DEFAULT_MAX_PAGES = CrawlSettings.model_fields["max_pages"].default

SECTIONS = ("What it does", "Why it matters", "How to fix", "How to verify", "Source")
_PLACEHOLDER = re.compile(r"<([A-Za-z][A-Za-z0-9 _-]{0,30})>")
_CODE_SPAN = re.compile(r"`([^`]+)`")
# A loop over several URLs (``for s in ...; do curl ...; done``) counts as one command.
COMMAND_PREFIXES = ("curl ", "seoaudit ", "dig ", "openssl ", "for ")


def doc_sections(doc: str) -> dict[str, str]:
    """The "## Heading" sections of a rule docstring, by heading."""
    sections: dict[str, str] = {}
    current: str | None = None
    lines: list[str] = []
    for line in doc.splitlines():
        if line.startswith("## "):
            if current is not None:
                sections[current] = "\n".join(lines).strip()
            current, lines = line[3:].strip(), []
        elif current is not None:
            lines.append(line)
    if current is not None:
        sections[current] = "\n".join(lines).strip()
    return sections


def shown_evidence(evidence: Mapping[str, Any], limit: int) -> list[tuple[str, Any]]:
    """The evidence fields worth showing, at most ``limit``: empty values (None, "", [],
    {}) are left out, unless all are empty: then the emptiness is the evidence (a page
    with no meta description has ``meta_descriptions: []``) and each shows as "none"."""
    shown = [(k, _readable(k, v)) for k, v in evidence.items() if v not in (None, "", [], {})]
    if not shown:
        shown = [(k, "none") for k in evidence]
    return shown[:limit]


_ITEM_KEY = re.compile(r"(\d+):\$\.?(.*)")  # structured/graph.py Node.key without an @id


def _readable(key: str, value: Any) -> Any:
    """A structured-data item named by its internal key (``0:$``, block and JSON path) as
    a reader finds it in the page: "JSON-LD block 1, top level"; an ``@id`` is kept."""
    if key == "item" and isinstance(value, str) and (match := _ITEM_KEY.fullmatch(value)):
        where = f"at {match.group(2)}" if match.group(2) else "top level"
        return f"block {int(match.group(1)) + 1}, {where}"
    return value


def _placeholders(
    sample: str,
    evidence: Mapping[str, Any],
    start_url: str | None = None,
    crawler: str | None = None,
) -> dict[str, str]:
    parts = urlsplit(sample)
    values = {
        "url": sample,
        "origin": f"{parts.scheme}://{parts.netloc}",
        "host": parts.netloc,
        # the robots.txt token the run audited as (`--as`): `seoaudit robots <url> --as
        # <audited crawler>` checks what the finding says, not Googlebot's verdict
        "audited-crawler": crawler or "googlebot",
    }
    if start_url is not None:  # the run's first start URL: `seoaudit audit <start URL>`
        values["start-url"] = start_url
    for key, value in evidence.items():
        if isinstance(value, str) and value.startswith(("http://", "https://")):
            values[key.lower().replace("_", "-")] = value
        elif (
            isinstance(value, list)
            and value
            and isinstance(value[0], str)
            and value[0].startswith(("http://", "https://"))
        ):
            values[key.lower().replace("_", "-").rstrip("s")] = value[0]
    return values


def _lists(evidence: Mapping[str, Any]) -> dict[str, list[str]]:
    """Plural placeholders (``<sitemaps>``): every URL of an evidence list, for a loop."""
    return {
        key.lower().replace("_", "-"): [v for v in value if isinstance(v, str)]
        for key, value in evidence.items()
        if isinstance(value, list)
        and value
        and all(isinstance(v, str) and v.startswith(("http://", "https://")) for v in value)
    }


def fill_command(
    command: str,
    sample: str,
    evidence: Mapping[str, Any],
    start_url: str | None = None,
    crawler: str | None = None,
) -> str:
    """A "How to verify" command with its placeholders (<url>, <origin>, <target>...)
    replaced by values of this issue, safe for a shell wherever they stand; unknown
    placeholders stay for the developer to fill in.

    The values come from crawled pages (a URL may hold ``$(...)``, quotes or ``&``), so
    each is shell-quoted as a word of its own: inside a quoted string of the command
    (``grep -c '<loc><url></loc>'``) the string is closed before the value and reopened
    after it, so the value stays literal and the pattern around it unchanged."""
    values = _placeholders(sample, evidence, start_url, crawler)
    lists = _lists(evidence)
    out: list[str] = []
    quote = ""  # the quote character the command is inside at this point, if any
    done = 0
    for match in _PLACEHOLDER.finditer(command):
        start, end = match.span()
        outside = quote
        quote = _quote_after(command[done:start], quote)
        name = match.group(1).lower().replace("_", "-").replace(" ", "-")
        value = values.get(name)
        # opened right before the placeholder: '<url>' (not "'a'<url>", nor a's'<url>)
        opened = start > done and command[start - 1] == quote
        if opened:
            opened = not _quote_after(command[done : start - 1], outside)
        if value is None and name in lists and not quote:  # several words: a loop's list
            out += [command[done:start], " ".join(shlex.quote(v) for v in lists[name])]
        elif value is None:
            out.append(command[done:end])
            quote = _quote_after(match.group(0), quote)
        elif opened and command[end : end + 1] == quote:
            # the whole quoted string: '<url>' -> the value quoted once
            out += [command[done : start - 1], shlex.quote(value)]
            end, quote = end + 1, ""
        elif quote:
            out += [command[done:start], f"{quote}{shlex.quote(value)}{quote}"]
        elif match.group(1).lower() == "origin":
            out += [command[done:start], value]  # "<origin>/robots.txt": URL-safe
        else:
            out += [command[done:start], shlex.quote(value)]
        done = end
    out.append(command[done:])
    return "".join(out)


def _quote_after(text: str, quote: str) -> str:
    """The quote character open after ``text`` (POSIX shell), starting inside ``quote``."""
    escaped = False
    for char in text:
        if escaped:
            escaped = False
        elif char == "\\" and quote != "'":
            escaped = True
        elif quote and char == quote:
            quote = ""
        elif not quote and char in "'\"":
            quote = char
    return quote


# Rules whose issue id names something a fix changes, besides the group naming rules
# (``IDENTITY_BY_RULE``): a duplicate-content group is named by the text it shares, so
# editing that text renames the group, fixed or not.
RENAMED_BY_A_FIX = frozenset({"DUP001", "DUP002"})


def audit_command(
    start_url: str | None,
    rule: str,
    issue_id: str | None = None,
    settings: Mapping[str, Any] | None = None,
) -> str:
    """The command that audits the site again for one rule: the last check of a ticket or
    an issue in the HTML report (the start URL shell-quoted; a placeholder without one).
    It exits 0 exactly when the rule finds nothing, wherever it is run: ``--isolated``
    leaves out any config file (a CI folder's budgets and KPIs would judge other things)
    and ``--no-baseline`` its committed baseline (which accepts the very finding, so the
    unfixed problem would pass as "nothing new"). ``settings``, the run's stored
    settings, give its scope flags (``scope_flags``): the check audits what the run did.

    With ``issue_id``, only that issue is judged (``--issue``): a rule with three issues
    has three tickets, and fixing one must pass its check while the other two remain.
    Not for the rules whose issue id a member or a fix renames (``IDENTITY_BY_RULE``,
    ``RENAMED_BY_A_FIX``): a renamed issue would pass unfixed."""
    start = shlex.quote(start_url) if start_url is not None else "<start-url>"
    scope = scope_flags(settings)
    if issue_id is not None and rule not in IDENTITY_BY_RULE and rule not in RENAMED_BY_A_FIX:
        scope += f" --issue seoaudit-{issue_id}"
    flags = "--isolated --no-baseline --fail-on notice -q"
    return f"seoaudit audit {start} --select {rule}{scope} {flags}"


def scope_flags(settings: Mapping[str, Any] | None) -> str:
    """The flags that give a new audit the scope of a stored run (its ``settings``): the
    robots.txt token it audited as, its include and exclude patterns, page and depth
    limits, robots.txt ignored, sitemaps not read. Empty for a run with the defaults."""
    crawl = (settings or {}).get("crawl")
    if not isinstance(crawl, Mapping):
        return ""
    flags: list[str] = []
    crawler = crawl.get("crawler")
    if isinstance(crawler, str) and crawler.strip().lower() not in ("", "googlebot"):
        flags += ["--as", shlex.quote(crawler)]
    for name in ("include", "exclude"):
        values = crawl.get(name)
        for pattern in values if isinstance(values, list) else []:
            flags += [f"--{name}", shlex.quote(str(pattern))]
    max_pages = crawl.get("max_pages")
    if isinstance(max_pages, int) and max_pages != DEFAULT_MAX_PAGES:
        flags += ["--max-pages", str(max_pages)]
    if isinstance(crawl.get("max_depth"), int):
        flags += ["--max-depth", str(crawl["max_depth"])]
    if crawl.get("ignore_robots") is True:
        flags.append("--ignore-robots")
    if crawl.get("sitemaps") is False:
        flags.append("--no-sitemaps")
    return "".join(f" {flag}" for flag in flags)


def issue_checks(issue: Issue, run: RunInfo, text: str) -> tuple[list[str], str]:
    """What a ticket and the HTML report give to verify ``issue`` of ``run``: the commands
    of its rule's "How to verify" ``text``, filled with the issue's values (as the run
    audited: its first start URL, its crawler), and the audit command that closes it
    (``audit_command``, with the run's scope)."""
    sample = issue.sample_urls[0] if issue.sample_urls else ""
    first = run.start_urls[0] if run.start_urls else None
    commands = verify_commands(text, sample, issue.evidence, first, run.crawler_token)
    return commands, audit_command(first, issue.rule, issue.id, run.settings)


def verify_commands(
    text: str,
    sample: str,
    evidence: Mapping[str, Any],
    start_url: str | None = None,
    crawler: str | None = None,
) -> list[str]:
    """The shell commands (`curl ...`, `seoaudit ...`) of a "How to verify" section, with
    this issue's values filled in. A command left with a placeholder no value fills
    (`seoaudit robots <resource URL>`) gives way to the issue's own command of the same
    program when its evidence has one (``verify``, quoted by the rule)."""
    own = evidence.get("verify")
    commands = []
    for span in _CODE_SPAN.findall(text):
        if not span.startswith(COMMAND_PREFIXES):
            continue
        command = fill_command(span, sample, evidence, start_url, crawler)
        if (
            isinstance(own, str)
            and own.split(" ", 1)[0] == command.split(" ", 1)[0]
            and _unfilled(command)
        ):
            command, own = own, None  # once
        commands.append(command)
    return commands


def _unfilled(command: str) -> bool:
    """Whether ``command`` still holds a placeholder outside quotes (``<file URL>``; not
    ``'<title>[^<]*'``, a pattern)."""
    quote, done = "", 0
    for match in _PLACEHOLDER.finditer(command):
        quote = _quote_after(command[done : match.start()], quote)
        if not quote:
            return True
        quote = _quote_after(match.group(0), quote)
        done = match.end()
    return False


def paragraphs(text: str) -> list[str]:
    """Paragraphs of a section, line breaks inside a paragraph removed."""
    return [" ".join(p.split()) for p in re.split(r"\n\s*\n", text) if p.strip()]
