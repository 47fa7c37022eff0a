"""Generate the synthetic national dataset as rows, table by table.

Everything is drawn from NumPy generators keyed by (seed, province, table),
so the same scale and seed give the same rows in the same order, whatever the
database. Scale shrinks people (insured, practitioners) and contracted
centres, never the structure: 31 provinces, the ~400 owned centres, and every
kind of contracted centre in every province.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import cast

import numpy as np

from darman.common import national_id
from darman.registry.provinces import ProvinceFacts
from darman.synth import catalogue, names

NATIONAL_INSURED = 42_000_000
OWNED_CENTRES = 400
OWNED_PHYSICIANS = 8_000
OWNED_NURSES = 17_000
OWNED_OTHER_STAFF = 45_000  # about 70,000 staff in all
CONTRACTED_PER_1000_INSURED = 0.9
QOM = "19"
QOM_INSURED = 780_000  # the seeds: more than 780,000 insured, 60% of the province
QOM_OWNED = 4
QOM_CONTRACTED = 697
CONTRACTED_KINDS = (
    ("physician_office", 40),
    ("pharmacy", 25),
    ("laboratory", 10),
    ("clinic", 8),
    ("imaging", 6),
    ("family_physician_centre", 5),
    ("polyclinic", 3),
    ("hospital", 3),
)
# Dates in the dataset are fixed, not "today", so a rerun next year gives the same bytes.
REFERENCE_DAY = dt.date(2026, 3, 21)  # 1 Farvardin 1405
# A multiplier coprime with 10**9 makes index -> ID body a bijection: unique IDs, no lookups.
_ID_MULTIPLIER = 387_420_489
_ID_OFFSET = 123_456_789


def _id_body(index: int) -> int:
    """Nine-digit body of the index-th national ID.

    A repeated digit (111111111) passes the check-digit test but is not a
    valid ID, so those ten bodies are swapped for ones from the far end of the
    permutation, which no real index reaches.
    """
    body = (index * _ID_MULTIPLIER + _ID_OFFSET) % 1_000_000_000
    if len(set(f"{body:09d}")) == 1:
        spare = 999_999_999 - body // 111_111_111
        body = (spare * _ID_MULTIPLIER + _ID_OFFSET) % 1_000_000_000
    return body


_SALT = {"plan": 1, "facilities": 2, "insured": 3, "coverage": 4, "practitioners": 5}


def _rng(seed: int, table: str, province: int = 0) -> np.random.Generator:
    return np.random.default_rng([seed, _SALT[table], province])


@dataclass(frozen=True)
class ProvincePlan:
    province_id: int
    code: str
    insured: int
    owned: int
    contracted: int


@dataclass(frozen=True)
class TableRows:
    table: str
    columns: tuple[str, ...]
    rows: Sequence[tuple[object, ...]]


def _largest_remainder(weights: np.ndarray, total: int, minimum: int) -> np.ndarray:
    base = np.full(len(weights), minimum, dtype=np.int64)
    share = weights / weights.sum() * (total - base.sum())
    floor = np.floor(share).astype(np.int64)
    left = int(total - base.sum() - floor.sum())
    order = np.argsort(-(share - floor), kind="stable")
    floor[order[:left]] += 1
    return base + floor


def plan(facts: list[ProvinceFacts], *, scale: float, seed: int) -> list[ProvincePlan]:
    """How many insured, owned and contracted centres each province gets."""
    rng = _rng(seed, "plan")
    shares = rng.uniform(0.45, 0.59, len(facts))
    pops = np.array([f.population_2016 for f in facts], dtype=np.float64)
    full_insured = pops * shares
    qom = next(i for i, f in enumerate(facts) if f.code == QOM)
    # The other provinces share what Qom leaves of the national total.
    others = np.array([i != qom for i in range(len(facts))])
    full_insured[others] *= (NATIONAL_INSURED - QOM_INSURED) / full_insured[others].sum()
    full_insured[qom] = QOM_INSURED
    owned = np.zeros(len(facts), dtype=np.int64)
    owned[others] = _largest_remainder(pops[others], OWNED_CENTRES - QOM_OWNED, 3)
    owned[qom] = QOM_OWNED
    kinds = len(CONTRACTED_KINDS)
    out = []
    for i, f in enumerate(facts):
        contracted_full = (
            QOM_CONTRACTED if i == qom else full_insured[i] * CONTRACTED_PER_1000_INSURED / 1000
        )
        out.append(
            ProvincePlan(
                province_id=i + 1,
                code=f.code,
                insured=max(1, round(full_insured[i] * scale)),
                owned=int(owned[i]),
                contracted=max(kinds, round(contracted_full * scale)),
            )
        )
    return out


def _person_names(rng: np.random.Generator, sex: np.ndarray) -> tuple[list[str], list[str]]:
    male = rng.integers(0, len(names.MALE_FIRST), len(sex))
    female = rng.integers(0, len(names.FEMALE_FIRST), len(sex))
    first = [
        names.MALE_FIRST[m] if s == 0 else names.FEMALE_FIRST[w]
        for s, m, w in zip(sex.tolist(), male.tolist(), female.tolist(), strict=True)
    ]
    last = [names.LAST[i] for i in rng.integers(0, len(names.LAST), len(sex)).tolist()]
    return first, last


FACILITY_COLUMNS = (
    "id",
    "code",
    "name",
    "ownership",
    "kind",
    "level",
    "province_id",
    "city",
    "beds_general",
    "beds_icu",
    "beds_ccu",
    "beds_nicu",
    "ct_scanners",
    "mri_scanners",
    "angiography_units",
    "dialysis_machines",
    "ambulances",
    "physicians",
    "nurses",
    "other_staff",
    "is_active",
)


def _owned_kind(rng: np.random.Generator, n: int) -> list[str]:
    # The first owned centre of every province is a hospital; the rest are drawn.
    drawn = rng.choice(["hospital", "polyclinic", "clinic"], size=n - 1, p=[0.2, 0.35, 0.45])
    return ["hospital", *(str(k) for k in drawn)]


def _equipment(rng: np.random.Generator, kind: str, level: int) -> tuple[int, ...]:
    """beds general/icu/ccu/nicu, CT, MRI, angiography, dialysis, ambulances."""
    if kind == "hospital":
        general = int(rng.integers(60, 160)) if level == 2 else int(rng.integers(150, 450))
        icu = max(4, general * int(rng.integers(7, 12)) // 100)
        ccu = general * int(rng.integers(3, 6)) // 100 if level == 3 else int(rng.integers(0, 6))
        nicu = int(rng.integers(5, 20)) if level == 3 and rng.random() < 0.7 else 0
        ct = int(rng.integers(1, 3)) if level == 3 else int(rng.random() < 0.6)
        mri = int(rng.integers(0, 3)) if level == 3 else 0
        angio = int(rng.integers(0, 3)) if level == 3 else 0
        dialysis = int(rng.integers(5, 30)) if level == 3 else int(rng.integers(0, 15))
        ambulances = int(rng.integers(2, 7)) if level == 3 else int(rng.integers(1, 4))
        return general, icu, ccu, nicu, ct, mri, angio, dialysis, ambulances
    if kind == "imaging":
        return 0, 0, 0, 0, int(rng.integers(0, 3)), int(rng.integers(0, 2)), 0, 0, 0
    if kind == "polyclinic":
        return 0, 0, 0, 0, 0, 0, 0, int(rng.integers(0, 10)), int(rng.random() < 0.3)
    return 0, 0, 0, 0, 0, 0, 0, 0, 0


def facilities(plans: list[ProvincePlan], *, seed: int) -> TableRows:
    """Owned centres first (their staff split the national totals), then contracted ones."""
    rows: list[list[object]] = []
    owned_rows: list[int] = []
    for p in plans:
        rng = _rng(seed, "facilities", p.province_id)
        city = names.CAPITALS[p.code]
        for n, kind in enumerate(_owned_kind(rng, p.owned), start=1):
            level = (
                (3 if rng.random() < 0.35 else 2)
                if kind == "hospital"
                else (2 if kind == "polyclinic" else 1)
            )
            label = {"hospital": "بیمارستان", "polyclinic": "پلی‌کلینیک", "clinic": "درمانگاه"}[kind]
            patron = names.HOSPITAL_PATRONS[int(rng.integers(0, len(names.HOSPITAL_PATRONS)))]
            name = f"{label} {patron} تأمین اجتماعی {city}" + (
                f" {n}" if kind != "hospital" else ""
            )
            owned_rows.append(len(rows))
            rows.append(
                [
                    0,
                    f"O{p.code}{n:04d}",
                    name,
                    "owned",
                    kind,
                    level,
                    p.province_id,
                    city,
                    *_equipment(rng, kind, level),
                    0,
                    0,
                    0,
                    True,
                ]
            )
        kinds = [k for k, _ in CONTRACTED_KINDS]
        weights = np.array([w for _, w in CONTRACTED_KINDS], dtype=np.float64)
        drawn = kinds + [
            str(k)
            for k in rng.choice(kinds, size=p.contracted - len(kinds), p=weights / weights.sum())
        ]
        first, last = _person_names(rng, rng.integers(0, 2, len(drawn)))
        for n, kind in enumerate(drawn, start=1):
            level = {"hospital": 2, "polyclinic": 2, "imaging": 2}.get(kind, 1)
            if kind == "hospital" and rng.random() < 0.25:
                level = 3
            doctor = f"دکتر {first[n - 1]} {last[n - 1]}"
            name = {
                "physician_office": f"مطب {doctor}",
                "pharmacy": f"داروخانه {doctor}",
                "laboratory": f"آزمایشگاه تشخیص طبی {last[n - 1]}",
                "clinic": f"درمانگاه {last[n - 1]} {city}",
                "imaging": f"مرکز تصویربرداری {last[n - 1]}",
                "family_physician_centre": f"مرکز پزشک خانواده {doctor}",
                "polyclinic": f"پلی‌کلینیک تخصصی {last[n - 1]}",
                "hospital": f"بیمارستان خصوصی {last[n - 1]} {city}",
            }[kind]
            staff = (
                (int(rng.integers(20, 120)), int(rng.integers(60, 300)), int(rng.integers(50, 250)))
                if kind == "hospital"
                else (
                    1
                    if kind in ("physician_office", "family_physician_centre")
                    else int(rng.integers(1, 6)),
                    int(rng.integers(0, 4)),
                    int(rng.integers(1, 8)),
                )
            )
            rows.append(
                [
                    0,
                    f"C{p.code}{n:05d}",
                    name,
                    "contracted",
                    kind,
                    level,
                    p.province_id,
                    city,
                    *_equipment(rng, kind, level),
                    *staff,
                    True,
                ]
            )
    # Owned staff: the national totals split by a weight per kind and size.
    rng = _rng(seed, "facilities", 0)
    weight = np.array(
        [
            {"hospital": 10.0 + cast(int, rows[i][8]) / 20, "polyclinic": 3.0, "clinic": 1.0}[
                str(rows[i][4])
            ]
            for i in owned_rows
        ]
    )
    for column, total in ((17, OWNED_PHYSICIANS), (18, OWNED_NURSES), (19, OWNED_OTHER_STAFF)):
        split = rng.multinomial(total, weight / weight.sum())
        for i, value in zip(owned_rows, split.tolist(), strict=True):
            rows[i][column] = int(value)
    for i, row in enumerate(rows, start=1):
        row[0] = i
    return TableRows("facilities", FACILITY_COLUMNS, [tuple(r) for r in rows])


INSURED_COLUMNS = (
    "id",
    "national_id",
    "first_name",
    "last_name",
    "sex",
    "birth_date",
    "province_id",
    "relation",
    "main_insured_id",
)
COVERAGE_COLUMNS = ("id", "insured_id", "start_date", "end_date", "plan")
# Age pyramid weights by decade 0-9 ... 80-89, shaped like the national one.
_AGE_DECADE_WEIGHTS = np.array([15, 14, 14, 18, 16, 11, 7, 3.5, 1.2], dtype=np.float64)


def _ages(rng: np.random.Generator, n: int, minimum: int = 0) -> np.ndarray:
    decades = rng.choice(
        len(_AGE_DECADE_WEIGHTS), size=n, p=_AGE_DECADE_WEIGHTS / _AGE_DECADE_WEIGHTS.sum()
    )
    return np.maximum(decades * 10 + rng.integers(0, 10, n), minimum)


def insured(plans: list[ProvincePlan], *, seed: int) -> Iterator[TableRows]:
    """Per province: main insured first, then dependants, each pointing at a household head."""
    next_id = 1
    ref = REFERENCE_DAY.toordinal()
    for p in plans:
        rng = _rng(seed, "insured", p.province_id)
        n_main = max(1, round(p.insured * 0.42))
        n_dep = p.insured - n_main
        sex = rng.integers(0, 2, p.insured)
        first, last = _person_names(rng, sex)
        ages = np.concatenate([_ages(rng, n_main, 18), _ages(rng, n_dep)])
        birth = ref - ages * 365 - rng.integers(0, 365, p.insured)
        heads = rng.integers(0, n_main, n_dep)
        ids = np.arange(next_id, next_id + p.insured)
        bodies = [_id_body(int(i)) for i in ids]
        rows: list[tuple[object, ...]] = []
        for j in range(p.insured):
            is_dep = j >= n_main
            head = int(heads[j - n_main]) if is_dep else -1
            rows.append(
                (
                    int(ids[j]),
                    national_id.make(bodies[j]),
                    first[j],
                    last[head] if is_dep else last[j],
                    "male" if sex[j] == 0 else "female",
                    dt.date.fromordinal(int(birth[j])),
                    p.province_id,
                    "dependant" if is_dep else "main",
                    int(ids[head]) if is_dep else None,
                )
            )
        next_id += p.insured
        yield TableRows("insured", INSURED_COLUMNS, rows)


def coverage(plans: list[ProvincePlan], *, seed: int) -> Iterator[TableRows]:
    """One current period per person; some ended, some with an earlier period before a gap."""
    next_id = 1
    first_insured = 1
    start_floor = dt.date(2012, 3, 20).toordinal()  # 1391/01/01
    ref = REFERENCE_DAY.toordinal()
    for p in plans:
        rng = _rng(seed, "coverage", p.province_id)
        n = p.insured
        start = rng.integers(start_floor, ref - 30, n)
        ended = rng.random(n) < 0.12
        length = rng.integers(30, 2000, n)
        earlier = rng.random(n) < 0.10
        gap = rng.integers(1, 400, n)
        earlier_len = rng.integers(60, 1500, n)
        rows: list[tuple[object, ...]] = []
        for j in range(n):
            pid = first_insured + j
            s = int(start[j])
            if earlier[j]:
                e_end = s - int(gap[j])
                rows.append(
                    (
                        next_id,
                        pid,
                        dt.date.fromordinal(e_end - int(earlier_len[j])),
                        dt.date.fromordinal(e_end),
                        "general",
                    )
                )
                next_id += 1
            end = dt.date.fromordinal(min(s + int(length[j]), ref - 1)) if ended[j] else None
            rows.append((next_id, pid, dt.date.fromordinal(s), end, "general"))
            next_id += 1
        first_insured += n
        yield TableRows("coverage_periods", COVERAGE_COLUMNS, rows)


PRACTITIONER_COLUMNS = (
    "id",
    "council_number",
    "first_name",
    "last_name",
    "sex",
    "specialty",
    "level",
    "province_id",
)


def practitioners(
    plans: list[ProvincePlan], fac: TableRows, *, scale: float, seed: int
) -> tuple[TableRows, TableRows]:
    """Owned-network physicians (scaled, spread by each centre's physician count), plus the
    physician of every contracted office and family-physician centre."""
    rng = _rng(seed, "practitioners")
    owned = [r for r in fac.rows if r[3] == "owned"]
    weights = np.array([max(1, int(r[17])) for r in owned], dtype=np.float64)  # type: ignore[call-overload]
    n_owned = max(2 * len(plans), round(OWNED_PHYSICIANS * scale))
    where = rng.choice(len(owned), size=n_owned, p=weights / weights.sum())
    solo = [r for r in fac.rows if r[4] in ("physician_office", "family_physician_centre")]
    people: list[tuple[object, ...]] = []
    links: list[tuple[object, ...]] = []
    sex = rng.integers(0, 2, n_owned + len(solo))
    first, last = _person_names(rng, sex)
    specialty_idx = rng.integers(0, len(names.SPECIALTIES), n_owned)
    for k, facility in enumerate([owned[i] for i in where.tolist()] + solo):
        pid = k + 1
        if k < n_owned:
            specialty, level = names.SPECIALTIES[int(specialty_idx[k])]
        elif facility[4] == "family_physician_centre":
            specialty, level = "پزشک خانواده", 1
        else:
            specialty, level = names.SPECIALTIES[int(rng.integers(0, len(names.SPECIALTIES)))]
        people.append(
            (
                pid,
                str(100_000 + pid),
                first[k],
                last[k],
                "male" if sex[k] == 0 else "female",
                specialty,
                level,
                facility[6],
            )
        )
        links.append((pid, pid, facility[0]))
    return (
        TableRows("practitioners", PRACTITIONER_COLUMNS, people),
        TableRows("practitioner_facilities", ("id", "practitioner_id", "facility_id"), links),
    )


def catalogue_tables() -> list[TableRows]:
    services = [
        (
            i,
            code,
            name,
            cat,
            lvl,
            sex,
            lo,
            hi,
            catalogue.FREQUENCY_DAYS.get(code),
            catalogue.MAX_PER_CLAIM.get(code),
        )
        for i, (code, name, cat, lvl, sex, lo, hi, _) in enumerate(catalogue.SERVICES, start=1)
    ]
    drugs = [
        (i, *d, catalogue.DRUG_PRICES[d[0]], catalogue.DRUG_MAX_DAYS[d[0]])
        for i, d in enumerate(catalogue.DRUGS, start=1)
    ]
    drug_years = [
        (
            len(catalogue.FORMULARY_YEARS) * (i - 1) + k,
            i,
            year,
            *catalogue.drug_year_entry(d[0], d[4], year),
        )
        for i, d in enumerate(catalogue.DRUGS, start=1)
        for k, year in enumerate(catalogue.FORMULARY_YEARS, start=1)
    ]
    tariffs: list[tuple[object, ...]] = []
    for sid, (_, _, _, min_level, _, _, _, base) in enumerate(catalogue.SERVICES, start=1):
        for year in catalogue.TARIFF_YEARS:
            for level in range(min_level, 4):
                for ownership in ("owned", "contracted"):
                    tariffs.append(
                        (
                            len(tariffs) + 1,
                            sid,
                            year,
                            level,
                            ownership,
                            catalogue.tariff_amount(base, year, level, min_level, ownership),
                        )
                    )
    return [
        TableRows(
            "services",
            (
                "id",
                "code",
                "name_fa",
                "category",
                "min_level",
                "sex_limit",
                "min_age",
                "max_age",
                "frequency_days",
                "max_per_claim",
            ),
            services,
        ),
        TableRows(
            "drugs",
            (
                "id",
                "generic_code",
                "name_fa",
                "form",
                "strength",
                "covered",
                "max_quantity",
                "specialist_only",
                "price_rials",
                "max_days_supply",
            ),
            drugs,
        ),
        TableRows("drug_years", ("id", "drug_id", "year", "covered", "price_rials"), drug_years),
        TableRows(
            "tariffs", ("id", "service_id", "year", "level", "ownership", "amount_rials"), tariffs
        ),
    ]
