from __future__ import annotations

from enum import StrEnum


class Ownership(StrEnum):
    OWNED = "owned"  # مرکز ملکی
    CONTRACTED = "contracted"  # مرکز طرف قرارداد


class FacilityKind(StrEnum):
    HOSPITAL = "hospital"
    CLINIC = "clinic"
    POLYCLINIC = "polyclinic"
    PHARMACY = "pharmacy"
    LABORATORY = "laboratory"
    IMAGING = "imaging"
    PHYSICIAN_OFFICE = "physician_office"
    FAMILY_PHYSICIAN_CENTRE = "family_physician_centre"


class Sex(StrEnum):
    MALE = "male"
    FEMALE = "female"


class Relation(StrEnum):
    MAIN = "main"  # بیمه‌شده اصلی
    DEPENDANT = "dependant"  # بیمه‌شده تبعی


class ServiceCategory(StrEnum):
    VISIT = "visit"
    LAB = "lab"
    IMAGING = "imaging"
    PROCEDURE = "procedure"
    BED_DAY = "bed_day"
    DENTAL = "dental"
    REHABILITATION = "rehabilitation"


class DrugForm(StrEnum):
    TABLET = "tablet"
    CAPSULE = "capsule"
    SYRUP = "syrup"
    INJECTION = "injection"
    OINTMENT = "ointment"
    DROPS = "drops"
    INHALER = "inhaler"
    SUPPOSITORY = "suppository"


class TransferTable(StrEnum):
    """The registry tables a CSV or Excel file imports into and exports from."""

    FACILITIES = "facilities"
    INSURED = "insured"
    COVERAGE = "coverage"
    PRACTITIONERS = "practitioners"
    SERVICES = "services"
    DRUGS = "drugs"
    TARIFFS = "tariffs"


LABELS_FA: dict[str, str] = {
    Ownership.OWNED: "ملکی",
    Ownership.CONTRACTED: "طرف قرارداد",
    FacilityKind.HOSPITAL: "بیمارستان",
    FacilityKind.CLINIC: "درمانگاه",
    FacilityKind.POLYCLINIC: "پلی‌کلینیک",
    FacilityKind.PHARMACY: "داروخانه",
    FacilityKind.LABORATORY: "آزمایشگاه",
    FacilityKind.IMAGING: "مرکز تصویربرداری",
    FacilityKind.PHYSICIAN_OFFICE: "مطب پزشک",
    FacilityKind.FAMILY_PHYSICIAN_CENTRE: "مرکز پزشک خانواده",
    Sex.MALE: "مرد",
    Sex.FEMALE: "زن",
    Relation.MAIN: "اصلی",
    Relation.DEPENDANT: "تبعی",
}
