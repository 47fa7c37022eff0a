"""The allocation scenario as a Persian form: its fields named by their place in the
scenario (``lines.2.unit_cost_rials``), read back into the data ``planning.scenario.parse``
takes, so the form and the CLI's TOML file build the same Scenario with the same checks.
Every problem is said in Persian with the row and the field it is about."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from darman.common.errors import InvalidInput
from darman.common.persian import to_ascii_digits, to_persian_digits
from darman.planning import scenario

LINE_FIELDS = (
    "key", "label_fa", "resource", "population", "need_weighted", "unit_cost_rials",
    "budget_rials", "units", "min_per_province", "max_per_province", "norm_per_10k",
    "staff_nurses", "staff_physicians",
)  # fmt: skip
STAFF_FIELDS = ("province_code", "nurses", "physicians")
WEIGHTS = ("priority", "icu_beds", "beds", "spending", "physicians", "nurses")
LEVELLING = (
    "expand_level_2_rials", "expand_level_3_rials", "build_level_2_rials", "build_level_3_rials",
)  # fmt: skip
# Fields that hold whole numbers (rials, units, people); the other numbers may have decimals.
WHOLE = {
    "year", "unit_cost_rials", "budget_rials", "units", "min_per_province", "max_per_province",
    "nurses", "physicians", *LEVELLING,
}  # fmt: skip
LABELS_FA = {
    "name": "نام سناریو",
    "year": "سال",
    "staff_growth": "رشد نیروی انسانی در سال (کسری از ۱)",
    "key": "شناسه",
    "label_fa": "عنوان ردیف",
    "resource": "منبع",
    "population": "جمعیت مبنا",
    "need_weighted": "وزن‌دهی نیاز بر حسب سن",
    "unit_cost_rials": "هزینه‌ی واحد (ریال)",
    "budget_rials": "بودجه (ریال)",
    "units": "تعداد واحد",
    "min_per_province": "کف هر استان",
    "max_per_province": "سقف هر استان",
    "norm_per_10k": "هنجار در ۱۰٬۰۰۰ نفر",
    "staff_nurses": "پرستار لازم برای هر واحد",
    "staff_physicians": "پزشک لازم برای هر واحد",
    "province_code": "کد استان",
    "nurses": "پرستار",
    "physicians": "پزشک",
    "priority": "اولویت استان‌های محروم",
    "icu_beds": "وزن تخت ویژه",
    "beds": "وزن تخت",
    "spending": "وزن هزینه‌ی درمان",
    "expand_level_2_rials": "گسترش مرکز سطح ۲ (ریال)",
    "expand_level_3_rials": "گسترش مرکز سطح ۳ (ریال)",
    "build_level_2_rials": "ساخت مرکز سطح ۲ (ریال)",
    "build_level_3_rials": "ساخت مرکز سطح ۳ (ریال)",
}
WEIGHT_LABELS_FA = {**LABELS_FA, "physicians": "وزن پزشک", "nurses": "وزن پرستار"}
_ROW = re.compile(r"^(lines|planned_staff)\.(\d+)\.(\w+)$")
_SEPARATORS = str.maketrans({"٫": ".", "٬": "", ",": "", "_": "", " ": "", "\u00a0": ""})


@dataclass
class FormState:
    """What the form shows: each field's text by its dotted name, and how many rows of
    budget lines and of planned staff there are."""

    fields: dict[str, str]
    lines: int
    staff: int
    errors: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def _text(value: object, *, whole: bool) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else ""
    if isinstance(value, int) and whole:
        return to_persian_digits(f"{value:,}".replace(",", "٬"))
    if isinstance(value, int | float):
        return to_persian_digits(f"{value:.10g}".replace(".", "٫"))
    return str(value)


def state_of(sc: scenario.Scenario) -> FormState:
    """The form filled with a scenario (the shipped one on first visit)."""
    f: dict[str, str] = {
        "name": sc.name,
        "year": to_persian_digits(sc.year),
        "staff_growth": _text(sc.staff_growth, whole=False),
    }
    for w in WEIGHTS:
        f[f"weights.{w}"] = _text(getattr(sc.weights, w), whole=False)
    for c in LEVELLING:
        f[f"levelling.{c}"] = _text(getattr(sc.levelling, c), whole=True)
    for i, line in enumerate(sc.lines):
        data = line.model_dump(mode="json")
        staff = line.staff_per_unit
        data["staff_nurses"] = staff.nurses if staff else None
        data["staff_physicians"] = staff.physicians if staff else None
        for name in LINE_FIELDS:
            f[f"lines.{i}.{name}"] = _text(data.get(name), whole=name in WHOLE)
    for i, person in enumerate(sc.planned_staff):
        for name in STAFF_FIELDS:
            f[f"planned_staff.{i}.{name}"] = _text(getattr(person, name), whole=True)
    return FormState(f, len(sc.lines), len(sc.planned_staff))


def state_from(posted: Mapping[str, str]) -> FormState:
    """The posted fields, rows numbered again from 0 in the order sent (a removed row
    leaves no gap)."""
    f = {k: v[:200] for k, v in posted.items() if not _ROW.match(k)}
    rows: dict[str, dict[int, dict[str, str]]] = {"lines": {}, "planned_staff": {}}
    for k, v in posted.items():
        m = _ROW.match(k)
        if m and len(rows[m.group(1)]) < 200:
            rows[m.group(1)].setdefault(int(m.group(2)), {})[m.group(3)] = v[:200]
    counts = {}
    for group, by_index in rows.items():
        for new, old in enumerate(sorted(by_index)):
            for name, v in by_index[old].items():
                f[f"{group}.{new}.{name}"] = v
        counts[group] = len(by_index)
    return FormState(f, counts["lines"], counts["planned_staff"])


def without_row(state: FormState, group: str, index: int) -> FormState:
    """The form with one row of ``group`` taken out and the rows after it moved up."""
    count = state.lines if group == "lines" else state.staff
    kept = {k: v for k, v in state.fields.items() if not k.startswith(f"{group}.")}
    new = 0
    for old in range(count):
        if old == index:
            continue
        prefix = f"{group}.{old}."
        for k, v in state.fields.items():
            if k.startswith(prefix):
                kept[f"{group}.{new}.{k.removeprefix(prefix)}"] = v
        new += 1
    lines, staff = (new, state.staff) if group == "lines" else (state.lines, new)
    return FormState(kept, lines, staff)


def with_row(state: FormState, group: str) -> FormState:
    """The form with an empty row added at the end of ``group``."""
    if group == "lines":
        fields = {**state.fields, f"lines.{state.lines}.key": f"line_{state.lines + 1}"}
        return FormState(fields, state.lines + 1, state.staff)
    return FormState(dict(state.fields), state.lines, state.staff + 1)


def _number(text: str, *, whole: bool) -> object:
    """The typed number (Persian or Latin digits, with separators); what was typed when it
    is not one, for the scenario's checks to refuse in Persian; None when empty."""
    cleaned = to_ascii_digits(text.strip()).translate(_SEPARATORS)
    if not cleaned:
        return None
    try:
        value = float(cleaned)
    except ValueError:
        return text.strip()
    if not math.isfinite(value):
        return text.strip()
    if whole:
        return int(value) if value.is_integer() and abs(value) < 1e19 else text.strip()
    return value


