from __future__ import annotations

from enum import StrEnum


class ReferralStatus(StrEnum):
    """What is stored: a referral is issued until the receiving centre answers it."""

    ISSUED = "issued"  # صادر شده: waiting for the visit and the feedback
    ANSWERED = "answered"  # پس‌خوراند داده شده: the episode is closed


class ReferralState(StrEnum):
    """What a reader is shown on a given day (derived, never stored)."""

    OPEN = "open"  # usable for a visit, feedback not yet due
    OVERDUE = "overdue"  # still usable or not, but feedback is later than expected
    EXPIRED = "expired"  # past its validity without feedback, not yet overdue
    ANSWERED = "answered"


class EndReason(StrEnum):
    TRANSFER = "transfer"  # moved to another family physician's panel


LABELS_FA: dict[str, str] = {
    ReferralStatus.ISSUED: "صادر شده",
    ReferralStatus.ANSWERED: "پس‌خوراند داده شده",
    ReferralState.OPEN: "باز",
    ReferralState.OVERDUE: "پس‌خوراند دیرکرد دارد",
    ReferralState.EXPIRED: "منقضی",
    EndReason.TRANSFER: "انتقال به پزشک دیگر",
}
