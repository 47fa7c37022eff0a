"""REST endpoints of family-physician panels and the referral system."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from darman.common.paging import MAX_ID, Page, PagingDep
from darman.common.validators import NationalId
from darman.referrals import indicators as referrals_indicators
from darman.referrals import panels, policy, reading, service
from darman.referrals import rollout as referrals_rollout
from darman.referrals import suggestions as referrals_suggestions
from darman.referrals.enums import ReferralStatus
from darman.referrals.schemas import (
    CapacityIn,
    CouncilNumber,
    EnrolIn,
    EnrolmentRead,
    FeedbackIn,
    IndicatorReport,
    NationalIdIn,
    PanelRead,
    ReferralAtDeskRead,
    ReferralDaysIn,
    ReferralIn,
    ReferralOnIn,
    ReferralPolicyRead,
    ReferralRead,
    RolloutRead,
    SuggestionRead,
    TransferIn,
    UnenrolledRead,
)
from darman.security.deps import PrincipalDep, ReadUowDep, UowDep

router = APIRouter(prefix="/api/v1/referrals", tags=["referrals"])
ReferralId = Annotated[int, Path(ge=1, le=MAX_ID)]
ProvinceCode = Annotated[str | None, Query(min_length=2, max_length=2)]


# ------------------------------------------------------------------ panels
@router.post("/panels/enrol", response_model=EnrolmentRead, status_code=201)
def enrol(body: EnrolIn, who: PrincipalDep, uow: UowDep) -> EnrolmentRead:
    """Put a covered resident on a family physician's panel: a physician's own (no
    council number) or, for panel managers, the one named; 409 when already on a panel or
    the panel is full."""
    read = panels.enrol(
        uow.session,
        who,
        national_id=body.national_id,
        council_number=body.council_number,
        note=body.note,
    )
    uow.commit()
    return read


@router.post("/panels/transfer", response_model=EnrolmentRead, status_code=201)
def transfer(body: TransferIn, who: PrincipalDep, uow: UowDep) -> EnrolmentRead:
    """Move an enrolled person to another family physician; the history is kept."""
    read = panels.transfer(
        uow.session,
        who,
        national_id=body.national_id,
        council_number=body.council_number,
        note=body.note,
    )
    uow.commit()
    return read


@router.get("/panels/mine", response_model=PanelRead)
def my_panel(who: PrincipalDep, uow: ReadUowDep, paging: PagingDep) -> PanelRead:
    """The calling family physician's panel."""
    return panels.panel(uow.session, who, page=paging)


@router.get("/panels/unenrolled", response_model=Page[UnenrolledRead])
def unenrolled(
    who: PrincipalDep,
    uow: ReadUowDep,
    paging: PagingDep,
    province_code: ProvinceCode = None,
) -> Page[UnenrolledRead]:
    """Insured people of a province on no panel; national and provincial staff only."""
    return panels.unenrolled(uow.session, who, page=paging, province_code=province_code)


@router.post("/panels/history", response_model=list[EnrolmentRead])
def history(body: NationalIdIn, who: PrincipalDep, uow: ReadUowDep) -> list[EnrolmentRead]:
    """A person's enrolments, transfers included (POST keeps the national ID out of URLs)."""
    return panels.history(uow.session, who, national_id=body.national_id)


@router.get("/panels/{council_number}", response_model=PanelRead)
def get_panel(
    council_number: Annotated[CouncilNumber, Path()],
    who: PrincipalDep,
    uow: ReadUowDep,
    paging: PagingDep,
) -> PanelRead:
    """A family physician's panel: staff in scope, or the physician themself."""
    return panels.panel(uow.session, who, page=paging, council_number=council_number)


@router.put("/panels/{council_number}/capacity", response_model=PanelRead)
def set_capacity(
    council_number: Annotated[CouncilNumber, Path()],
    body: CapacityIn,
    who: PrincipalDep,
    uow: UowDep,
) -> PanelRead:
    """How many people the panel may hold; national admins and provincial managers."""
    read = panels.set_capacity(
        uow.session, who, council_number=council_number, capacity=body.capacity
    )
    uow.commit()
    return read


# ------------------------------------------------------------------ programme
@router.get("/rollout", response_model=list[RolloutRead])
def rollout(who: PrincipalDep, uow: ReadUowDep) -> list[RolloutRead]:
    """Which provinces are in which phase of the programme, from which day."""
    return referrals_rollout.rollout(uow.session)


@router.get("/policy", response_model=ReferralPolicyRead)
def referral_policy(who: PrincipalDep, uow: ReadUowDep) -> ReferralPolicyRead:
    """How long a referral stays valid and when its feedback is due, by province and date
    (empty province: national; the built-in default applies where nothing is set)."""
    return policy.referral_policy(uow.session)


