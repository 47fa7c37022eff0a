"""Scoring the kernel against synthetic ground truth: every injected violation must be
caught with its own code, and clean lines must pass untouched."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import pyarrow as pa

from darman.claims.rules import REASONS


@dataclass
class CheckReport:
    lines: int
    # (injected code or "clean", detected code or "none") -> lines
    matrix: Counter[tuple[str, str]] = field(default_factory=Counter)
    missed: list[int] = field(default_factory=list)  # injected but its code not reported
    false_alarms: list[int] = field(default_factory=list)  # clean but flagged or deducted

    @property
    def ok(self) -> bool:
        return not self.missed and not self.false_alarms


def check(truth: pa.Table, decided: pa.Table) -> CheckReport:
    """Compare per line. Extra codes on a violating line are allowed when they also
    apply (a duplicate of a frequency-limited service is both), never on a clean one."""
    injected = dict(zip(truth["line_id"].to_pylist(), truth["injected"].to_pylist(), strict=True))
    report = CheckReport(lines=decided.num_rows)
    for line_id, reasons, deducted in zip(
        decided["line_id"].to_pylist(),
        decided["reasons"].to_pylist(),
        decided["deducted"].to_pylist(),
        strict=True,
    ):
        codes = [c for c in reasons.split(";") if c]
        want = injected.get(line_id)
        if want is None:
            if codes or deducted:
                report.false_alarms.append(line_id)
            for c in codes or ["none"]:
                report.matrix[("clean", c)] += 1
            continue
        if want not in codes:
            report.missed.append(line_id)
        for c in codes or ["none"]:
            report.matrix[(want, c)] += 1
    return report


def matrix_rows(report: CheckReport) -> tuple[list[str], list[list[str]]]:
    """Rows of injected codes, columns of detected codes, as text for a table."""
    detected = sorted({d for _, d in report.matrix}, key=lambda c: (c == "none", c))
    order = [r.code for r in REASONS] + ["clean"]
    injected = [c for c in order if any(i == c for i, _ in report.matrix)]
    rows = [[i, *[str(report.matrix.get((i, d), "")) for d in detected]] for i in injected]
    return ["injected \\ detected", *detected], rows
