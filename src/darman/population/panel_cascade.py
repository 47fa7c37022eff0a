"""The care cascade of one family physician's panel for a quarter: the people on the panel
at the quarter's last day, through the same set-based kernel and windows as the province
and facility cascade. A person counts on the panel they belong to that day, whichever
facility registered them; a person who moved panels during the quarter counts on the new
one only. Services never commit."""

from __future__ import annotations

import pyarrow as pa
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from darman.common.errors import FieldProblem, InvalidInput, NotFound, PermissionDenied
from darman.common.paging import PageParams
from darman.population import kernel, service
from darman.population.periods import parse_quarter
from darman.population.schemas import PanelCascadeRead, PanelCascadeRow
from darman.referrals import panels as referrals_panels
from darman.referrals.models import PanelEnrolment
from darman.registry.models import Practitioner
from darman.security.principal import Principal

_PANEL = pa.schema([("national_id", pa.string())])


def _panel_of(session: Session, who: Principal, council_number: str | None) -> tuple[int, str, str]:
    """(practitioner id, council number, name) of the panel the caller may read, through
    the referrals' own scope rules, their refusals said in Persian."""
    try:
        read = referrals_panels.panel(
            session, who, page=PageParams(page=1, size=1), council_number=council_number
        )
    except NotFound:
        raise NotFound(
            f"پزشک خانواده‌ای با شماره‌ی نظام «{council_number}» در حوزه‌ی شما نیست",
            [FieldProblem("physician", "no such family physician in your scope")],
        ) from None
    except PermissionDenied:
        raise PermissionDenied(
            "آبشار مراقبت فهرست یک پزشک را خود پزشک و کارکنان ملی و استانی می‌بینند"
        ) from None
    except InvalidInput:
        raise InvalidInput(
            "شماره‌ی نظام پزشک خانواده (physician) را بدهید",
            [FieldProblem("physician", "required for a caller who is not the physician")],
        ) from None
    practitioner_id = session.scalar(
        select(Practitioner.id).where(Practitioner.council_number == read.council_number)
    )
    if practitioner_id is None:  # pragma: no cover - the panel read found it
        raise NotFound(f"no panel {council_number}")
    return practitioner_id, read.council_number, read.physician_name


def panel_cascade(
    session: Session, who: Principal, *, quarter: str, council_number: str | None = None
) -> PanelCascadeRead:
    """The cascade of every register over a family physician's panel at the end of
    ``quarter`` (``1405Q2``). A physician reads their own panel (another's is NotFound);
    national and provincial staff any in their scope, naming it by council number
    (InvalidInput without one); facility desks are refused (PermissionDenied). InvalidInput
    on a malformed quarter."""
    who.require_role(*service.READERS)
    window = parse_quarter(quarter)
    practitioner_id, number, name = _panel_of(session, who, council_number)
    members = select(PanelEnrolment.national_id).where(
        PanelEnrolment.practitioner_id == practitioner_id,
        PanelEnrolment.enrolled_on <= window.end,
        or_(PanelEnrolment.ended_on.is_(None), PanelEnrolment.ended_on > window.end),
    )
    panel = service._read(session, members.distinct(), _PANEL)
    table = kernel.panel_cascade(**service._cascade_inputs(session, window), panel=panel)
    return PanelCascadeRead(
        quarter=window.quarter, reference_month=window.reference_month, council_number=number,
        physician_name=name, members=panel.num_rows,
        rows=[PanelCascadeRow(**r) for r in table.to_pylist()],
    )  # fmt: skip
