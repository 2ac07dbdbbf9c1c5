"""JUnit XML: one test case per check of the gate (the severity gate, each budget, each
KPI), so a CI system shows budgets as tests. A failed error-level check is a <failure> whose
text lists the top URLs; a failed warn-level check passes with a WARN line in its output; a
KPI with nothing to measure is <skipped>; an inconclusive run adds an <error> test case.

Text from crawled pages is stripped of characters XML 1.0 cannot carry, then escaped by
ElementTree. No clock: the same report gives the same bytes.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import TextIO

from seoaudit.gate import Check
from seoaudit.models import Report
from seoaudit.report.ci_view import site_label, view

# Characters XML 1.0 does not allow (https://www.w3.org/TR/xml/#charsets).
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _xml(text: str) -> str:
    return _INVALID_XML.sub("?", text)


def _case(suite: ET.Element, check: Check) -> tuple[int, int]:
    """Adds the test case; returns (failures, skipped)."""
    case = ET.SubElement(
        suite, "testcase", classname=f"seoaudit.{check.kind}", name=_xml(check.name)
    )
    details = "\n".join(_xml(line) for line in check.top)
    if check.status == "skipped":
        ET.SubElement(case, "skipped", message=_xml(check.measured))
        return 0, 1
    if check.status == "fail" and check.level == "error":
        failure = ET.SubElement(case, "failure", message=_xml(check.measured), type=check.kind)
        failure.text = _xml(check.measured) + ("\n" + details if details else "")
        return 1, 0
    out = ET.SubElement(case, "system-out")
    prefix = "WARN (level warn, does not fail the run): " if check.status == "fail" else ""
    out.text = prefix + _xml(check.measured) + ("\n" + details if details and prefix else "")
    return 0, 0


def write(report: Report, out: TextIO) -> None:
    ci = view(report)
    gate = ci.gate
    root = ET.Element("testsuites", name="seoaudit")
    suite = ET.SubElement(root, "testsuite", name=_xml(f"seoaudit {site_label(report)}"))
    props = ET.SubElement(suite, "properties")
    for name, value in (
        ("run_id", report.run.run_id),
        ("verdict", ci.verdict),
        ("tool_version", report.run.tool_version),
        ("config_hash", report.run.config_hash),
    ):
        ET.SubElement(props, "property", name=name, value=_xml(value))
    if gate.warnings:  # what the verdict covers, or what the gate could not check
        ET.SubElement(props, "property", name="notes", value=_xml(" ".join(gate.warnings)))
    tests = failures = errors = skipped = 0
    if gate.verdict == "inconclusive":
        case = ET.SubElement(suite, "testcase", classname="seoaudit.run", name="run is conclusive")
        reason = "; ".join(gate.reasons) or "the run cannot be judged"
        error = ET.SubElement(case, "error", message=_xml(reason), type="inconclusive")
        error.text = _xml(reason)
        tests, errors = 1, 1
    for check in gate.checks:
        failed, skip = _case(suite, check)
        tests += 1
        failures += failed
        skipped += skip
    counts = {"tests": tests, "failures": failures, "errors": errors, "skipped": skipped}
    for element in (root, suite):
        for key, count in counts.items():
            element.set(key, str(count))
    ET.indent(root)
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    out.write(ET.tostring(root, encoding="unicode"))
    out.write("\n")
