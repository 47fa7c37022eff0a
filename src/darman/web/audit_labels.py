"""Persian names for what the audit log records, and its before/after values made readable.

The log stores codes (``disable``, ``api_key``, ``is_active``) so that it stays stable as
wording changes; people read them through these tables. A code with no Persian name is
shown as it is stored, never hidden.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from darman.common.jalali import TEHRAN, format_jalali
from darman.common.persian import format_number, to_persian_digits
from darman.security.enums import ROLE_LABELS_FA, SCOPE_LABELS_FA, Role, ScopeLevel

ACTIONS_FA: dict[str, str] = {
    "create": "ایجاد",
    "update": "ویرایش",
    "lock": "قفل حساب",
    "enable": "فعال‌سازی",
    "disable": "غیرفعال‌سازی",
    "rotate": "کلید تازه",
    "seed": "تولید داده‌ی نمونه",
    "import": "ورود از پرونده",
    "export": "برون‌بری",
    "submit": "ارسال",
    "adjudicate": "رسیدگی خودکار",
    "review_finish": "پایان رسیدگی",
    "select_review": "گزینش برای رسیدگی",
    "issue": "صدور",
    "refuse": "رد",
    "dispense": "تحویل دارو",
    "refer": "ارجاع",
    "refer_on": "ارجاع دوباره",
    "feedback": "پس‌خوراند",
    "enrol": "ثبت‌نام",
    "transfer": "انتقال",
    "set_policy": "تغییر سیاست",
    "set_rollout": "تغییر اجرای برنامه",
    "set_referral_bypass": "معافیت از ارجاع",
    "set_capacity": "تغییر ظرفیت",
    "open_tender": "گشایش مناقصه",
    "record_bid": "ثبت پیشنهاد",
    "award_tender": "واگذاری مناقصه",
    "place_order": "سفارش خرید",
    "record_delivery": "ثبت تحویل",
    "link_user": "پیوند به حساب کاربری",
}

ENTITIES_FA: dict[str, str] = {
    "user": "کاربر",
    "api_key": "کلید API",
    "facility": "مرکز درمانی",
    "insured": "بیمه‌شده",
    "coverage": "دوره‌ی پوشش",
    "practitioner": "پزشک",
    "service": "خدمت",
    "drug": "دارو",
    "tariff": "تعرفه",
    "dataset": "مجموعه‌داده",
    "claim": "سند",
    "claims": "اسناد",
    "claim_line": "ردیف سند",
    "payment_run": "دوره‌ی پرداخت",
    "prescription": "نسخه",
    "referral": "ارجاع",
    "panel": "فهرست پزشک خانواده",
    "panel_enrolment": "ثبت‌نام در فهرست پزشک",
    "policy_parameter": "پارامتر سیاستی",
    "programme_rollout": "اجرای برنامه",
    "tender": "مناقصه",
    "bid": "پیشنهاد مناقصه",
    "purchase_order": "سفارش خرید",
    "delivery": "تحویل کالا",
    "plan": "برنامه",
    "plan_task": "اقدام برنامه",
    "circular": "بخشنامه",
    "circular_project": "طرح تجمیع بخشنامه",
}

# The fields of the snapshots people most often read, by the name the log stores.
FIELDS_FA: dict[str, str] = {
    "id": "شناسه",
    "username": "نام کاربری",
    "user": "کاربر",
    "full_name": "نام کامل",
    "role": "نقش",
    "scope_level": "گستره",
    "province_id": "استان",
    "facility_id": "مرکز درمانی",
    "practitioner_id": "پزشک پیوندخورده",
    "is_active": "فعال",
    "failed_logins": "ورودهای ناموفق پیاپی",
    "locked_until": "قفل تا",
    "created_at": "ساخته‌شده در",
    "last_used_at": "آخرین کاربرد",
    "name": "نام",
    "prefix": "پیشوند کلید",
    "status": "وضعیت",
    "amount": "مبلغ (ریال)",
    "national_id": "کد ملی",
    "code": "کد",
}

YES_NO_FA = {True: "بله", False: "خیر"}
_ROLES = frozenset(r.value for r in Role)
_SCOPES = frozenset(s.value for s in ScopeLevel)


def action_fa(code: str) -> str:
    return ACTIONS_FA.get(code, code)


def entity_fa(code: str) -> str:
    return ENTITIES_FA.get(code, code)


def value_fa(key: str, value: Any) -> str:
    """One stored value as a person reads it: yes/no, Jalali time, role and scope names,
    Persian digits; a nested value as ``name: value`` pairs; nothing as an em dash."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return YES_NO_FA[value]
    if isinstance(value, int | float):
        return format_number(round(value)) if key.endswith("amount") else to_persian_digits(value)
    if isinstance(value, dict):
        return "، ".join(f"{FIELDS_FA.get(k, k)}: {value_fa(k, v)}" for k, v in value.items())
    if isinstance(value, list):
        return "، ".join(value_fa(key, v) for v in value)
    if not isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if key == "role" and value in _ROLES:
        return ROLE_LABELS_FA[Role(value)]
    if key == "scope_level" and value in _SCOPES:
        return SCOPE_LABELS_FA[ScopeLevel(value)]
    moment = _timestamp(value)
    if moment is not None:
        local = moment.astimezone(TEHRAN)
        return f"{format_jalali(local.date())} {to_persian_digits(local.strftime('%H:%M'))}"
    # a number kept as text (an id) reads as a number; codes such as a key's prefix stay
    return to_persian_digits(value) if value.isascii() and value.isdigit() else value


def _timestamp(text: str) -> dt.datetime | None:
    """An ISO timestamp with its time zone, as snapshots store them; None for other text."""
    if len(text) < 19 or text[4] != "-" or "T" not in text:
        return None
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


@dataclass(frozen=True)
class FieldChange:
    key: str
    label: str
    before: str
    after: str
    changed: bool


def changes(before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[FieldChange]:
    """Every field of an entry's before and after, in the order stored, each with its
    Persian label and whether it changed: what a reader scans for."""
    before, after = before or {}, after or {}
    keys = list(before) + [k for k in after if k not in before]
    out = []
    for key in keys:
        had, has = key in before, key in after
        out.append(
            FieldChange(
                key=key,
                label=FIELDS_FA.get(key, key),
                before=value_fa(key, before[key]) if had else "",
                after=value_fa(key, after[key]) if has else "",
                changed=had and has and before[key] != after[key],
            )
        )
    return out
