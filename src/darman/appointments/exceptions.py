"""Errors of the appointment domain, each answered in Persian."""

from __future__ import annotations

from darman.common.errors import Conflict, NotFound


class CallNotFound(NotFound):
    pass


class PostNotFound(NotFound):
    pass


class CandidateNotFound(NotFound):
    pass


class RaterNotFound(NotFound):
    pass


class ConflictOfInterest(Conflict):
    pass


class RuleChangeNeedsReason(Conflict):
    pass


class NothingRanked(Conflict):
    pass
