"""A statement as Excel, the way every Darman export is written (``common.excel``): one
right-to-left sheet named in Persian, the header frozen, Jalali dates, amounts in rials as
numbers, and the statement's total as its last row."""

from __future__ import annotations

from collections.abc import Mapping

from darman.common.excel import workbook
from darman.population.epidemic_schemas import StatementDetail

SHEET = "صورت‌حساب همه‌گیری"
HEADER = (
    "ردیف", "شماره‌ی پذیرش", "اسناد", "کد ملی", "استان", "مرکز", "مالکیت", "تاریخ پذیرش",
    "تاریخ ترخیص", "مدت بستری (روز)", "روزهای مراقبت ویژه", "سهم سازمان دارو (ریال)",
    "سهم سازمان خدمات (ریال)", "سهم سازمان (ریال)", "هزینه‌ی کل (ریال)",
)  # fmt: skip
OWNERSHIP_FA = {"owned": "ملکی", "contracted": "طرف قرارداد"}


def file_name(statement: StatementDetail) -> str:
    return f"epidemic-statement-{statement.number}.xlsx"


def statement_workbook(
    statement: StatementDetail,
    *,
    provinces: Mapping[int, str],
    facilities: Mapping[int, str],
) -> bytes:
    """The statement's lines per admission, then a total row."""
    rows: list[tuple[object, ...]] = [
        (
            line.line_no,
            line.admission_id,
            line.claim_ids,
            line.national_id,
            provinces.get(line.province_id, str(line.province_id)),
            facilities.get(line.facility_id, str(line.facility_id)),
            OWNERSHIP_FA.get(line.ownership, line.ownership),
            line.admission_date,
            line.discharge_date,
            line.los_days,
            line.icu_days,
            line.drugs_insurer_rials,
            line.services_insurer_rials,
            line.insurer_rials,
            line.total_rials,
        )
        for line in statement.lines
    ]
    rows.append(
        (
            f"جمع صورت‌حساب {statement.number}",
            statement.admissions,
            "",
            "",
            "",
            "",
            "",
            None,
            None,
            statement.patient_days,
            statement.icu_days,
            statement.drugs_insurer_rials,
            statement.services_insurer_rials,
            statement.insurer_rials,
            statement.total_rials,
        )
    )
    return workbook(HEADER, rows, sheet=SHEET)
