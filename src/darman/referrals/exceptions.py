"""Errors of the referral domain; the one HTTP handler answers them as problem+json."""

from __future__ import annotations

from darman.common.errors import Conflict


class AlreadyEnrolled(Conflict):
    title = "Already enrolled"
    slug = "already-enrolled"


class PanelFull(Conflict):
    title = "Panel full"
    slug = "panel-full"


class FeedbackAlreadyGiven(Conflict):
    title = "Feedback already given"
    slug = "feedback-already-given"


class ReferralStillOpen(Conflict):
    title = "Referral still open"
    slug = "referral-still-open"
