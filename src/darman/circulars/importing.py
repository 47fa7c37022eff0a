"""Many circulars at once: a folder of .docx, .txt or .md files and a metadata CSV (or
Excel) sheet naming, per row, the file and the circular's number, date, issuer, subject,
audience and its effects on others. All are stored or none; every problem is reported
with its row in the user's sheet, in Persian.

The sheet's columns: ``file, number, date, issuer, subject`` (required), ``audience`` (a
note), ``provinces`` and ``facility_kinds`` (whom it binds: codes or Persian names separated
by commas; empty for all), ``attachments`` (files in the same folder, separated by ``;``),
``effective_from`` and ``effects`` (optional). ``effects`` lists ``kind:target`` or
``kind:target:provisions`` separated by ``;``, the kind in English (repeals, amends,
replaces, consolidates, clarifies) or Persian (نسخ، اصلاح، جایگزینی، تجمیع، تفسیر)."""

from __future__ import annotations

from pathlib import Path

import docx
from pydantic import ValidationError
from sqlalchemy.orm import Session

from darman.circulars import attachments, service
from darman.circulars import audience as addressed
from darman.circulars.enums import EffectKind
from darman.circulars.models import Circular
from darman.circulars.schemas import CircularCreate
from darman.common.errors import FieldProblem, InvalidInput
from darman.common.tabular import SheetRow, TableFormat, read_table
from darman.security.principal import Principal

SHEET_NAMES = ("metadata.csv", "metadata.xlsx")
TEXT_SUFFIXES = (".docx", ".txt", ".md")
REQUIRED = ("file", "number", "date", "issuer", "subject")
KIND_FA = {
    "نسخ": EffectKind.REPEALS,
    "اصلاح": EffectKind.AMENDS,
    "جایگزینی": EffectKind.REPLACES,
    "تجمیع": EffectKind.CONSOLIDATES,
    "تفسیر": EffectKind.CLARIFIES,
}
KINDS = {k.value: k for k in EffectKind}
FIELD_FA = {
    "number": "شماره",
    "issued_on": "تاریخ",
    "effective_from": "تاریخ اجرا",
    "issuer": "صادرکننده",
    "subject": "موضوع",
    "audience": "مخاطبان",
    "provinces": "استان‌ها",
    "facility_kinds": "نوع مراکز",
    "body": "متن",
    "effects": "اثرها",
}


def read_text(path: Path) -> str:
    """The text of a .docx (paragraphs, then table cells, row by row), .txt or .md file."""
    if path.suffix.lower() == ".docx":
        document = docx.Document(str(path))
        parts = [p.text for p in document.paragraphs]
        for table in document.tables:
            for row in table.rows:
                parts.append(" | ".join(cell.text for cell in row.cells))
        return "\n".join(p for p in parts if p.strip())
    return path.read_text(encoding="utf-8-sig")


def _effects(raw: str, row: int) -> tuple[list[dict[str, str]], list[FieldProblem]]:
    effects: list[dict[str, str]] = []
    problems: list[FieldProblem] = []
    for part in (p.strip() for p in raw.split(";")):
        if not part:
            continue
        pieces = [p.strip() for p in part.split(":", 2)]
        if len(pieces) < 2 or not pieces[1]:
            problems.append(FieldProblem("effects", f"«{part}» باید به شکل نوع:شماره باشد", row))
            continue
        kind = KIND_FA.get(pieces[0]) or KINDS.get(pieces[0])
        if kind is None:
            problems.append(FieldProblem("effects", f"نوع اثر «{pieces[0]}» شناخته نیست", row))
            continue
        effect = {"kind": kind.value, "target": pieces[1]}
        if len(pieces) == 3:
            effect["provisions"] = pieces[2]
        effects.append(effect)
    return effects, problems


def _in_folder(folder: Path, name: str) -> Path | None:
    path = (folder / name).resolve()
    return path if folder.resolve() in path.parents else None


def _attachments(folder: Path, raw: str, row: int) -> tuple[list[Path], list[FieldProblem]]:
    """The files the row's ``attachments`` cell names, each in the folder and of a kind
    taken (``attachments.clean_name``)."""
    found: list[Path] = []
    problems: list[FieldProblem] = []
    for name in (part.strip() for part in raw.replace("؛", ";").split(";")):
        if not name:
            continue
        path = _in_folder(folder, name)
        try:
            attachments.clean_name(name)
        except InvalidInput as exc:
            problems.append(FieldProblem("attachments", exc.detail, row))
            continue
        if path is None or not path.is_file():
            problems.append(FieldProblem("attachments", f"پیوست «{name}» در پوشه نیست", row))
        elif path.stat().st_size > attachments.MAX_BYTES:
            problems.append(
                FieldProblem("attachments", f"پیوست «{name}» بیش از ۲۰ مگابایت است", row)
            )
        else:
            found.append(path)
    return found, problems


