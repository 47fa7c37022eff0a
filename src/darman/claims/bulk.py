"""Reading bulk claim files as a stream: NDJSON (one claim per line), or CSV/Excel
(one row per claim line, the rows of a claim next to each other).

Nothing is held whole in memory: records are validated and handed out in
batches as the file is read. Every problem names the file's own line or row.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from openpyxl import load_workbook
from pydantic import ValidationError
from pydantic_core import from_json

from darman.claims.schemas import ClaimIn
from darman.common.errors import FieldProblem, InvalidInput
from darman.common.persian import normalize_text, to_ascii_digits
from darman.common.validation_fa import problems_fa

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
    text: bytes | None = None  # an NDJSON line, not parsed yet

    @property
    def last_row(self) -> int:
        return self.line_rows[-1] if self.line_rows else self.number


def format_of(filename: str) -> str:
    lower = filename.lower()
    for fmt, ends in (("ndjson", (".ndjson", ".jsonl")), ("csv", (".csv",)), ("xlsx", (".xlsx",))):
        if lower.endswith(ends):
            return fmt
    raise InvalidInput(f"«{filename}»: پرونده‌ی اسناد باید .ndjson، .jsonl، .csv یا .xlsx باشد")


def _ndjson(stream: IO[bytes]) -> Iterator[Record]:
    # Lines are split on "\n" only, as NDJSON defines them (a JSON string may hold U+2028);
    # each line is parsed when it is validated, straight from its bytes.
    for number, line in enumerate(stream, start=1):
        if number == 1 and line.startswith(codecs.BOM_UTF8):
            line = line[len(codecs.BOM_UTF8) :]
        if not line.strip():
            continue
        yield Record(number, None, text=line)


def _parsed(record: Record) -> Record:
    """The NDJSON record as a dict, or with the problem that keeps it from being one.

    The line is parsed by the same parser as ``validate``'s fast path, whose nesting limit
    is its own: the standard library's decoder recurses on the interpreter's stack, and a
    line of a thousand nested arrays raised RecursionError out of the whole file."""
    assert record.text is not None
    number = record.number
    try:
        raw = from_json(record.text.decode("utf-8"))
    except UnicodeDecodeError as exc:
        return Record(
            number, None, problem=FieldProblem(None, f"متن UTF-8 نیست: {exc.reason}", row=number)
        )
    except ValueError as exc:  # what from_json raises for text that is not JSON
        problem = FieldProblem(None, f"JSON درست نیست: {exc}", row=number)
        return Record(number, None, problem=problem)
    if not isinstance(raw, dict):
        return Record(
            number, None, problem=FieldProblem(None, "هر خط باید یک شیء JSON باشد", row=number)
        )
    lines = raw.get("lines")
    return Record(number, raw, [number] * (len(lines) if isinstance(lines, list) else 0))


def _clean(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if hasattr(value, "isoformat"):
        return str(value.isoformat())[:10]
    return to_ascii_digits(normalize_text(str(value)))


_ABSENT = object()


def _claim_cells(cells: dict[str, str]) -> dict[str, Any]:
    """The claim-level cells of a row that are filled in (diagnoses as a list)."""
    claim: dict[str, Any] = {c: cells[c] for c in CLAIM_COLUMNS if cells.get(c, "") != ""}
    if "diagnoses" in claim:
        claim["diagnoses"] = [
            d for d in claim["diagnoses"].replace("،", ";").split(";") if d.strip()
        ]
    return claim


def _grouped(rows: Iterable[Sequence[object]]) -> Iterator[Record]:
    iterator = iter(rows)
    header = [_clean(h).strip().lower() for h in next(iterator, [])]
    missing = [c for c in ("facility_code", "document_number", *LINE_COLUMNS) if c not in header]
    unknown = [h for h in header if h and h not in FLAT_COLUMNS]
    if missing or unknown:
        problems = [FieldProblem(c, "این ستون لازم است و در پرونده نیست", row=1) for c in missing]
        problems += [FieldProblem(c, "ستون ناشناخته", row=1) for c in unknown]
        raise InvalidInput(
            f"سرستون‌ها نمی‌خوانند؛ ستون‌های پذیرفته: {', '.join(FLAT_COLUMNS)}", problems
        )
    current: Record | None = None
    key: tuple[str, str] | None = None
    for number, row in enumerate(iterator, start=2):
        cells = {h: _clean(v).strip() for h, v in zip(header, row, strict=False) if h}
        if not any(cells.values()):
            continue
        row_key = (cells.get("facility_code", ""), cells.get("document_number", ""))
        line = {c: cells.get(c, "") for c in LINE_COLUMNS}
        claim = _claim_cells(cells)
        if current is not None and row_key == key and current.raw is not None:
            # a later row of the document may leave the claim's cells empty, never change them
            if current.problem is None:
                differing = next(
                    (c for c, v in claim.items() if current.raw.get(c, _ABSENT) != v), None
                )
                if differing is not None:
                    current.problem = FieldProblem(
                        differing,
                        f"با ردیف {current.number} همین سند فرق دارد",
                        row=number,
                    )
            current.raw["lines"].append(line)
            current.line_rows.append(number)
            continue
        if current is not None:
            yield current
        claim["lines"] = [line]
        current, key = Record(number, claim, [number]), row_key
    if current is not None:
        yield current


def _csv(stream: IO[bytes]) -> Iterator[Record]:
    reader = codecs.getreader("utf-8-sig")(stream)
    try:
        yield from _grouped(csv.reader(reader))
    except (csv.Error, UnicodeDecodeError) as exc:
        raise InvalidInput(
            f"پرونده‌ی CSV خوانده نمی‌شود (آن را با قالب CSV UTF-8 ذخیره کنید): {exc}"
        ) from exc


def _xlsx(stream: IO[bytes]) -> Iterator[Record]:
    try:
        book = load_workbook(stream, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a broken file
        raise InvalidInput(f"پرونده کارپوشه‌ی Excel خواندنی نیست: {exc}") from exc
    # read-only sheets are parsed lazily, so a damaged sheet fails while its rows are read
    try:
        yield from _grouped(book.worksheets[0].iter_rows(values_only=True))
    except InvalidInput:
        raise
    except Exception as exc:  # zip, XML and openpyxl errors alike
        raise InvalidInput(f"کاربرگ Excel خوانده نمی‌شود: {exc}") from exc


def records(stream: IO[bytes], fmt: str) -> Iterator[Record]:
    return {"ndjson": _ndjson, "csv": _csv, "xlsx": _xlsx}[fmt](stream)


def validate(record: Record) -> ClaimIn | list[FieldProblem]:
    """The record as a ClaimIn, or its problems with the file row of each."""
    if record.text is not None:
        try:
            # the common case, a good record, is parsed and validated in one step
            return ClaimIn.model_validate_json(record.text)
        except ValidationError:
            # a bad one is parsed again the slow way, to name each problem as before
            record = _parsed(record)
    if record.problem is not None:
        return [record.problem]
    try:
        return ClaimIn.model_validate(record.raw)
    except ValidationError as exc:

        def row_of(loc: Sequence[int | str]) -> int:
            # a line's problem points at the line's own row of a CSV or Excel file
            if (
                len(loc) >= 2
                and loc[0] == "lines"
                and isinstance(loc[1], int)
                and loc[1] < len(record.line_rows)
            ):
                return record.line_rows[loc[1]]
            return record.number

        return problems_fa(exc, row_of=row_of)


@dataclass
class Batch:
    """Up to ``size`` consecutive records of a file, validated."""

    good: list[tuple[int, ClaimIn]]  # (first row of the record, claim)
    problems: list[FieldProblem]
    invalid: int  # records among them that failed validation
    first_record: int  # records are counted from 1 in file order
    last_record: int
    first_row: int  # the file's own line or row numbers
    last_row: int

    @property
    def records(self) -> int:
        return self.last_record - self.first_record + 1


def read_batches(stream: IO[bytes], fmt: str, size: int = 1000) -> Iterator[Batch]:
    """The file's records in batches of ``size``, read as a stream; an empty file gives none.

    Raises InvalidInput when the file as a whole cannot be read (a CSV or Excel header
    that does not match, a file that is not CSV or Excel).
    """
    batch: Batch | None = None
    for count, record in enumerate(records(stream, fmt), start=1):
        if batch is None:
            batch = Batch([], [], 0, count, count, record.number, record.number)
        checked = validate(record)
        if isinstance(checked, list):
            batch.problems.extend(checked)
            batch.invalid += 1
        else:
            batch.good.append((record.number, checked))
        batch.last_record = count
        batch.last_row = max(batch.last_row, record.last_row)
        if count % size == 0:
            yield batch
            batch = None
    if batch is not None:
        yield batch
