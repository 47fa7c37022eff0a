"""The e-prescription checks, tracking codes and dispensing rules: pure functions, no I/O.

Every refusal or warning is a ``Reason`` with a code, a Persian label the physician
reads and an English label. Blocking reasons refuse the whole prescription (the
physician corrects it and issues again); warnings are shown and the prescription
is issued. Each finding carries the quantity it concerns and that quantity's value
at the drug's reference price, which the savings report sums.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from darman.common.jalali import format_jalali
from darman.common.persian import normalize_text, to_ascii_digits, to_persian_digits
from darman.prescriptions.enums import LineKind, Severity

# A prescription can be dispensed up to this many days after its issue date (inclusive).
DEFAULT_VALID_DAYS = 30
# Days of supply a drug line may cover when the formulary gives the drug no limit of its own.
DEFAULT_MAX_DAYS_SUPPLY = 30
# Service catalogue categories a prescription may order.
ORDER_CATEGORIES = frozenset({"lab", "imaging"})


@dataclass(frozen=True)
class Reason:
    code: str
    blocking: bool
    label_fa: str
    label_en: str


REASONS: tuple[Reason, ...] = (
    Reason(
        "P01",
        True,
        "بیمه‌شده در تاریخ نسخه پوشش بیمه‌ای ندارد",
        "insured not covered on the prescription date",
    ),
    Reason("P02", True, "دارو در فهرست داروهای سازمان نیست", "drug not in the formulary"),
    Reason("P03", True, "دارو تحت پوشش بیمه نیست", "drug not covered"),
    Reason(
        "P04",
        True,
        "تعداد دارو بیش از سقف مجاز هر نسخه است",
        "quantity above the formulary's maximum per prescription",
    ),
    Reason(
        "P05",
        True,
        "مدت مصرف بیش از سقف مجاز روز برای این دارو است",
        "days of supply above the drug's maximum",
    ),
    Reason(
        "P06",
        True,
        "این دارو فقط با نسخه‌ی پزشک متخصص مجاز تجویز می‌شود",
        "specialist-only drug prescribed by a practitioner of another specialty",
    ),
    Reason(
        "P07",
        True,
        "تکرار درمان: همین دارو از نسخه‌ی قبلی هنوز در دوره‌ی مصرف است",
        "duplicate therapy: the same drug is still active from an earlier prescription",
    ),
    Reason("P08", True, "تداخل دارویی شدید", "severe drug interaction"),
    Reason("P09", False, "تداخل دارویی متوسط", "moderate drug interaction"),
    Reason("P10", False, "تداخل دارویی خفیف", "minor drug interaction"),
    Reason(
        "P11",
        True,
        "کد خدمت در فهرست آزمایش‌ها و تصویربرداری‌ها نیست",
        "service code is not a lab or imaging service of the catalogue",
    ),
    Reason(
        "P12",
        True,
        "این قلم بیش از یک بار در نسخه آمده است",
        "the same drug or service appears twice in the prescription",
    ),
)
REASON_BY_CODE = {r.code: r for r in REASONS}
INTERACTION_REASON = {Severity.SEVERE: "P08", Severity.MODERATE: "P09", Severity.MINOR: "P10"}


# ------------------------------------------------------------------ inputs
@dataclass(frozen=True)
class DrugFacts:
    """What the formulary says about one generic."""

    code: str
    name_fa: str
    covered: bool
    max_quantity: int
    max_days_supply: int | None
    specialist_only: bool
    price_rials: int | None


@dataclass(frozen=True)
class LineDraft:
    """A line as the physician wrote it; ``index`` is its position in the request (from 0)."""

    index: int
    kind: LineKind
    code: str
    quantity: int
    days_supply: int | None = None


@dataclass(frozen=True)
class ActiveDrug:
    """A drug of an earlier issued prescription whose days of supply have not passed."""

    code: str
    until: dt.date  # last day of supply
    tracking_code: str


@dataclass(frozen=True)
class Interaction:
    code_a: str
    code_b: str
    severity: Severity
    effect_fa: str
    effect_en: str


InteractionTable = Mapping[frozenset[str], Interaction]


@dataclass(frozen=True)
class Finding:
    """One refusal or warning. ``index`` None concerns the whole prescription."""

    index: int | None
    code: str
    field: str
    quantity: int
    value_rials: int
    other_code: str | None = None
    detail_fa: str = ""

    @property
    def reason(self) -> Reason:
        return REASON_BY_CODE[self.code]

    @property
    def blocking(self) -> bool:
        return self.reason.blocking

    @property
    def text_fa(self) -> str:
        """The Persian sentence the physician reads: the label, then the particulars."""
        return (
            f"{self.reason.label_fa}: {self.detail_fa}" if self.detail_fa else self.reason.label_fa
        )


@dataclass
class CheckInput:
    lines: Sequence[LineDraft]
    covered: bool
    prescriber_specialty: str
    drugs: Mapping[str, DrugFacts]
    order_services: frozenset[str]  # lab and imaging codes of the service catalogue
    permitted_specialties: Mapping[str, frozenset[str]]
    active: Sequence[ActiveDrug] = ()
    interactions: InteractionTable = field(default_factory=dict)


def _fa(value: object) -> str:
    return to_persian_digits(value)


def line_value(drug: DrugFacts | None, quantity: int) -> int:
    """Rials at the reference price; a drug without a price (or an order) is valued at 0."""
    if drug is None or drug.price_rials is None:
        return 0
    return drug.price_rials * quantity


def max_days_of(drug: DrugFacts) -> int:
    return drug.max_days_supply if drug.max_days_supply is not None else DEFAULT_MAX_DAYS_SUPPLY


def same_specialty(a: str, b: str) -> bool:
    return (
        normalize_text(a).replace("\u200c", " ").strip()
        == normalize_text(b).replace("\u200c", " ").strip()
    )


# ------------------------------------------------------------------ checks
def _drug_line_findings(line: LineDraft, inp: CheckInput) -> list[Finding]:
    at = f"lines.{line.index}"
    drug = inp.drugs.get(line.code)
    if drug is None:
        return [Finding(line.index, "P02", f"{at}.code", line.quantity, 0, detail_fa=line.code)]
    value = line_value(drug, line.quantity)
    found: list[Finding] = []
    if not drug.covered:
        found.append(Finding(line.index, "P03", f"{at}.code", line.quantity, value))
    if line.quantity > drug.max_quantity:
        excess = line.quantity - drug.max_quantity
        found.append(
            Finding(
                line.index,
                "P04",
                f"{at}.quantity",
                excess,
                line_value(drug, excess),
                detail_fa=f"{_fa(line.quantity)} عدد، سقف {_fa(drug.max_quantity)} عدد",
            )
        )
    max_days = max_days_of(drug)
    days = line.days_supply or 0
    if days > max_days:
        # the part of the quantity that would be taken beyond the permitted days
        allowed = line.quantity * max_days // days
        excess = line.quantity - allowed
        found.append(
            Finding(
                line.index,
                "P05",
                f"{at}.days_supply",
                excess,
                line_value(drug, excess),
                detail_fa=f"{_fa(days)} روز، سقف {_fa(max_days)} روز",
            )
        )
    if drug.specialist_only:
        permitted = inp.permitted_specialties.get(drug.code, frozenset())
        if not any(same_specialty(inp.prescriber_specialty, s) for s in permitted):
            names = "، ".join(sorted(permitted)) or "هیچ تخصصی"
            found.append(
                Finding(
                    line.index,
                    "P06",
                    f"{at}.code",
                    line.quantity,
                    value,
                    detail_fa=f"تخصص‌های مجاز: {names}",
                )
            )
    for active in inp.active:
        if active.code == drug.code:
            found.append(
                Finding(
                    line.index,
                    "P07",
                    f"{at}.code",
                    line.quantity,
                    value,
                    other_code=active.code,
                    detail_fa=f"نسخه‌ی {active.tracking_code} تا {format_jalali(active.until)}",
                )
            )
            break
    return found


def _interaction_finding(
    line: LineDraft, drug: DrugFacts | None, other: str, where: str, table: InteractionTable
) -> Finding | None:
    hit = table.get(frozenset({line.code, other}))
    if hit is None:
        return None
    return Finding(
        line.index,
        INTERACTION_REASON[hit.severity],
        f"lines.{line.index}.code",
        line.quantity,
        line_value(drug, line.quantity),
        other_code=other,
        detail_fa=f"با {other} {where} ({hit.effect_fa})",
    )


def check(inp: CheckInput) -> list[Finding]:
    """Every refusal and warning for a prescription, in line order.

    Coverage concerns the whole prescription. Per drug line: in the formulary (P02)
    and covered (P03), quantity (P04) and days of supply (P05) within the drug's
    limits, specialist-only drugs from a permitted specialty (P06), no duplicate
    therapy with a still-active earlier prescription (P07). Per order line: a lab or
    imaging service (P11). A code twice in one prescription is P12. Interactions
    (P08 severe, P09 moderate, P10 minor) are checked between the prescription's own
    drugs (reported on the later line) and against the person's still-active drugs.
    """
    found: list[Finding] = []
    if not inp.covered:
        total_qty = sum(line.quantity for line in inp.lines)
        total_value = sum(line_value(inp.drugs.get(line.code), line.quantity) for line in inp.lines)
        found.append(Finding(None, "P01", "national_id", total_qty, total_value))
    seen: dict[tuple[LineKind, str], int] = {}
    earlier_drugs: list[LineDraft] = []
    for line in inp.lines:
        at = f"lines.{line.index}"
        drug = inp.drugs.get(line.code) if line.kind is LineKind.DRUG else None
        first = seen.setdefault((line.kind, line.code), line.index)
        if first != line.index:
            found.append(
                Finding(
                    line.index,
                    "P12",
                    f"{at}.code",
                    line.quantity,
                    line_value(drug, line.quantity),
                    detail_fa=f"ردیف {_fa(first + 1)}",
                )
            )
            continue
        if line.kind is LineKind.SERVICE:
            if line.code not in inp.order_services:
                found.append(Finding(line.index, "P11", f"{at}.code", line.quantity, 0))
            continue
        found.extend(_drug_line_findings(line, inp))
        if drug is None:
            continue
        for other in earlier_drugs:
            hit = _interaction_finding(
                line, drug, other.code, f"در ردیف {_fa(other.index + 1)}", inp.interactions
            )
            if hit:
                found.append(hit)
        for active in inp.active:
            if active.code == line.code:
                continue
            hit = _interaction_finding(
                line, drug, active.code, f"از نسخه‌ی {active.tracking_code}", inp.interactions
            )
            if hit:
                found.append(hit)
        earlier_drugs.append(line)
    return found


def active_until(issued_on: dt.date, days_supply: int) -> dt.date:
    """Last day a drug line's supply lasts: the issue day counts as the first day."""
    return issued_on + dt.timedelta(days=days_supply - 1)