@router.post("/policy/days", response_model=ReferralPolicyRead, status_code=201)
def set_referral_days(body: ReferralDaysIn, who: PrincipalDep, uow: UowDep) -> ReferralPolicyRead:
    """Set the validity (``valid_days``) or feedback period (``feedback_days``) of referrals
    written from ``valid_from`` on, nationally or for one province (national admins).
    Referrals already written keep their dates."""
    read = policy.set_days(
        uow.session,
        who,
        kind=policy.DayKind(body.kind),
        days=body.days,
        valid_from=body.valid_from,
        valid_to=body.valid_to,
        province_code=body.province_code,
        note=body.note,
    )
    uow.commit()
    return read


@router.get("/suggestions", response_model=list[SuggestionRead])
def suggestions(
    who: PrincipalDep,
    uow: ReadUowDep,
    specialty: Annotated[str, Query(min_length=2, max_length=64)],
    level: Annotated[int, Query(ge=2, le=3)] = 2,
    province_code: ProvinceCode = None,
    city: Annotated[str | None, Query(max_length=64)] = None,
) -> list[SuggestionRead]:
    """The insurer's own facilities offering the specialty at the level: same city first,
    then the lightest load."""
    return referrals_suggestions.suggest(
        uow.session, who, specialty=specialty, level=level, province_code=province_code, city=city
    )


@router.get("/indicators", response_model=IndicatorReport)
def indicators(
    who: PrincipalDep,
    uow: ReadUowDep,
    year: Annotated[int, Query(ge=1390, le=1500, description="Jalali year")],
    province_code: ProvinceCode = None,
) -> IndicatorReport:
    """Referral rate, internal share, feedback rate, bypass rate and average panel size by
    province and Jalali month."""
    return referrals_indicators.indicators(uow.session, who, year=year, province_code=province_code)


@router.get("/overdue", response_model=Page[ReferralRead])
def overdue(
    who: PrincipalDep,
    uow: ReadUowDep,
    paging: PagingDep,
    province_code: ProvinceCode = None,
) -> Page[ReferralRead]:
    """Referrals whose feedback is later than expected, longest overdue first."""
    return reading.overdue(uow.session, who, page=paging, province_code=province_code)


# ------------------------------------------------------------------ referrals
@router.post("", response_model=ReferralRead, status_code=201)
def issue(body: ReferralIn, who: PrincipalDep, uow: UowDep) -> ReferralRead:
    """A family physician refers a person on their panel to level 2. A contracted or
    outside centre in a phase-1 province needs `choice_reason` (422 naming it)."""
    read = service.issue(uow.session, who, data=body)
    uow.commit()
    return read


@router.get("", response_model=Page[ReferralRead])
def list_referrals(
    who: PrincipalDep,
    uow: ReadUowDep,
    paging: PagingDep,
    national_id: Annotated[NationalId | None, Query()] = None,
    status: ReferralStatus | None = None,
) -> Page[ReferralRead]:
    """Referrals the caller wrote or that are addressed to their facility; staff's scope."""
    return reading.list_referrals(
        uow.session,
        who,
        page=paging,
        national_id=national_id,
        status=status,
    )


@router.get("/lookup", response_model=ReferralAtDeskRead)
def lookup(
    who: PrincipalDep,
    uow: ReadUowDep,
    ref_number: Annotated[str, Query(min_length=6, max_length=24)],
    national_id: Annotated[NationalId, Query()],
) -> ReferralAtDeskRead:
    """The referral a patient brings to reception, by its number and the patient's national
    ID together, and whether a visit today may use it. 404 when they do not match one
    referral; 403 when it is addressed to another centre."""
    return reading.lookup(uow.session, who, ref_number=ref_number, national_id=national_id)


@router.get("/{referral_id}", response_model=ReferralRead)
def get(referral_id: ReferralId, who: PrincipalDep, uow: ReadUowDep) -> ReferralRead:
    return reading.get(uow.session, who, referral_id=referral_id)


@router.post("/{referral_id}/refer-on", response_model=ReferralRead, status_code=201)
def refer_on(
    referral_id: ReferralId, body: ReferralOnIn, who: PrincipalDep, uow: UowDep
) -> ReferralRead:
    """The level-2 centre the referral is addressed to refers on to level 3."""
    read = service.refer_on(uow.session, who, referral_id=referral_id, data=body)
    uow.commit()
    return read


@router.post("/{referral_id}/feedback", response_model=ReferralRead)
def feedback(
    referral_id: ReferralId, body: FeedbackIn, who: PrincipalDep, uow: UowDep
) -> ReferralRead:
    """The receiving centre's back-referral; closes the episode; once."""
    read = service.feedback(uow.session, who, referral_id=referral_id, data=body)
    uow.commit()
    return read
