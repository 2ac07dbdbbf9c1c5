"""Ticket bodies in the three markups trackers read: Markdown (GitHub, GitLab), Jira wiki
markup (Jira's CSV import), and HTML (Azure DevOps' rich-text fields).

Rule documentation is prose: its `code` spans become the markup's code, and characters
the markup would interpret are escaped. Crawled data (URLs, evidence, messages, commands
with URLs in them) only ever goes into code spans or code blocks, with the markup's
terminators removed or out-fenced, so a page cannot inject links, mentions or HTML.
Every body is cut to the tracker's limit with a note that the attached CSV is complete.
"""

from __future__ import annotations

import html
import re

from seoaudit.tickets.model import Ticket

_CODE_SPAN = re.compile(r"`([^`]+)`")
TRUNCATED = "(cut to the tracker's size limit: the attached CSV has every URL)"


def _cut(body: str, limit: int) -> str:
    if len(body) <= limit:
        return body
    return body[: limit - len(TRUNCATED) - 2].rstrip() + "\n\n" + TRUNCATED


def _one_line(text: str) -> str:
    return " ".join(text.split())


# -- Markdown ---------------------------------------------------------------------------


def md_code(text: str) -> str:
    """An inline code span that holds any text (backticks out-fenced)."""
    text = _one_line(text)
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or longest else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def md_block(lines: list[str], lang: str = "text") -> str:
    body = "\n".join(lines)
    longest = max((len(run) for run in re.findall(r"`{3,}|~{3,}", body)), default=2)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{lang}\n{body}\n{fence}"


def md_prose(text: str) -> str:
    """Trusted prose: `code` kept, HTML-significant characters escaped elsewhere."""
    out: list[str] = []
    pos = 0
    for match in _CODE_SPAN.finditer(text):
        out.append(html.escape(text[pos : match.start()], quote=False))
        out.append(md_code(match.group(1)))
        pos = match.end()
    out.append(html.escape(text[pos:], quote=False))
    return "".join(out)


def markdown(ticket: Ticket, limit: int) -> str:
    issue = ticket.issue
    parts = [
        f"**Priority {issue.priority}** · owner hint: {ticket.owner} · rule "
        f"{md_code(issue.rule)} · {issue.count} URL{'s' if issue.count != 1 else ''} · "
        f"id {md_code(ticket.id)}",
        "### What is wrong",
        md_prose(ticket.what),
        "### Why it matters",
        md_prose(ticket.why),
        "\n".join(f"- {md_prose(line)}" for line in ticket.impact),
        f"### Affected URLs ({issue.count})",
        "\n".join(f"- {md_code(url)}" for url in ticket.sample),
        f"Full list: {md_code(ticket.urls_file)} (attach it to this ticket).",
        "### Evidence",
        md_block([f"{k}: {v}" for k, v in ticket.evidence] or ["(none recorded)"]),
    ]
    if ticket.messages:
        parts.append(md_block([f"{url}\n  {message}" for url, message in ticket.messages]))
    parts += [
        "### How to fix",
        md_prose(ticket.fix),
        "### Acceptance criteria",
        "\n".join(f"- [ ] {md_prose(line)}" for line in ticket.acceptance),
        "### Verify",
        md_block(ticket.verify, "sh"),
    ]
    if ticket.glossary:
        parts.append(
            "Terms: "
            + ", ".join(
                f"{title} ({md_code('seoaudit explain ' + key)})" for key, title in ticket.glossary
            )
        )
    if ticket.source:
        parts += ["### Source", md_prose(ticket.source)]
    parts.append(f"seoaudit-id: {md_code(ticket.id)}")
    return _cut("\n\n".join(p for p in parts if p), limit)


# -- Jira wiki markup -------------------------------------------------------------------

_JIRA_SPECIAL = re.compile(r"([{}\[\]|*_+^~?#!-])")


_JIRA_BLOCK = re.compile(r"\{(noformat|code)[^}]*\}", re.IGNORECASE)


def _jira_data(text: str) -> str:
    """Crawled text for a {noformat} block: no {noformat} or {code} tag can end it, also
    none that removing one would join ("{no{noformat}format}"). Each pass shortens it."""
    while (cleaned := _JIRA_BLOCK.sub("", text)) != text:
        text = cleaned
    return text


def jira_prose(text: str) -> str:
    out: list[str] = []
    pos = 0
    for match in _CODE_SPAN.finditer(text):
        out.append(_JIRA_SPECIAL.sub(r"\\\1", text[pos : match.start()]))
        out.append("{{" + _JIRA_SPECIAL.sub(r"\\\1", match.group(1)) + "}}")
        pos = match.end()
    out.append(_JIRA_SPECIAL.sub(r"\\\1", text[pos:]))
    return "".join(out)