def prescription_active_until(
    issued_on: dt.date, days_supply: Iterable[int | None]
) -> dt.date | None:
    """Last day any of a prescription's drug lines lasts, from the lines' days of supply
    (None without one): stored on the prescription so that the checks find a person's
    possibly active prescriptions by index."""
    longest = max((d for d in days_supply if d is not None), default=None)
    return None if longest is None else active_until(issued_on, longest)


def is_active(issued_on: dt.date, days_supply: int | None, on: dt.date) -> bool:
    return days_supply is not None and active_until(issued_on, days_supply) >= on


def expiry(issued_on: dt.date, valid_days: int = DEFAULT_VALID_DAYS) -> dt.date:
    """Last day a prescription may be dispensed."""
    return issued_on + dt.timedelta(days=valid_days)


# ------------------------------------------------------------ tracking code
# No 0/O, 1/I/L: the code is read aloud and typed by the patient and the pharmacist.
# 31 symbols, a prime, so a weighted check character catches every single
# substitution and every swap of two neighbours.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
BODY_LENGTH = 10  # 31**10 ~ 8e14 codes, drawn by the operating system's CSPRNG
_INDEX = {c: i for i, c in enumerate(ALPHABET)}


def check_character(body: str) -> str:
    total = sum((i + 1) * _INDEX[c] for i, c in enumerate(body))
    return ALPHABET[(-total) % len(ALPHABET)]


