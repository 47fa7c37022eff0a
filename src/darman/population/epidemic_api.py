"""REST endpoints of an epidemic's cost under ``/api/v1/population/epidemic``: the episodes,
the admissions gathered and their cost per province and ownership, and the monthly
statements to the government (issue, correct, read, Excel). An issued statement is never
edited: PATCH and DELETE answer a Persian conflict."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from darman.common.paging import MAX_ID
from darman.population import epidemic_service as cost
from darman.population import epidemic_statements as statements
from darman.population.epidemic_definitions import episodes
from darman.population.epidemic_schemas import (
    AdmissionRead,
    CostSummary,
    EpisodeRead,
    IssueResult,
    StatementCorrection,
    StatementDetail,
    StatementIssue,
    StatementRead,
)
from darman.security.deps import PrincipalDep, ReadUowDep, UowDep

router = APIRouter(prefix="/api/v1/population/epidemic", tags=["population"])
IdQ = Annotated[int | None, Query(ge=1, le=MAX_ID)]
IdP = Annotated[int, Path(ge=1, le=MAX_ID)]
EpisodeQ = Annotated[str, Query(min_length=1, max_length=16)]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("/episodes", response_model=list[EpisodeRead])
def list_episodes(who: PrincipalDep) -> object:
    """The episodes defined as data: diagnoses, period and intensive-care service codes."""
    who.require_role(*cost.COST_READERS)
    return [cost.episode_read(e) for e in episodes()]


@router.get("/admissions", response_model=list[AdmissionRead])
def admissions(
    who: PrincipalDep,
    uow: ReadUowDep,
    episode_code: EpisodeQ = cost.DEFAULT_EPISODE,
    province_id: IdQ = None,
    month: Annotated[str | None, Query(min_length=6, max_length=8)] = None,
) -> object:
    """The episode's admissions with length of stay, intensive-care days and cost (a
    province's manager: their province), discharged in ``month`` (1405/03) if given."""
    number = cost.parse_month(month) if month else None
    return cost.admissions(
        uow.session, who, episode_code=episode_code, province_id=province_id, month=number
    )


@router.get("/cost", response_model=CostSummary)
def cost_summary(
    who: PrincipalDep,
    uow: ReadUowDep,
    episode_code: EpisodeQ = cost.DEFAULT_EPISODE,
    province_id: IdQ = None,
) -> object:
    """Cost per admission and per day per province and ownership, median and 90th
    percentile, with subtotals, and the months of discharge."""
    return cost.cost_summary(uow.session, who, episode_code=episode_code, province_id=province_id)


@router.get("/statements", response_model=list[StatementRead])
def list_statements(who: PrincipalDep, uow: ReadUowDep, episode_code: str | None = None) -> object:
    """Every statement issued, latest first."""
    return statements.list_statements(uow.session, who, episode_code=episode_code)


@router.post("/statements", response_model=IssueResult, status_code=201)
def issue_statement(
    data: StatementIssue, who: PrincipalDep, uow: UowDep, response: Response
) -> object:
    """Issue a month's statement; the same month with the same figures again answers the
    first one (200, ``created`` false); with other figures, a conflict asking for a
    correction."""
    result = statements.issue(uow.session, who, month=data.month, episode_code=data.episode_code)
    uow.commit()
    if not result.created:
        response.status_code = 200
    return result


@router.get("/statements/{statement_id}", response_model=StatementDetail)
def get_statement(statement_id: IdP, who: PrincipalDep, uow: ReadUowDep) -> object:
    """A statement with its supporting detail per admission."""
    return statements.get(uow.session, who, statement_id=statement_id)


@router.get(
    "/statements/{statement_id}/xlsx",
    response_class=Response,
    responses={200: {"content": {XLSX: {}}}},
)
def statement_xlsx(statement_id: IdP, who: PrincipalDep, uow: ReadUowDep) -> Response:
    """The statement as an Excel workbook (Persian sheet, Jalali dates, frozen header)."""
    name, content = statements.workbook(uow.session, who, statement_id=statement_id)
    return Response(
        content, media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@router.post(
    "/statements/{statement_id}/corrections", response_model=StatementRead, status_code=201
)
def correct_statement(
    statement_id: IdP, data: StatementCorrection, who: PrincipalDep, uow: UowDep
) -> object:
    """A new statement correcting this one with the month's current figures and a reason."""
    new = statements.correct(uow.session, who, statement_id=statement_id, reason=data.reason)
    uow.commit()
    return new


# Editing and deleting are declared so that a client trying either is told why, in Persian
# (409), instead of a bare "method not allowed"; the 204 of the document never happens.
@router.patch("/statements/{statement_id}", status_code=204, response_class=Response)
def edit_statement(statement_id: IdP, who: PrincipalDep, uow: ReadUowDep) -> None:
    """Refused: an issued statement never changes (issue a correction)."""
    statements.refuse_change(uow.session, who, statement_id=statement_id)


@router.delete("/statements/{statement_id}", status_code=204, response_class=Response)
def delete_statement(statement_id: IdP, who: PrincipalDep, uow: ReadUowDep) -> None:
    """Refused: an issued statement is never deleted (issue a correction)."""
    statements.refuse_change(uow.session, who, statement_id=statement_id)