def _noformat(lines: list[str]) -> str:
    return "{noformat}\n" + "\n".join(_jira_data(line) for line in lines) + "\n{noformat}"


def jira(ticket: Ticket, limit: int) -> str:
    issue = ticket.issue
    parts = [
        f"*Priority {issue.priority}* · owner hint: {jira_prose(ticket.owner)} · rule "
        f"{issue.rule} · {issue.count} URL{'s' if issue.count != 1 else ''} · id {ticket.id}",
        "h3. What is wrong",
        jira_prose(ticket.what),
        "h3. Why it matters",
        jira_prose(ticket.why),
        "\n".join(f"* {jira_prose(line)}" for line in ticket.impact),
        f"h3. Affected URLs ({issue.count})",
        _noformat(ticket.sample),
        f"Full list: {{{{{ticket.urls_file}}}}} (attach it to this ticket).",
        "h3. Evidence",
        _noformat([f"{k}: {v}" for k, v in ticket.evidence] or ["(none recorded)"]),
    ]
    if ticket.messages:
        parts.append(_noformat([f"{url} -- {message}" for url, message in ticket.messages]))
    parts += [
        "h3. How to fix",
        jira_prose(ticket.fix),
        "h3. Acceptance criteria",
        "\n".join(f"* {jira_prose(line)}" for line in ticket.acceptance),
        "h3. Verify",
        _noformat(ticket.verify),
    ]
    if ticket.glossary:
        parts.append(
            "Terms: "
            + ", ".join(
                f"{title} ({{{{seoaudit explain {key}}}}})" for key, title in ticket.glossary
            )
        )
    if ticket.source:
        parts += ["h3. Source", jira_prose(ticket.source)]
    return _cut("\n\n".join(p for p in parts if p), limit)


# -- HTML -------------------------------------------------------------------------------


def html_prose(text: str) -> str:
    out: list[str] = []
    pos = 0
    for match in _CODE_SPAN.finditer(text):
        out.append(html.escape(text[pos : match.start()]))
        out.append(f"<code>{html.escape(match.group(1))}</code>")
        pos = match.end()
    out.append(html.escape(text[pos:]))
    return "".join(out).replace("\n\n", "<br><br>")


def _pre(lines: list[str]) -> str:
    return "<pre>" + html.escape("\n".join(lines)) + "</pre>"


def html_body(ticket: Ticket, limit: int) -> str:
    issue = ticket.issue
    esc = html.escape
    items = "".join(f"<li><code>{esc(url)}</code></li>" for url in ticket.sample)
    parts = [
        f"<p><b>Priority {esc(issue.priority)}</b> · owner hint: {esc(ticket.owner)} · rule "
        f"{esc(issue.rule)} · {issue.count} URL{'s' if issue.count != 1 else ''} · "
        f"id {esc(ticket.id)}</p>",
        "<h3>What is wrong</h3>",
        f"<p>{html_prose(ticket.what)}</p>",
        "<h3>Why it matters</h3>",
        f"<p>{html_prose(ticket.why)}</p>",
        "<ul>" + "".join(f"<li>{html_prose(line)}</li>" for line in ticket.impact) + "</ul>",
        f"<h3>Affected URLs ({issue.count})</h3>",
        f"<ul>{items}</ul>",
        f"<p>Full list: <code>{esc(ticket.urls_file)}</code> (attach it to this work item).</p>",
        "<h3>Evidence</h3>",
        _pre([f"{k}: {v}" for k, v in ticket.evidence] or ["(none recorded)"]),
    ]
    if ticket.messages:
        parts.append(_pre([f"{url} -- {message}" for url, message in ticket.messages]))
    parts += [
        "<h3>How to fix</h3>",
        f"<p>{html_prose(ticket.fix)}</p>",
        "<h3>Acceptance criteria</h3>",
        "<ul>" + "".join(f"<li>{html_prose(line)}</li>" for line in ticket.acceptance) + "</ul>",
        "<h3>Verify</h3>",
        _pre(ticket.verify),
    ]
    if ticket.glossary:
        terms = ", ".join(
            f"{esc(title)} (<code>seoaudit explain {esc(key)}</code>)"
            for key, title in ticket.glossary
        )
        parts.append(f"<p>Terms: {terms}</p>")
    if ticket.source:
        parts += ["<h3>Source</h3>", f"<p>{html_prose(ticket.source)}</p>"]
    body = "".join(parts)
    if len(body) <= limit:
        return body
    return body[: limit - 200].rsplit("<", 1)[0] + f"<p>{esc(TRUNCATED)}</p>"