def _row(
    folder: Path, sheet_row: SheetRow
) -> tuple[CircularCreate | None, list[Path], list[FieldProblem]]:
    values, row = sheet_row.values, sheet_row.number
    missing = [c for c in REQUIRED if not values.get(c, "").strip()]
    if missing:
        return None, [], [FieldProblem(c, "خالی است", row) for c in missing]
    name = values["file"].strip()
    path = _in_folder(folder, name)
    if path is None or path.suffix.lower() not in TEXT_SUFFIXES:
        return (
            None,
            [],
            [FieldProblem("file", f"«{name}» باید پرونده‌ی docx، txt یا md در همین پوشه باشد", row)],
        )
    if not path.is_file():
        return None, [], [FieldProblem("file", f"پرونده‌ی «{name}» در پوشه نیست", row)]
    try:
        body = read_text(path)
    except Exception as exc:  # a damaged .docx or a file in another encoding
        return (
            None,
            [],
            [FieldProblem("file", f"متن «{name}» خوانده نشد ({type(exc).__name__})", row)],
        )
    effects, problems = _effects(values.get("effects", ""), row)
    files, wrong = _attachments(folder, values.get("attachments", ""), row)
    problems += wrong
    provinces = addressed.split(values.get("provinces", ""))
    kinds = addressed.split(values.get("facility_kinds", ""))
    problems += addressed.resolve(provinces, kinds, row)[1]
    data = {
        "number": values["number"],
        "issued_on": values["date"],
        "issuer": values["issuer"],
        "subject": values["subject"],
        "audience": values.get("audience", ""),
        "provinces": provinces,
        "facility_kinds": kinds,
        "body": body,
        "effects": effects,
    }
    if values.get("effective_from", "").strip():
        data["effective_from"] = values["effective_from"]
    try:
        item = CircularCreate.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            field = str(err["loc"][0]) if err["loc"] else "-"
            label = FIELD_FA.get(field, field)
            why = str(err["msg"]).removeprefix("Value error, ")
            problems.append(FieldProblem(field, f"{label}: {why}", row))
        return None, files, problems
    return (item if not problems else None), files, problems


def import_folder(session: Session, who: Principal, folder: Path) -> list[Circular]:
    """Store every circular the folder's metadata sheet lists, all or none.

    InvalidInput naming each row's problems (a missing or unreadable file or attachment, an
    empty required column, a date that is not a date, an unknown effect, province or kind
    of centre); Conflict for numbers already stored; see ``service.create_many``."""
    sheet = next((folder / n for n in SHEET_NAMES if (folder / n).is_file()), None)
    if sheet is None:
        raise InvalidInput(
            f"در پوشه‌ی «{folder}» پرونده‌ی metadata.csv یا metadata.xlsx نیست",
            [FieldProblem("folder", "metadata.csv نیست")],
        )
    header, rows = read_table(
        sheet.read_bytes(), TableFormat.from_filename(sheet.name), name=sheet.name
    )
    absent = [c for c in REQUIRED if c not in header]
    if absent:
        raise InvalidInput(
            f"ستون‌های {', '.join(absent)} در {sheet.name} نیست",
            [FieldProblem(c, "ستون نیست", 1) for c in absent],
        )
    items: list[CircularCreate] = []
    numbers: list[int] = []
    files: list[list[Path]] = []
    problems: list[FieldProblem] = []
    for sheet_row in rows:
        item, attached, found = _row(folder, sheet_row)
        problems += found
        if item is not None:
            items.append(item)
            numbers.append(sheet_row.number)
            files.append(attached)
    if problems:
        raise InvalidInput(
            f"{sheet.name}: هیچ بخشنامه‌ای ثبت نشد؛ ایراد هر ردیف گفته شده است", problems
        )
    made = service.create_many(session, who, items, rows=numbers)
    for c, attached in zip(made, files, strict=True):
        for path in attached:
            attachments.attach(session, who, c.number, path.name, path.read_bytes())
    return made
