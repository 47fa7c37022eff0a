"""Pydantic input/output shapes of the registry. Create shapes are also the CSV/Excel columns."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from darman.common.jalali import tehran_today
from darman.common.validators import (
    AnyDate,
    Digits,
    NationalId,
    OptionalAnyDate,
    PersianText,
    int_from_text,
    rials_from_text,
)
from darman.registry.enums import (
    DrugForm,
    FacilityKind,
    Ownership,
    Relation,
    ServiceCategory,
    Sex,
)

# Upper bounds are the database columns' (int4, int8): larger values are refused, not truncated.
Count = Annotated[int, BeforeValidator(int_from_text), Field(ge=0, le=2_147_483_647)]
Level = Annotated[int, BeforeValidator(int_from_text), Field(ge=1, le=3)]
Rials = Annotated[int, BeforeValidator(rials_from_text), Field(ge=0, le=2**63 - 1)]
Age = Annotated[int, BeforeValidator(int_from_text), Field(ge=0, le=130)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ProvinceRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    name_en: str
    name_fa: str
    population_2016: int
    active_beds_1396: int
    icu_beds_1396: int


class FacilityCreate(Strict):
    code: str = Field(min_length=1, max_length=16)
    name: PersianText = Field(min_length=2, max_length=200)
    ownership: Ownership
    kind: FacilityKind
    level: Level
    province_code: Digits = Field(min_length=2, max_length=2)
    city: PersianText = Field("", max_length=64)
    beds_general: Count = 0
    beds_icu: Count = 0
    beds_ccu: Count = 0
    beds_nicu: Count = 0
    ct_scanners: Count = 0
    mri_scanners: Count = 0
    angiography_units: Count = 0
    dialysis_machines: Count = 0
    ambulances: Count = 0
    physicians: Count = 0
    nurses: Count = 0
    other_staff: Count = 0


class PartialUpdate(Strict):
    """Fields to change; a field left out stays as it is (null is not a value here)."""

    @model_validator(mode="before")
    @classmethod
    def _no_nulls(cls, data: object) -> object:
        if isinstance(data, dict):
            nulls = sorted(k for k, v in data.items() if v is None)
            if nulls:
                raise ValueError(
                    f"leave out a field you do not change; null given for {', '.join(nulls)}"
                )
        return data


class FacilityUpdate(PartialUpdate):
    name: Annotated[PersianText, Field(min_length=2, max_length=200)] | None = None
    level: Level | None = None
    city: Annotated[PersianText, Field(max_length=64)] | None = None
    beds_general: Count | None = None
    beds_icu: Count | None = None
    beds_ccu: Count | None = None
    beds_nicu: Count | None = None
    ct_scanners: Count | None = None
    mri_scanners: Count | None = None
    angiography_units: Count | None = None
    dialysis_machines: Count | None = None
    ambulances: Count | None = None
    physicians: Count | None = None
    nurses: Count | None = None
    other_staff: Count | None = None
    is_active: bool | None = None


class FacilityRead(FacilityCreate):
    model_config = ConfigDict(extra="ignore")

    id: int
    province_id: int
    is_active: bool


class InsuredCreate(Strict):
    national_id: NationalId
    first_name: PersianText = Field(min_length=1, max_length=64)
    last_name: PersianText = Field(min_length=1, max_length=64)
    sex: Sex
    birth_date: AnyDate
    province_code: Digits = Field(min_length=2, max_length=2)
    relation: Relation = Relation.MAIN
    main_national_id: Annotated[NationalId | None, Field()] = None

    @model_validator(mode="before")
    @classmethod
    def _blank_main_id(cls, data: object) -> object:
        if isinstance(data, dict) and data.get("main_national_id") in ("", None):
            data = {**data, "main_national_id": None}
        return data

    @model_validator(mode="after")
    def _dependant_has_main(self) -> InsuredCreate:
        if self.relation is Relation.DEPENDANT and not self.main_national_id:
            raise ValueError("a dependant needs main_national_id")
        if self.relation is Relation.MAIN and self.main_national_id:
            raise ValueError("a main insured person has no main_national_id")
        if self.birth_date > tehran_today():
            raise ValueError("birth_date is in the future")
        return self


class InsuredUpdate(PartialUpdate):
    """A person's name, sex and birth date as corrected; the national ID, province and
    relation are who the person is in the registry and are not changed here."""

    first_name: Annotated[PersianText, Field(min_length=1, max_length=64)] | None = None
    last_name: Annotated[PersianText, Field(min_length=1, max_length=64)] | None = None
    sex: Sex | None = None
    birth_date: AnyDate | None = None

    @field_validator("birth_date")
    @classmethod
    def _born(cls, value: dt.date | None) -> dt.date | None:
        # a field's own validator, so the form names the field the reason is about
        if value is not None and value > tehran_today():
            raise ValueError("تاریخ تولد در آینده است")
        return value


class InsuredRead(BaseModel):
    id: int
    national_id: str
    first_name: str
    last_name: str
    sex: Sex
    birth_date: dt.date
    province_code: str
    relation: Relation
    main_national_id: str | None


class CoverageCreate(Strict):
    national_id: NationalId
    start_date: AnyDate
    end_date: OptionalAnyDate = None
    plan: str = Field("general", min_length=1, max_length=32)

    @model_validator(mode="after")
    def _ordered(self) -> CoverageCreate:
        if self.end_date is not None and self.end_date < self.start_date:
            raise ValueError("end_date is before start_date")
        return self


class CoverageRead(CoverageCreate):
    model_config = ConfigDict(extra="ignore")

    id: int


class Eligibility(BaseModel):
    national_id: str
    on: dt.date
    on_jalali: str
    eligible: bool
    coverage_id: int | None
    coverage_end: dt.date | None


class PractitionerCreate(Strict):
    council_number: Digits = Field(min_length=1, max_length=16, pattern=r"^\d+$")
    first_name: PersianText = Field(min_length=1, max_length=64)
    last_name: PersianText = Field(min_length=1, max_length=64)
    sex: Sex
    specialty: PersianText = Field(min_length=1, max_length=64)
    level: Level
    province_code: Digits = Field(min_length=2, max_length=2)
    facility_codes: str = Field("", description="facility codes separated by ';'")


class PractitionerUpdate(PartialUpdate):
    """A practitioner's name, specialty and level as corrected; the council number and
    province stay, and workplaces are not edited here."""

    first_name: Annotated[PersianText, Field(min_length=1, max_length=64)] | None = None
    last_name: Annotated[PersianText, Field(min_length=1, max_length=64)] | None = None
    specialty: Annotated[PersianText, Field(min_length=1, max_length=64)] | None = None
    level: Level | None = None


class PractitionerRead(PractitionerCreate):
    model_config = ConfigDict(extra="ignore")

    id: int


class ServiceCreate(Strict):
    code: Digits = Field(min_length=1, max_length=16, pattern=r"^\d+$")
    name_fa: PersianText = Field(min_length=1, max_length=200)
    category: ServiceCategory
    min_level: Level = 1
    sex_limit: Sex | None = None
    min_age: Age | None = None
    max_age: Age | None = None
    frequency_days: Annotated[int, BeforeValidator(int_from_text), Field(ge=1, le=3650)] | None = (
        None
    )
    max_per_claim: Annotated[int, BeforeValidator(int_from_text), Field(ge=1, le=10_000)] | None = (
        None
    )

    @model_validator(mode="before")
    @classmethod
    def _blank_to_none(cls, data: object) -> object:
        if isinstance(data, dict):
            return {k: (None if v == "" else v) for k, v in data.items()}
        return data

    @model_validator(mode="after")
    def _age_range(self) -> ServiceCreate:
        if self.min_age is not None and self.max_age is not None and self.min_age > self.max_age:
            raise ValueError("min_age is above max_age")
        return self


class ServiceRead(ServiceCreate):
    model_config = ConfigDict(extra="ignore")

    id: int


class DrugCreate(Strict):
    generic_code: Digits = Field(min_length=1, max_length=16, pattern=r"^\d+$")
    name_fa: PersianText = Field(min_length=1, max_length=200)
    form: DrugForm
    strength: str = Field(min_length=1, max_length=32)
    covered: bool = True
    max_quantity: Count
    specialist_only: bool = False
    price_rials: Rials | None = None
    max_days_supply: Annotated[int, BeforeValidator(int_from_text), Field(ge=1, le=365)] | None = (
        None
    )


class DrugRead(DrugCreate):
    model_config = ConfigDict(extra="ignore")

    id: int


class DrugYearRead(BaseModel):
    """One drug as the formulary of a Jalali year lists it: the drug's fixed facts with that
    year's cover and reference price per unit in rials."""

    generic_code: str
    name_fa: str
    form: str
    strength: str
    specialist_only: bool
    max_quantity: int
    year: int
    covered: bool
    price_rials: int | None


class TariffCreate(Strict):
    service_code: Digits = Field(min_length=1, max_length=16, pattern=r"^\d+$")
    year: Annotated[int, BeforeValidator(int_from_text), Field(ge=1390, le=1500)]
    level: Level
    ownership: Ownership
    amount_rials: Rials


class TariffRead(TariffCreate):
    model_config = ConfigDict(extra="ignore")

    id: int
