"""What a search of claims narrows by: document number, patient, facility, submission dates
and status. The caller's scope is applied by the service before these filters, so a search
for another facility's document finds nothing rather than the document."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, or_, select

from darman.claims.models import Claim
from darman.common.persian import normalize_text, to_ascii_digits
from darman.registry.models import Facility


@dataclass(frozen=True)
class ClaimSearch:
    """Each given field narrows the result; the fields not given do not."""

    document_number: str | None = None  # the facility's own number, exactly
    national_id: str | None = None  # the patient's ten digits, exactly
    facility: str | None = None  # a facility's code, or a part of its name
    submitted_from: dt.date | None = None  # Tehran's day of submission, inclusive
    submitted_to: dt.date | None = None
    status: str | None = None


def _facility_ids(text: str) -> Select[Any]:
    """Facilities whose code is ``text`` (any case) or whose name holds it, the way names are
    stored: Persian yeh and kaf, ASCII digits."""
    wanted = to_ascii_digits(normalize_text(text))
    return select(Facility.id).where(
        or_(
            func.upper(Facility.code) == wanted.upper(),
            Facility.name.contains(wanted, autoescape=True),
        )
    )


def narrow(query: Select[Any], search: ClaimSearch) -> Select[Any]:
    """``query`` (over ``Claim``) with each filter ``search`` gives."""
    if search.document_number:
        query = query.where(Claim.document_number == to_ascii_digits(search.document_number))
    if search.national_id:
        query = query.where(Claim.national_id == to_ascii_digits(search.national_id))
    if search.facility:
        query = query.where(Claim.facility_id.in_(_facility_ids(search.facility)))
    if search.submitted_from is not None:
        query = query.where(Claim.submitted_on >= search.submitted_from)
    if search.submitted_to is not None:
        query = query.where(Claim.submitted_on <= search.submitted_to)
    if search.status:
        query = query.where(Claim.status == search.status)
    return query
