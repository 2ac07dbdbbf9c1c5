"""Rule documentation as data: the sections of a rule's docstring, and its "How to
verify" commands filled in for one issue. Shared by tickets and the HTML report."""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

SECTIONS = ("What it does", "Why it matters", "How to fix", "How to verify", "Source")
_PLACEHOLDER = re.compile(r"'?<([A-Za-z][A-Za-z0-9 _-]{0,30})>'?")
_CODE_SPAN = re.compile(r"`([^`]+)`")
COMMAND_PREFIXES = ("curl ", "seoaudit ", "dig ", "openssl ")


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


def _placeholders(sample: str, evidence: Mapping[str, Any]) -> dict[str, str]:
    parts = urlsplit(sample)
    values = {
        "url": sample,
        "origin": f"{parts.scheme}://{parts.netloc}",
        "host": parts.netloc,
    }
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


def fill_command(command: str, sample: str, evidence: Mapping[str, Any]) -> str:
    """A "How to verify" command with its placeholders (<url>, <origin>, <target>...)
    replaced by shell-quoted values of this issue; unknown placeholders stay for the
    developer to fill in."""
    values = _placeholders(sample, evidence)

    def replace(match: re.Match[str]) -> str:
        name = match.group(1).lower().replace("_", "-").replace(" ", "-")
        value = values.get(name)
        if value is None:
            return match.group(0)
        quoted = match.group(0).startswith("'") and match.group(0).endswith("'")
        if not quoted and name == "origin":
            # "<origin>/robots.txt": the path stays outside; origins are URL-safe.
            return value
        return shlex.quote(value)

    return _PLACEHOLDER.sub(replace, command)


def verify_commands(text: str, sample: str, evidence: Mapping[str, Any]) -> list[str]:
    """The shell commands (`curl ...`, `seoaudit ...`) of a "How to verify" section, with
    this issue's values filled in."""
    return [
        fill_command(span, sample, evidence)
        for span in _CODE_SPAN.findall(text)
        if span.startswith(COMMAND_PREFIXES)
    ]


def paragraphs(text: str) -> list[str]:
    """Paragraphs of a section, line breaks inside a paragraph removed."""
    return [" ".join(p.split()) for p in re.split(r"\n\s*\n", text) if p.strip()]
