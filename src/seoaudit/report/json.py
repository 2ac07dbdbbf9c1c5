"""JSON report: the whole run (metadata, summary, ranked issues with their score inputs,
every finding, rule errors) in a versioned schema (``schema_version``)."""

from __future__ import annotations

from typing import TextIO

from seoaudit.models import Report


def write(report: Report, out: TextIO) -> None:
    out.write(report.model_dump_json(indent=2))
    out.write("\n")