def data_of(state: FormState) -> dict[str, Any]:
    """The scenario's data as ``scenario.parse`` takes it (what a TOML file decodes to):
    empty optional fields are left out so the scenario's defaults apply."""
    f = state.fields

    def put(target: dict[str, Any], key: str, name: str, text: str) -> None:
        value = _number(text, whole=name in WHOLE)
        if value is not None:
            target[key] = value

    data: dict[str, Any] = {"name": f.get("name", "").strip()}
    put(data, "year", "year", f.get("year", ""))
    put(data, "staff_growth", "staff_growth", f.get("staff_growth", ""))
    weights: dict[str, Any] = {}
    for w in WEIGHTS:
        put(weights, w, "weight", f.get(f"weights.{w}", ""))
    levelling: dict[str, Any] = {}
    for c in LEVELLING:
        put(levelling, c, c, f.get(f"levelling.{c}", ""))
    data.update(weights=weights, levelling=levelling, lines=[], planned_staff=[])
    for i in range(state.lines):
        row = {n: f.get(f"lines.{i}.{n}", "") for n in LINE_FIELDS}
        line: dict[str, Any] = {
            "key": row["key"].strip(),
            "label_fa": row["label_fa"].strip(),
            "resource": row["resource"],
            "population": row["population"] or "population",
            "need_weighted": row["need_weighted"] == "1",
        }
        for n in ("unit_cost_rials", "budget_rials", "units", "min_per_province",
                  "max_per_province", "norm_per_10k"):  # fmt: skip
            put(line, n, n, row[n])
        staff: dict[str, Any] = {}
        put(staff, "nurses", "staff", row["staff_nurses"])
        put(staff, "physicians", "staff", row["staff_physicians"])
        if staff:
            line["staff_per_unit"] = staff
        data["lines"].append(line)
    for i in range(state.staff):
        person: dict[str, Any] = {
            "province_code": to_ascii_digits(f.get(f"planned_staff.{i}.province_code", "").strip())
        }
        put(person, "nurses", "nurses", f.get(f"planned_staff.{i}.nurses", ""))
        put(person, "physicians", "physicians", f.get(f"planned_staff.{i}.physicians", ""))
        data["planned_staff"].append(person)
    return data


def where(state: FormState, dotted: str) -> tuple[str, str]:
    """The form field a problem belongs to and how to name it in Persian."""
    parts = dotted.split(".")
    if parts[0] in ("lines", "planned_staff") and len(parts) >= 2 and parts[1].isdigit():
        i = int(parts[1])
        name = parts[2] if len(parts) > 2 else ""
        if name == "staff_per_unit":
            name = f"staff_{parts[3]}" if len(parts) > 3 else "staff_nurses"
        if parts[0] == "lines":
            label = state.fields.get(f"lines.{i}.label_fa", "").strip()
            row = f"ردیف بودجه‌ی {to_persian_digits(i + 1)}" + (f" («{label}»)" if label else "")
        else:
            row = f"ردیف نیروی برنامه‌ریزی‌شده‌ی {to_persian_digits(i + 1)}"
        key = f"{parts[0]}.{i}.{name}" if name else f"{parts[0]}.{i}"
        return key, f"{row}، {LABELS_FA[name]}" if name in LABELS_FA else row
    if parts[0] == "weights" and len(parts) > 1:
        return dotted, WEIGHT_LABELS_FA.get(parts[1], parts[1])
    if parts[0] == "levelling" and len(parts) > 1:
        return dotted, LABELS_FA.get(parts[1], parts[1])
    if parts[0] == "lines":
        return "lines", "ردیف‌های بودجه"
    return dotted, LABELS_FA.get(parts[0], "سناریو")


def build(state: FormState) -> scenario.Scenario | None:
    """The scenario the form describes, or None with ``state.errors`` (by form field) and
    ``state.problems`` (every one, naming its row and field) filled in Persian."""
    try:
        return scenario.parse(data_of(state))
    except InvalidInput as exc:
        for p in exc.problems:
            key, named = where(state, p.field or "scenario")
            said = f"{named}: {p.reason}"
            state.errors.setdefault(key, said)
            state.problems.append(said)
        return None
