"""Reading bulk claim files as a stream: NDJSON (one claim per line), or CSV/Excel
(one row per claim line, the rows of a claim next to each other).

Nothing is held whole in memory: records are validated and handed out in
batches as the file is read. Every problem names the file's own line or row.
"""

from __future__ import annotations

import codecs
import csv
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from openpyxl import load_workbook
from pydantic import ValidationError

from darman.claims.schemas import ClaimIn
from darman.common.errors import FieldProblem, InvalidInput
from darman.common.persian import normalize_text, to_ascii_digits

CLAIM_COLUMNS = (
    "facility_code",
    "document_number",
    "national_id",
    "practitioner_council_number",
    "visit_type",
    "admission_date",
    "discharge_date",
    "diagnoses",
    "referral_ref",
    "prescription_ref",
)
LINE_COLUMNS = ("item_type", "code", "service_date", "quantity", "unit_price_rials")
FLAT_COLUMNS = CLAIM_COLUMNS + LINE_COLUMNS


@dataclass
class Record:
    number: int  # file line (NDJSON) or first row (CSV/Excel) of the claim
    raw: dict[str, Any] | None
    line_rows: list[int] = field(default_factory=list)  # file row of each claim line
    problem: FieldProblem | None = None


def format_of(filename: str) -> str:
    lower = filename.lower()
    for fmt, ends in (("ndjson", (".ndjson", ".jsonl")), ("csv", (".csv",)), ("xlsx", (".xlsx",))):
        if lower.endswith(ends):
            return fmt
    raise InvalidInput(f"'{filename}': claims files are .ndjson, .jsonl, .csv or .xlsx")


def _ndjson(stream: IO[bytes]) -> Iterator[Record]:
    reader = codecs.getreader("utf-8-sig")(stream)
    for number, text in enumerate(reader, start=1):
        if not text.strip():
            continue
        try:
            raw = json.loads(text)
        except json.JSONDecodeError as exc:
            yield Record(
                number,
                None,
                problem=FieldProblem(
                    None, f"not JSON: {exc.msg} at column {exc.colno}", row=number
                ),
            )
            continue
        if not isinstance(raw, dict):
            yield Record(
                number,
                None,
                problem=FieldProblem(None, "a line must hold one JSON object", row=number),
            )
            continue
        lines = raw.get("lines")
        yield Record(number, raw, [number] * (len(lines) if isinstance(lines, list) else 0))


def _clean(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if hasattr(value, "isoformat"):
        return str(value.isoformat())[:10]
    return to_ascii_digits(normalize_text(str(value)))


def _grouped(rows: Iterable[Sequence[object]]) -> Iterator[Record]:
    iterator = iter(rows)
    header = [_clean(h).strip().lower() for h in next(iterator, [])]
    missing = [c for c in ("facility_code", "document_number", *LINE_COLUMNS) if c not in header]
    unknown = [h for h in header if h and h not in FLAT_COLUMNS]
    if missing or unknown:
        problems = [FieldProblem(c, "required column is missing", row=1) for c in missing]
        problems += [FieldProblem(c, "unknown column", row=1) for c in unknown]
        raise InvalidInput(
            f"the header does not match; expected columns: {', '.join(FLAT_COLUMNS)}", problems
        )
    current: Record | None = None
    key: tuple[str, str] | None = None
    for number, row in enumerate(iterator, start=2):
        cells = {h: _clean(v).strip() for h, v in zip(header, row, strict=False) if h}
        if not any(cells.values()):
            continue
        row_key = (cells.get("facility_code", ""), cells.get("document_number", ""))
        line = {c: cells.get(c, "") for c in LINE_COLUMNS}
        if current is not None and row_key == key and current.raw is not None:
            current.raw["lines"].append(line)
            current.line_rows.append(number)
            continue
        if current is not None:
            yield current
        claim: dict[str, Any] = {c: cells[c] for c in CLAIM_COLUMNS if cells.get(c, "") != ""}
        if "diagnoses" in claim:
            claim["diagnoses"] = [
                d for d in claim["diagnoses"].replace("،", ";").split(";") if d.strip()
            ]
        claim["lines"] = [line]
        current, key = Record(number, claim, [number]), row_key
    if current is not None:
        yield current


def _csv(stream: IO[bytes]) -> Iterator[Record]:
    reader = codecs.getreader("utf-8-sig")(stream)
    try:
        yield from _grouped(csv.reader(reader))
    except (csv.Error, UnicodeDecodeError) as exc:
        raise InvalidInput(f"the CSV file cannot be read (save it as CSV UTF-8): {exc}") from exc


def _xlsx(stream: IO[bytes]) -> Iterator[Record]:
    try:
        book = load_workbook(stream, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a broken file
        raise InvalidInput(f"the file is not a readable Excel workbook: {exc}") from exc
    yield from _grouped(book.worksheets[0].iter_rows(values_only=True))


def records(stream: IO[bytes], fmt: str) -> Iterator[Record]:
    return {"ndjson": _ndjson, "csv": _csv, "xlsx": _xlsx}[fmt](stream)


def validate(record: Record) -> ClaimIn | list[FieldProblem]:
    """The record as a ClaimIn, or its problems with the file row of each."""
    if record.problem is not None:
        return [record.problem]
    try:
        return ClaimIn.model_validate(record.raw)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = list(err["loc"])
            row = record.number
            if (
                len(loc) >= 2
                and loc[0] == "lines"
                and isinstance(loc[1], int)
                and loc[1] < len(record.line_rows)
            ):
                row = record.line_rows[loc[1]]
            where = ".".join(str(p) for p in loc) or None
            problems.append(FieldProblem(where, err["msg"].removeprefix("Value error, "), row=row))
        return problems


def batches(
    stream: IO[bytes], fmt: str, size: int = 1000
) -> Iterator[tuple[list[tuple[int, ClaimIn]], list[FieldProblem], int]]:
    """(valid claims, problems, records read) per batch of ``size`` records."""
    good: list[tuple[int, ClaimIn]] = []
    bad: list[FieldProblem] = []
    count = 0
    for record in records(stream, fmt):
        count += 1
        checked = validate(record)
        if isinstance(checked, list):
            bad.extend(checked)
        else:
            good.append((record.number, checked))
        if count % size == 0:
            yield good, bad, count
            good, bad = [], []
    if good or bad or count == 0:
        yield good, bad, count
