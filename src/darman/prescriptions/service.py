"""Reading e-prescriptions within scope: one by id, or a page of them.

Who sees what: a physician sees only the prescriptions they wrote; national staff
see every prescription and provincial staff those issued in their province; a
pharmacy, laboratory or imaging centre cannot list or search, it fetches the one
prescription it is dispensing by tracking code plus the patient's national ID.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from darman.common.errors import NotFound
from darman.common.paging import Page, PageParams, page_of
from darman.prescriptions.enums import PrescriptionStatus
from darman.prescriptions.issuing import require_physician
from darman.prescriptions.models import Prescription
from darman.prescriptions.reading import read_back
from darman.prescriptions.schemas import PrescriptionRead
from darman.registry import scope
from darman.security.enums import Role
from darman.security.principal import Principal


# ------------------------------------------------------------------ scope
def in_scope(query: Any, who: Principal) -> Any:
    """Restrict a prescriptions query to what the caller may list and read."""
    if who.role is Role.PHYSICIAN:
        return query.where(Prescription.practitioner_id == require_physician(who))
    return scope.restrict(
        query,
        who,
        province=Prescription.province_id,
        facility_refused="a dispensing facility cannot list or search prescriptions; "
        "look one up by tracking code and the patient's national ID",
    )


# ------------------------------------------------------------------ reading
def get(session: Session, who: Principal, *, prescription_id: int) -> PrescriptionRead:
    """One prescription with its lines, what was dispensed and its findings.

    NotFound when it does not exist or is outside the caller's scope (another
    physician's, another province's); PermissionDenied for a dispensing facility.
    """
    p = session.scalar(
        in_scope(select(Prescription).where(Prescription.id == prescription_id), who)
    )
    if p is None:
        raise NotFound(f"no prescription {prescription_id} in your scope")
    return read_back(session, p)


def list_prescriptions(
    session: Session,
    who: Principal,
    *,
    page: PageParams,
    national_id: str | None = None,
    status: PrescriptionStatus | None = None,
) -> Page[PrescriptionRead]:
    """Newest first, within scope (see the module docstring); PermissionDenied for a
    dispensing facility."""
    query = in_scope(select(Prescription), who)
    if national_id:
        query = query.where(Prescription.national_id == national_id)
    if status:
        query = query.where(Prescription.status == status.value)
    return page_of(session, query, page, Prescription.id.desc(), lambda p: read_back(session, p))
