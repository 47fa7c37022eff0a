"""The Persian column headers and sheet names of the registry's import and export files.

People open an exported file in Excel and send it back edited: it carries Persian headers,
and an import reads either those or the field names the API uses (files made by programs),
so a round trip works both ways. One label per field name, the same in every table."""

from __future__ import annotations

from collections.abc import Sequence

HEADERS_FA: dict[str, str] = {
    "code": "کد",
    "name": "نام",
    "ownership": "مالکیت",
    "kind": "نوع",
    "level": "سطح",
    "province_code": "کد استان",
    "city": "شهر",
    "beds_general": "تخت عادی",
    "beds_icu": "تخت ICU",
    "beds_ccu": "تخت CCU",
    "beds_nicu": "تخت NICU",
    "ct_scanners": "سی‌تی‌اسکن",
    "mri_scanners": "ام‌آر‌آی",
    "angiography_units": "آنژیوگرافی",
    "dialysis_machines": "دستگاه دیالیز",
    "ambulances": "آمبولانس",
    "physicians": "پزشک",
    "nurses": "پرستار",
    "other_staff": "سایر کارکنان",
    "national_id": "کد ملی",
    "first_name": "نام کوچک",
    "last_name": "نام خانوادگی",
    "sex": "جنس",
    "birth_date": "تاریخ تولد",
    "relation": "نسبت",
    "main_national_id": "کد ملی بیمه‌شده‌ی اصلی",
    "start_date": "آغاز پوشش",
    "end_date": "پایان پوشش",
    "plan": "طرح",
    "council_number": "شماره‌ی نظام پزشکی",
    "specialty": "تخصص",
    "facility_codes": "کد مراکز",
    "name_fa": "نام فارسی",
    "category": "گروه",
    "min_level": "کمترین سطح",
    "sex_limit": "محدودیت جنس",
    "min_age": "کمترین سن",
    "max_age": "بیشترین سن",
    "frequency_days": "فاصله‌ی تکرار (روز)",
    "max_per_claim": "بیشینه در هر سند",
    "generic_code": "کد ژنریک",
    "form": "شکل دارویی",
    "strength": "قدرت",
    "covered": "زیر پوشش",
    "max_quantity": "بیشینه‌ی تعداد",
    "specialist_only": "فقط متخصص",
    "price_rials": "قیمت (ریال)",
    "max_days_supply": "بیشینه‌ی روز مصرف",
    "service_code": "کد خدمت",
    "year": "سال",
    "amount_rials": "مبلغ (ریال)",
}
# readers lower-case a header's Latin letters (تخت ICU arrives as تخت icu)
FIELDS_BY_HEADER = {label.casefold(): name for name, label in HEADERS_FA.items()}

SHEETS_FA: dict[str, str] = {
    "facilities": "مراکز",
    "insured": "بیمه‌شدگان",
    "coverage": "پوشش",
    "practitioners": "پزشکان",
    "services": "خدمات",
    "drugs": "داروها",
    "tariffs": "تعرفه‌ها",
}


def header_fa(field: str) -> str:
    """The Persian header of a field (the field's own name if it has none)."""
    return HEADERS_FA.get(field, field)


def headers_fa(fields: Sequence[str]) -> list[str]:
    return [header_fa(f) for f in fields]


def field_of(header: str) -> str:
    """The field a header names: a Persian header, or the field name itself."""
    text = header.strip()
    return FIELDS_BY_HEADER.get(text.casefold(), text)


def is_header_fa(header: str) -> bool:
    return header.strip().casefold() in FIELDS_BY_HEADER
