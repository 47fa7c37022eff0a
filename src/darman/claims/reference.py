"""A line-by-line adjudicator written the ordinary way: one claim line at a time,
looking each fact up as it goes. It is the yardstick the kernel is checked
against (they must agree on every line) and the baseline it is timed against.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from darman.claims.kernel import DEDUCT_CODES, REJECT_CODES
from darman.claims.rules import copay as copay_of


@dataclass(frozen=True)
class Decision:
    line_id: int
    asked: int
    allowed: int
    copay: int
    insurer: int
    deducted: int
    reasons: str
    outcome: str


def _rows(table: pa.Table) -> list[dict[str, Any]]:
    return table.to_pylist()


def _age(birth: dt.date, on: dt.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


class ReferenceAdjudicator:
    def __init__(self, tables: Mapping[str, pa.Table]) -> None:
        self.facilities = {r["facility_id"]: r for r in _rows(tables["facilities"])}
        self.insured = {r["national_id"]: r for r in _rows(tables["insured"])}
        self.coverage: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for r in _rows(tables["coverage"]):
            self.coverage[r["national_id"]].append(r)
        self.services = {r["code"]: r for r in _rows(tables["services"])}
        self.drugs = {r["code"]: r for r in _rows(tables["drugs"])}
        self.tariffs = {
            (r["code"], r["year"], r["level"], r["ownership"]): r["amount"]
            for r in _rows(tables["tariffs"])
        }
        calendar = _rows(tables["calendar"])
        self.days = {r["day"]: r for r in calendar if r["province_id"] is None}
        self.province_deadlines = {
            (r["province_id"], r["day"]): r["filing_deadline_days"]
            for r in calendar
            if r["province_id"] is not None
        }
        self.copay = _rows(tables["copay_rates"])
        self.referrals = {r["ref_number"]: r for r in _rows(tables["referrals"])}
        self.dispensed: dict[tuple[str, str, str], int] = defaultdict(int)
        for r in _rows(tables["dispensings"]):
            self.dispensed[(r["prescription_ref"], r["national_id"], r["code"])] += r["quantity"]
        self.used: dict[int, int] = {}
        self.rollouts = {
            (r["province_id"], r["programme"]): r["active_from"] for r in _rows(tables["rollouts"])
        }
        self.bypass = {
            r["province_id"]: r.get("bypass_copay_percent")
            for r in _rows(tables["rollouts"])
            if r["programme"] == "referral"
        }
        # Only lines the insurer pays for count for the frequency and duplicate rules:
        # those earlier runs accepted, then this run's lines that no rule rejects, as they
        # are decided. Per (person, code) their dates, for the frequency rule (earlier
        # runs' before or after a line); their exact keys, for duplicates.
        self.accepted_dates: dict[tuple[str, str], list[dt.date]] = defaultdict(list)
        self.counted_dates: dict[tuple[str, str], list[dt.date]] = defaultdict(list)
        self.paid_keys: set[tuple[str, int, str, dt.date]] = set()
        for r in _rows(tables["history"]):
            self.accepted_dates[(r["national_id"], r["code"])].append(r["service_date"])
            self.paid_keys.add((r["national_id"], r["facility_id"], r["code"], r["service_date"]))

    def _year(self, day: dt.date) -> int | None:
        row = self.days.get(day)
        return row["fiscal_year"] if row else None

    def _copay_percent(
        self, province: int, visit_type: str, ownership: str | None, day: dt.date
    ) -> int:
        """The province's rate in force wins over the national one; among rates of the
        same province (or national ones) the latest valid_from wins; none: no copayment."""
        for wanted in (province, None):
            rates = [
                c
                for c in self.copay
                if c["province_id"] == wanted
                and c["visit_type"] == visit_type
                and c["ownership"] == ownership
                and c["valid_from"] <= day <= c["valid_to"]
            ]
            if rates:
                return int(max(rates, key=lambda c: c["valid_from"])["percent"])
        return 0

    def decide(self, line: dict[str, Any]) -> Decision:
        fac = self.facilities.get(line["facility_id"], {})
        person = self.insured.get(line["national_id"])
        day: dt.date = line["service_date"]
        is_service = line["item_type"] == "service"
        svc = self.services.get(line["code"]) if is_service else None
        drug = self.drugs.get(line["code"]) if line["item_type"] == "drug" else None
        level, ownership = fac.get("level"), fac.get("ownership")
        tariff = (
            self.tariffs.get((line["code"], self._year(day), level, ownership))
            if svc is not None
            else None
        )
        flags: dict[str, bool] = dict.fromkeys((*REJECT_CODES, *DEDUCT_CODES), False)
        flags["R01"] = svc is None and drug is None
        flags["R02"] = svc is not None and tariff is None
        flags["R03"] = not line["nid_valid"] or person is None
        flags["R04"] = person is not None and not any(
            c["start_date"] <= day and (c["end_date"] is None or c["end_date"] >= day)
            for c in self.coverage.get(line["national_id"], [])
        )
        if svc is not None:
            self._service_limits(flags, line, svc, person, level)
        key = (line["national_id"], line["facility_id"], line["code"], day)
        # R08: the same person, facility, code and date as a line the insurer pays for
        flags["R08"] = key in self.paid_keys
        flags["R09"] = self._filed_late(line)
        bypass = self._programmes(flags, line, svc)
        flags["R12"] = drug is not None and not drug["covered"]
        ref_price = tariff if is_service else (drug["price"] if drug else None)
        limit = (
            (svc["max_per_claim"] if svc else None)
            if is_service
            else (drug["max_quantity"] if drug else None)
        )
        decision = self._settle(line, flags, ref_price, limit, bypass, ownership)
        # a paid line counts for the lines after it: for duplicates, and a service line
        # for the frequency rule
        if decision.outcome != "rejected":
            self.paid_keys.add(key)
            if svc is not None:
                self.counted_dates[(line["national_id"], line["code"])].append(day)
        return decision

    def _service_limits(
        self,
        flags: dict[str, bool],
        line: dict[str, Any],
        svc: dict[str, Any],
        person: dict[str, Any] | None,
        level: int | None,
    ) -> None:
        """R05 (level), R06 (sex and age) and R07 (frequency) of a known service. R07: a
        line accepted by an earlier run lies within the limit before or after the line, or
        one of this run that counts lies within it before (lines are decided in date
        order, and only those no rule rejects count)."""
        day: dt.date = line["service_date"]
        flags["R05"] = level is not None and svc["min_level"] > level
        if person is not None:
            age = _age(person["birth_date"], day)
            flags["R06"] = bool(
                (svc["sex_limit"] is not None and svc["sex_limit"] != person["sex"])
                or (svc["min_age"] is not None and age < svc["min_age"])
                or (svc["max_age"] is not None and age > svc["max_age"])
            )
        limit = svc["frequency_days"]
        if limit is not None:
            person_code = (line["national_id"], line["code"])
            counted = self.counted_dates[person_code]
            flags["R07"] = any(
                abs((day - d).days) < limit for d in self.accepted_dates[person_code]
            ) or bool(counted and (day - counted[-1]).days < limit)

    def _filed_late(self, line: dict[str, Any]) -> bool:
        """R09: served after submission, outside the stay, or past the filing deadline;
        a deadline of the line's province in force on the submission date wins."""
        day: dt.date = line["service_date"]
        deadline = self.province_deadlines.get(
            (line["province_id"], line["submitted_date"]),
            self.days.get(line["submitted_date"], {}).get("filing_deadline_days"),
        )
        return bool(
            day > line["submitted_date"]
            or (
                line["visit_type"] == "inpatient"
                and (day < line["admission_date"] or day > line["discharge_date"])
            )
            or (deadline is not None and (line["submitted_date"] - day).days > deadline)
        )

    def _programmes(
        self, flags: dict[str, bool], line: dict[str, Any], svc: dict[str, Any] | None
    ) -> int | None:
        """R10 (referral) and R11 (dispensing) where their programme is in force in the
        line's province on its date; answers the referral-bypass copayment, where it
        applies instead of R10."""
        day: dt.date = line["service_date"]

        def in_force(programme: str) -> bool:
            since = self.rollouts.get((line["province_id"], programme))
            return since is not None and since <= day

        bypass: int | None = None
        if svc is not None and svc["requires_referral"] and in_force("referral"):
            referral = self.referrals.get(line["referral_ref"] or "")
            unreferred = not (
                referral is not None
                and referral["national_id"] == line["national_id"]
                and referral["issued_on"] <= day <= referral["valid_until"]
            )
            bypass = self.bypass.get(line["province_id"]) if unreferred else None
            flags["R10"] = unreferred and bypass is None
        if line["item_type"] == "drug" and in_force("eprescription"):
            key3 = (line["prescription_ref"], line["national_id"], line["code"])
            used = self.used.get(line["line_id"], line["quantity"])
            flags["R11"] = self.dispensed.get(key3, 0) < used
        return bypass

    def _settle(
        self,
        line: dict[str, Any],
        flags: dict[str, bool],
        ref_price: int | None,
        limit: int | None,
        bypass: int | None,
        ownership: str | None,
    ) -> Decision:
        """Deductions, the allowed amount and the patient's share, once the reject flags
        are known."""
        rejected = any(flags[c] for c in REJECT_CODES)
        over_price = ref_price is not None and line["unit_price"] > ref_price
        over_qty = limit is not None and line["quantity"] > limit
        flags["D01"] = not rejected and over_price
        flags["D02"] = not rejected and over_qty
        flags["D03"] = not rejected and bypass is not None
        asked = line["quantity"] * line["unit_price"]
        unit: int = ref_price if over_price and ref_price is not None else line["unit_price"]
        qty: int = limit if over_qty and limit is not None else line["quantity"]
        allowed = 0 if rejected else unit * qty
        percent = self._copay_percent(
            line["province_id"], line["visit_type"], ownership, line["service_date"]
        )
        if flags["D03"] and bypass is not None and bypass > percent:
            percent = bypass
        patient = copay_of(allowed, percent)
        reasons = ";".join(c for c in (*REJECT_CODES, *DEDUCT_CODES) if flags[c])
        outcome = (
            "rejected"
            if rejected
            else ("partial" if flags["D01"] or flags["D02"] or flags["D03"] else "accepted")
        )
        return Decision(
            line["line_id"],
            asked,
            allowed,
            patient,
            allowed - patient,
            asked - allowed,
            reasons,
            outcome,
        )

    def decide_all(self, lines: Iterable[dict[str, Any]]) -> list[Decision]:
        """Lines in the kernel's order for windows: by service date, then line id."""
        lines = list(lines)
        # what each drug line has used of its prescription, counting the lines before it
        running: dict[tuple[str, str, str], int] = defaultdict(int)
        for r in sorted(lines, key=lambda r: r["line_id"]):
            if r["item_type"] == "drug":
                key3 = (r["prescription_ref"], r["national_id"], r["code"])
                running[key3] += r["quantity"]
                self.used[r["line_id"]] = running[key3]
        ordered = sorted(lines, key=lambda r: (r["service_date"], r["line_id"]))
        return sorted((self.decide(r) for r in ordered), key=lambda d: d.line_id)
