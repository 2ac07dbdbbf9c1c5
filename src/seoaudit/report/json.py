"""JSON report: the whole run (metadata, summary, ranked issues with their score inputs,
every finding, rule errors) in a versioned schema (``schema_version``).

The report is written as a stream, never built as one string: a large site has hundreds
of thousands of findings, a row per page and a baseline status per finding, and none of
them may need to be in memory twice. Lists and mappings of the top two levels are written
item by item (an item indented as ``json.dumps(indent=2)`` would); findings go one per
line, last.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, TextIO

from pydantic import BaseModel
from pydantic_core import to_jsonable_python

from seoaudit.models import Report

_STREAMED_LEVELS = 2  # report -> field (summary, gate...) -> its lists and mappings


def write(report: Report, out: TextIO) -> None:
    out.write("{")
    for name in Report.model_fields:
        if name == "findings":
            continue
        out.write(f"\n  {json.dumps(name)}: ")
        _write_value(out, getattr(report, name), 1)
        out.write(",")
    out.write('\n  "findings": [')
    first = True
    for finding in report.findings:
        out.write("\n    " if first else ",\n    ")
        out.write(finding.model_dump_json())
        first = False
    out.write("]\n}\n" if first else "\n  ]\n}\n")


def _write_value(out: TextIO, value: Any, level: int) -> None:
    """``value`` as ``json.dumps(value, indent=2)`` nested ``level`` deep would write it,
    one item at a time where it is a list or mapping within the streamed levels."""
    if isinstance(value, BaseModel) and level < _STREAMED_LEVELS:
        value = value.model_dump(mode="json")
    pad = "\n" + "  " * (level + 1)
    listed = isinstance(value, Sequence) and not isinstance(value, str | bytes)
    if level <= _STREAMED_LEVELS and listed:
        if not value:
            out.write("[]")
            return
        out.write("[")
        for i, item in enumerate(value):
            out.write(pad if i == 0 else "," + pad)
            _write_value(out, item, level + 1)
        out.write("\n" + "  " * level + "]")
    elif level <= _STREAMED_LEVELS and isinstance(value, dict) and value:
        out.write("{")
        for i, (key, item) in enumerate(value.items()):
            out.write(pad if i == 0 else "," + pad)
            out.write(json.dumps(str(key), ensure_ascii=False) + ": ")
            _write_value(out, item, level + 1)
        out.write("\n" + "  " * level + "}")
    else:
        if isinstance(value, BaseModel):
            value = value.model_dump(mode="json")
        text = json.dumps(to_jsonable_python(value), indent=2, ensure_ascii=False)
        out.write(text.replace("\n", "\n" + "  " * level))  # JSON strings hold no raw \n
