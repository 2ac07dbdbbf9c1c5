"""JSON report: the whole run (metadata, summary, ranked issues with their score inputs,
every finding, rule errors) in a versioned schema (``schema_version``).

Findings are written one per line, last, instead of as part of one big string: a large
site has hundreds of thousands of them, and the report must not need them twice in memory.
"""

from __future__ import annotations

import json
from typing import TextIO

from seoaudit.models import Report


def write(report: Report, out: TextIO) -> None:
    head = json.dumps(
        report.model_dump(mode="json", exclude={"findings"}), indent=2, ensure_ascii=False
    )
    out.write(head[: head.rfind("}")].rstrip())  # the object, still open
    out.write(',\n  "findings": [')
    for i, finding in enumerate(report.findings):
        out.write("\n    " if i == 0 else ",\n    ")
        out.write(finding.model_dump_json())
    out.write("\n  ]\n}\n" if report.findings else "]\n}\n")
