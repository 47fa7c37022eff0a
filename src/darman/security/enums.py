from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    HQ_ANALYST = "hq_analyst"
    PROVINCE_MANAGER = "province_manager"
    CLAIMS_REVIEWER = "claims_reviewer"
    FINANCE_OFFICER = "finance_officer"
    PROVIDER_USER = "provider_user"
    PHYSICIAN = "physician"
    PHARMACIST = "pharmacist"
    AUDITOR = "auditor"
    # an interview rater of merit-based appointment: scores only their own scorecards
    RATER = "rater"


ROLE_LABELS_FA: dict[Role, str] = {
    Role.ADMIN: "مدیر سامانه",
    Role.HQ_ANALYST: "کارشناس ستاد",
    Role.PROVINCE_MANAGER: "مدیر درمان استان",
    Role.CLAIMS_REVIEWER: "کارشناس رسیدگی اسناد",
    Role.FINANCE_OFFICER: "کارشناس مالی",
    Role.PROVIDER_USER: "کاربر مرکز درمانی",
    Role.PHYSICIAN: "پزشک",
    Role.PHARMACIST: "داروساز",
    Role.AUDITOR: "حسابرس",
    Role.RATER: "ارزیاب مصاحبه",
}


class ScopeLevel(StrEnum):
    NATIONAL = "national"
    PROVINCE = "province"
    FACILITY = "facility"
    # no province or facility: the holder reads only records linked to their own account
    # (a rater's scorecards), so every scope-filtered read refuses them (registry.scope)
    OWN = "own"


SCOPE_LABELS_FA: dict[ScopeLevel, str] = {
    ScopeLevel.NATIONAL: "کشوری",
    ScopeLevel.PROVINCE: "استانی",
    ScopeLevel.FACILITY: "مرکز درمانی",
    ScopeLevel.OWN: "کار خود",
}