def new_tracking_code() -> str:
    body = "".join(secrets.choice(ALPHABET) for _ in range(BODY_LENGTH))
    return body + check_character(body)


def normalize_tracking_code(text: str) -> str | None:
    """The canonical code from what was typed (any case, spaces or dashes, Persian digits),
    or None when it is not a well-formed code with a matching check character."""
    code = to_ascii_digits(text).upper().replace("-", "").replace(" ", "").strip()
    if len(code) != BODY_LENGTH + 1 or any(c not in _INDEX for c in code):
        return None
    return code if check_character(code[:-1]) == code[-1] else None


def display_tracking_code(code: str) -> str:
    """``ABCD-EFGH-JKM``: groups of four for reading aloud."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


# ----------------------------------------------------------------- dispense
# Which facility kinds may hand out which lines: pharmacies drugs, laboratories lab
# orders, imaging centres imaging orders; hospitals and clinics have all three in house.
_ALL = frozenset({"drug", "lab", "imaging"})
DISPENSERS: dict[str, frozenset[str]] = {
    "pharmacy": frozenset({"drug"}),
    "laboratory": frozenset({"lab"}),
    "imaging": frozenset({"imaging"}),
    "hospital": _ALL,
    "polyclinic": _ALL,
    "clinic": _ALL,
}


def may_dispense(facility_kind: str, what: str) -> bool:
    """``what`` is "drug" or the ordered service's category ("lab", "imaging")."""
    return what in DISPENSERS.get(facility_kind, frozenset())


def remaining(quantity: int, dispensed: int) -> int:
    return max(quantity - dispensed, 0)


def codes_in(findings: Iterable[Finding]) -> list[str]:
    return sorted({f.code for f in findings})
