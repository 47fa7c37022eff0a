"""REST endpoints of performance management under ``/api/v1/performance``: indicator
definitions, computing a period, targets (one at a time or from a file), ranking weights,
the scorecard and the managers' ranking (both also as Excel or CSV)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Response, UploadFile

from darman.common.tabular import DOWNLOAD_CONTENT, MEDIA_TYPES, TableFormat, write_table
from darman.performance import responses, service, tables
from darman.performance.schemas import (
    ComputeRead,
    FacilityCard,
    IndicatorRead,
    RankingRead,
    ResponsesImported,
    Scorecard,
    SurveyScores,
    TargetRead,
    TargetsImported,
    TargetWrite,
    WeightWrite,
)
from darman.security.deps import PrincipalDep, ReadUowDep, UowDep

router = APIRouter(prefix="/api/v1/performance", tags=["performance"])
Format = Literal["json", "xlsx", "csv"]
TABLES: dict[int | str, dict[str, Any]] = {200: {"content": DOWNLOAD_CONTENT}}
PeriodQ = Annotated[str, Query(min_length=4, max_length=8, description="1405/07, 1405/Q3, 1405")]
CodeP = Annotated[str, Path(min_length=1, max_length=48, pattern=r"^[a-z0-9_]+$")]


def _download(table: tables.Table, fmt: str, name: str) -> Response:
    header, rows = table
    return Response(
        write_table(header, rows, TableFormat(fmt), sheet=name),
        media_type=MEDIA_TYPES[TableFormat(fmt)],
        headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"'},
    )


@router.get("/indicators", response_model=list[IndicatorRead])
def indicators(who: PrincipalDep, uow: ReadUowDep) -> object:
    """Every indicator's definition (numerator, denominator, factor, direction, legend)
    with its current ranking weight."""
    return service.list_indicators(uow.session, who)


@router.post("/definitions", response_model=list[IndicatorRead])
def set_definitions(file: UploadFile, who: PrincipalDep, uow: UowDep) -> object:
    """Replace the indicator definitions with the insurer's own TOML file (national
    staff), audited; its version must differ from the one in force and every numerator and
    denominator must name a known query. Answers the definitions now in force."""
    text = file.file.read().decode("utf-8", errors="replace")
    service.set_definitions(uow.session, who, text=text, name=file.filename or "indicators.toml")
    uow.commit()
    return service.list_indicators(uow.session, who)


@router.post("/compute", response_model=list[ComputeRead])
def compute(
    period: PeriodQ,
    who: PrincipalDep,
    uow: UowDep,
    months: Annotated[int, Query(ge=1, le=36)] = 1,
) -> object:
    """Recompute and replace every fact of the period, or of the ``months`` months ending
    with it, in one pass (national staff)."""
    result = service.compute(uow.session, who, period=period, months=months)
    uow.commit()
    return result


@router.get("/targets", response_model=list[TargetRead])
def targets(period: PeriodQ, who: PrincipalDep, uow: ReadUowDep) -> object:
    """The period's targets; a provincial manager sees their own province's."""
    return service.list_targets(uow.session, who, period=period)


@router.put("/targets", response_model=TargetRead)
def set_target(body: TargetWrite, who: PrincipalDep, uow: UowDep) -> object:
    """Set one target (national staff), audited; the same value again changes nothing."""
    service.set_target(uow.session, who, **body.model_dump())
    uow.commit()
    return next(
        t
        for t in service.list_targets(uow.session, who, period=body.period)
        if t.indicator == body.indicator and t.province_code == body.province_code
    )


@router.post("/targets/import", response_model=TargetsImported)
def import_targets(file: UploadFile, who: PrincipalDep, uow: UowDep) -> object:
    """Targets from CSV or Excel (indicator, province_code, period, value); any bad row
    refuses the whole file, every bad row named with its column and a Persian reason."""
    rows, changed = service.import_targets(
        uow.session, who, content=file.file.read(), filename=file.filename or "targets.csv"
    )
    uow.commit()
    return TargetsImported(rows=rows, changed=changed)


@router.put("/weights/{indicator}", response_model=IndicatorRead)
def set_weight(indicator: CodeP, body: WeightWrite, who: PrincipalDep, uow: UowDep) -> object:
    """Set an indicator's weight in the managers' ranking (national staff), audited."""
    service.set_weight(uow.session, who, indicator=indicator, weight=body.weight)
    uow.commit()
    return next(i for i in service.list_indicators(uow.session, who) if i.code == indicator)


@router.get("/scorecard", response_model=Scorecard, responses=TABLES)
def scorecard(
    period: PeriodQ, who: PrincipalDep, uow: ReadUowDep, format: Format = "json"
) -> object:
    """Provinces by indicators for a period: value, legend colour, target, gap and trends
    over 3, 6 and 12 months, and each province's rank. A provincial manager sees their own
    row in full and the others' ranks only."""
    card = service.scorecard(uow.session, who, period=period)
    if format != "json":
        return _download(
            tables.scorecard_table(card), format, f"scorecard-{card.period.replace('/', '-')}"
        )
    return card


@router.get("/scorecard/{province_code}/facilities", response_model=FacilityCard)
def facility_scorecard(
    province_code: Annotated[str, Path(min_length=2, max_length=2)],
    period: PeriodQ,
    who: PrincipalDep,
    uow: ReadUowDep,
) -> object:
    """Drill-down from a province to its facilities, for the indicators counted per
    facility; a provincial manager may open only their own province."""
    return service.facility_scorecard(uow.session, who, period=period, province_code=province_code)


@router.get("/ranking", response_model=RankingRead, responses=TABLES)
def ranking(
    period: PeriodQ,
    who: PrincipalDep,
    uow: ReadUowDep,
    draws: Annotated[int, Query(ge=0, le=10_000)] = 0,
    format: Format = "json",
) -> object:
    """The managers' ranking: TOPSIS and the weighted sum, each rank explained (each
    indicator's part, the distances to the ideal and anti-ideal, what would move it up one
    place), with ``draws`` weight perturbations (+/-20%) giving each rank's interval, and
    the pairs that reverse when one province is left out."""
    ranked = service.rank(uow.session, who, period=period, draws=draws)
    if format != "json":
        return _download(
            tables.ranking_table(ranked), format, f"ranking-{ranked.period.replace('/', '-')}"
        )
    return ranked


@router.post("/surveys/import", response_model=ResponsesImported)
def import_surveys(file: UploadFile, who: PrincipalDep, uow: UowDep) -> object:
    """Patient-experience responses from CSV or Excel (respondent, instrument,
    facility_code, answered_on, one column per question); any bad row refuses the file,
    each named; a respondent already stored is skipped."""
    rows, added = responses.import_responses(
        uow.session, who, content=file.file.read(), filename=file.filename or "survey.csv"
    )
    uow.commit()
    return ResponsesImported(rows=rows, added=added)


@router.get("/surveys/{instrument}/scores", response_model=SurveyScores)
def survey_scores(instrument: CodeP, period: PeriodQ, who: PrincipalDep, uow: ReadUowDep) -> object:
    """Scores 0-100 per facility and province with the number of responses; "too few"
    below the instrument's minimum. A provincial manager sees their own province."""
    return responses.scores(uow.session, who, instrument=instrument, period=period)
