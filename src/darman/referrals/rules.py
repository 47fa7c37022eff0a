"""The referral programme's rules: pure functions, no I/O.

Parameters (defaults here, overridable per call by the service's keyword arguments):

* ``DEFAULT_VALID_DAYS`` (30): a referral can be used for a visit on the day it is
  issued and the 29 days after (``valid_until`` is the last day). It covers one
  episode: once the receiving centre gives its feedback, its validity for claims ends
  on the feedback day, so a later visit needs a new referral.
* ``DEFAULT_FEEDBACK_DAYS`` (14): the receiving specialist is expected to send the
  back-referral (پس‌خوراند) within 14 days of issue; later it is overdue.
* ``DEFAULT_PANEL_CAPACITY`` (2,500): insured people on one family physician's panel
  unless staff set another capacity (at most ``MAX_PANEL_CAPACITY``).
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

from darman.common.errors import FieldProblem
from darman.common.persian import to_persian_digits
from darman.referrals.enums import ReferralState, ReferralStatus

DEFAULT_VALID_DAYS = 30
DEFAULT_FEEDBACK_DAYS = 14
DEFAULT_PANEL_CAPACITY = 2500
MAX_PANEL_CAPACITY = 5000
MAX_VALID_DAYS = 365
# Practitioners who can hold a panel: level-1 general or family physicians of the registry.
FAMILY_PHYSICIAN_SPECIALTIES = frozenset({"پزشک عمومی", "پزشک خانواده"})
FIRST_LEVEL = 1
TOP_LEVEL = 3
# Phase 1 is internal referral inside the insurer's own network.
INTERNAL_PHASE = 1
# A written reason for leaving the own network must say something.
MIN_CHOICE_REASON = 5
_REF_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


# ------------------------------------------------------------------ who may do what
def is_family_physician(level: int, specialty: str) -> bool:
    return level == FIRST_LEVEL and specialty in FAMILY_PHYSICIAN_SPECIALTIES


def next_level(from_level: int) -> int | None:
    """The level a referral from ``from_level`` goes to; None above the top level."""
    return from_level + 1 if FIRST_LEVEL <= from_level < TOP_LEVEL else None


def capacity_problem(members: int, capacity: int) -> FieldProblem | None:
    if members < capacity:
        return None
    return FieldProblem(
        "council_number",
        f"ظرفیت فهرست این پزشک ({to_persian_digits(capacity)} نفر) پر است; panel full",
    )


# ------------------------------------------------------------------ validity and feedback
def valid_until(issued_on: dt.date, valid_days: int = DEFAULT_VALID_DAYS) -> dt.date:
    """Last day a visit may use the referral (``valid_days`` days counting the issue day)."""
    return issued_on + dt.timedelta(days=max(valid_days, 1) - 1)


def feedback_due(issued_on: dt.date, feedback_days: int = DEFAULT_FEEDBACK_DAYS) -> dt.date:
    """Last day the feedback is on time."""
    return issued_on + dt.timedelta(days=feedback_days)


def is_usable(status: str, issued_on: dt.date, until: dt.date, on: dt.date) -> bool:
    """A visit on ``on`` may use the referral: issued, not answered, within its days."""
    return status == ReferralStatus.ISSUED and issued_on <= on <= until


def is_overdue(status: str, due: dt.date, on: dt.date) -> bool:
    return status == ReferralStatus.ISSUED and on > due


def state(status: str, until: dt.date, due: dt.date, on: dt.date) -> ReferralState:
    if status == ReferralStatus.ANSWERED:
        return ReferralState.ANSWERED
    if is_overdue(status, due, on):
        return ReferralState.OVERDUE
    if on > until:
        return ReferralState.EXPIRED
    return ReferralState.OPEN


def days_overdue(due: dt.date, on: dt.date) -> int:
    return max((on - due).days, 0)


# ------------------------------------------------------------------ internal referral first
def choice_problem(phase: int | None, internal: bool, choice_reason: str) -> FieldProblem | None:
    """In a province in phase 1 on the day of the referral, a contracted or outside centre
    may be chosen over the insurer's own only with a written reason."""
    if phase != INTERNAL_PHASE or internal:
        return None
    if len(choice_reason.strip()) >= MIN_CHOICE_REASON:
        return None
    return FieldProblem(
        "choice_reason",
        "در استان‌های مرحله‌ی اول نظام ارجاع، ارجاع به مراکز ملکی سازمان است؛ برای ارجاع به "
        "مرکز طرف قرارداد یا خارج از شبکه، دلیل آن را در choice_reason بنویسید",
    )


@dataclass(frozen=True)
class Candidate:
    """An own facility that offers the specialty at the level asked for."""

    facility_id: int
    code: str
    name: str
    city: str
    level: int
    practitioners: int  # of the specialty working there
    open_referrals: int  # of the specialty addressed there and still usable

    @property
    def load(self) -> Fraction:
        return Fraction(self.open_referrals, max(self.practitioners, 1))


def same_city(candidate_city: str, city: str | None) -> bool:
    return bool(city) and bool(candidate_city) and candidate_city == city


def rank(candidates: Iterable[Candidate], city: str | None) -> list[Candidate]:
    """Same city first (when the referrer's city is known), then the lightest load (open
    referrals per practitioner of the specialty), then by code so the order is stable."""
    return sorted(candidates, key=lambda c: (not same_city(c.city, city), c.load, c.code))


# ------------------------------------------------------------------ numbers
def new_ref_number(jalali_year: int) -> str:
    """``RF1405-7K3M9Q2D``: the year and eight characters that are hard to misread."""
    token = "".join(secrets.choice(_REF_ALPHABET) for _ in range(8))
    return f"RF{jalali_year:04d}-{token}"


def rate(part: int, whole: int, per: int = 100) -> float | None:
    return round(per * part / whole, 1) if whole else None
