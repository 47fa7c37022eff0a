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
}


class ScopeLevel(StrEnum):
    NATIONAL = "national"
    PROVINCE = "province"
    FACILITY = "facility"


SCOPE_LABELS_FA: dict[ScopeLevel, str] = {
    ScopeLevel.NATIONAL: "کشوری",
    ScopeLevel.PROVINCE: "استانی",
    ScopeLevel.FACILITY: "مرکز درمانی",
}
