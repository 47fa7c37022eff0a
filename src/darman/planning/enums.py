"""What can be measured and against whom: resources, populations, their Persian labels."""

from __future__ import annotations

from enum import StrEnum


class Resource(StrEnum):
    BEDS_GENERAL = "beds_general"
    BEDS_ICU = "beds_icu"
    BEDS_CCU = "beds_ccu"
    BEDS_NICU = "beds_nicu"
    CT = "ct_scanners"
    MRI = "mri_scanners"
    ANGIOGRAPHY = "angiography_units"
    DIALYSIS = "dialysis_machines"
    AMBULANCES = "ambulances"
    PHYSICIANS = "physicians"
    NURSES = "nurses"
    # national statistics of every province, the whole population's context
    BEDS_1396 = "beds_1396"
    ICU_BEDS_1396 = "icu_beds_1396"
    # the insurer's treatment spending in the last complete fiscal year (rials)
    SPENDING = "spending_rials"


# Columns of ``registry.models.Facility`` summed per province.
FACILITY_RESOURCES = (
    "beds_general", "beds_icu", "beds_ccu", "beds_nicu", "ct_scanners", "mri_scanners",
    "angiography_units", "dialysis_machines", "ambulances", "physicians", "nurses",
)  # fmt: skip


class Population(StrEnum):
    TOTAL = "population"  # 2016 census, everyone
    INSURED = "insured"  # covered by the insurer on the day


RESOURCE_LABELS_FA = {
    Resource.BEDS_GENERAL: "تخت عادی",
    Resource.BEDS_ICU: "تخت مراقبت ویژه (ICU)",
    Resource.BEDS_CCU: "تخت مراقبت قلبی (CCU)",
    Resource.BEDS_NICU: "تخت مراقبت ویژه نوزادان (NICU)",
    Resource.CT: "سی‌تی‌اسکن",
    Resource.MRI: "ام‌آر‌آی",
    Resource.ANGIOGRAPHY: "آنژیوگرافی",
    Resource.DIALYSIS: "دستگاه دیالیز",
    Resource.AMBULANCES: "آمبولانس",
    Resource.PHYSICIANS: "پزشک",
    Resource.NURSES: "پرستار",
    Resource.BEDS_1396: "تخت فعال کل استان (۱۳۹۶)",
    Resource.ICU_BEDS_1396: "تخت ویژه کل استان (۱۳۹۶)",
    Resource.SPENDING: "هزینه‌ی درمان سازمان (ریال)",
}
POPULATION_LABELS_FA = {
    Population.TOTAL: "جمعیت کل (سرشماری ۱۳۹۵)",
    Population.INSURED: "بیمه‌شدگان",
}
