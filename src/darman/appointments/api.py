"""REST endpoints of merit-based appointment: calls, posts and their published rules,
imports of candidates and exam scores, raters, declarations and scorecards, record points,
rankings (stored per rule version; Excel or CSV with ``format``), the fairness report,
interview panels' agreement, offers, and a candidate's own result."""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request, Response, UploadFile

from darman.appointments import schemas, service, tables
from darman.appointments.models import ScoringRule
from darman.common.client import client_address
from darman.common.problems import problem_response
from darman.common.tabular import DOWNLOAD_CONTENT, MEDIA_TYPES, TableFormat, write_table
from darman.security.deps import PrincipalDep, ReadUowDep, UowDep

router = APIRouter(prefix="/api/v1/appointments", tags=["appointments"])
Format = Literal["json", "xlsx", "csv"]
Code = Annotated[str, Path(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9-]+$")]
Nid = Annotated[str, Path(min_length=10, max_length=10)]
TABLES: dict[int | str, dict[str, Any]] = {200: {"content": DOWNLOAD_CONTENT}}


def _download(table: tables.Table, fmt: str, name: str) -> Response:
    content = write_table(table[0], table[1], TableFormat(fmt), sheet=name)
    return Response(
        content,
        media_type=MEDIA_TYPES[TableFormat(fmt)],
        headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"'},
    )


def _rule(post_code: str, row: ScoringRule) -> schemas.RuleRead:
    return schemas.RuleRead(
        post_code=post_code, version=row.version, rule=row.body, reason=row.reason,
        published_by=row.published_by, published_at=row.published_at.isoformat(),
    )  # fmt: skip


@router.post("/calls", status_code=201)
def create_call(body: schemas.CallCreate, who: PrincipalDep, uow: UowDep) -> object:
    """Open a call (national office only)."""
    call = service.create_call(uow.session, who, **body.model_dump())
    read = {"code": call.code, "title_fa": call.title_fa, "stages": call.stages.split(",")}
    uow.commit()
    return read


@router.get("/calls/{call}/posts")
def list_posts(call: Code, who: PrincipalDep, uow: ReadUowDep) -> object:
    """The call's posts the caller may see (a province manager: their province's)."""
    return [
        {"code": p.code, "title_fa": p.title_fa, "kind": p.kind, "openings": p.openings}
        for p in service.list_posts(uow.session, who, call_code=call)
    ]


@router.post("/calls/{call}/posts", status_code=201)
def create_post(call: Code, body: schemas.PostCreate, who: PrincipalDep, uow: UowDep) -> object:
    post = service.create_post(uow.session, who, call_code=call, **body.model_dump())
    read = {"code": post.code, "openings": post.openings}
    uow.commit()
    return read


@router.post("/posts/{post}/rules", status_code=201)
def publish_rule(
    post: Code, body: schemas.RuleIn, who: PrincipalDep, uow: UowDep
) -> schemas.RuleRead:
    """Publish a new version of the post's scoring rule; once scores exist, a change needs
    a ``reason`` (409 otherwise). Older versions stay readable."""
    row = service.publish_rule(
        uow.session, who, post_code=post, rule=body.rule(), reason=body.reason
    )
    read = _rule(post, row)
    uow.commit()
    return read


@router.get("/posts/{post}/rules")
def rule_history(post: Code, who: PrincipalDep, uow: ReadUowDep) -> list[schemas.RuleRead]:
    """Every published version of the post's rule, oldest first."""
    return [_rule(post, r) for r in service.rule_history(uow.session, who, post_code=post)]


def _import(
    kind: str, file: UploadFile, who: Any, uow: Any, all_or_nothing: bool
) -> schemas.AppointmentImportResult:
    run = service.import_candidates if kind == "candidates" else service.import_exam
    report = run(
        uow.session, who, content=file.file.read(), name=file.filename or "upload.csv",
        all_or_nothing=all_or_nothing,
    )  # fmt: skip
    commit = not (all_or_nothing and report.problems)
    if commit:
        uow.commit()
    return schemas.AppointmentImportResult(
        rows=report.rows, written=report.written if commit else 0, unchanged=report.unchanged,
        changed=report.changed, committed=commit, problems=[p.as_dict() for p in report.problems],
    )  # fmt: skip


@router.post("/candidates/import")
def import_candidates(
    file: UploadFile, who: PrincipalDep, uow: UowDep, all_or_nothing: bool = False
) -> schemas.AppointmentImportResult:
    """Candidates with their applications from CSV or Excel; bad rows are reported by row
    and column in Persian, good ones kept (unless ``all_or_nothing``)."""
    return _import("candidates", file, who, uow, all_or_nothing)


@router.post("/exam/import")
def import_exam(
    file: UploadFile, who: PrincipalDep, uow: UowDep, all_or_nothing: bool = False
) -> schemas.AppointmentImportResult:
    """Written-exam scores from CSV or Excel (call_code, national_id, score)."""
    return _import("exam", file, who, uow, all_or_nothing)


@router.post("/raters", status_code=201)
def add_rater(body: schemas.RaterCreate, who: PrincipalDep, uow: UowDep) -> object:
    rater = service.add_rater(uow.session, who, **body.model_dump())
    read = {"code": rater.code, "unit_code": rater.unit_code}
    uow.commit()
    return read


@router.put("/raters/{rater}/user")
def link_rater_user(
    rater: Code, body: schemas.RaterUserIn, who: PrincipalDep, uow: UowDep
) -> object:
    """Link the rater to a user account of role rater (national administrator only); the
    account then reads and scores only this rater's scorecards. Linking again is
    harmless; 409 when either is linked to another."""
    row = service.link_user(uow.session, who, rater_code=rater, username=body.username)
    read = {"rater": row.code, "username": body.username}
    uow.commit()
    return read


@router.put("/posts/{post}/panels/{panel}")
def seat_raters(
    post: Code, panel: Code, body: schemas.PanelIn, who: PrincipalDep, uow: UowDep
) -> object:
    """Seat raters on the post's interview panel (national office only, audited); seating
    again changes nothing. Only seated raters' marks are taken for the post, and a
    signed-in rater sees the post's shortlisted candidates only once seated."""
    changed = service.seat_raters(
        uow.session, who, post_code=post, panel=panel, rater_codes=body.raters
    )
    uow.commit()
    return {"post": post, "panel": panel, "changed": changed}


@router.delete("/posts/{post}/panels/seats/{rater}")
def unseat_rater(post: Code, rater: Code, who: PrincipalDep, uow: UowDep) -> object:
    """Take a rater off the post's interview panel (national office only, audited); one not
    seated changes nothing; 409 for a rater who has scored on the post."""
    changed = service.unseat_raters(uow.session, who, post_code=post, rater_codes=[rater])
    uow.commit()
    return {"post": post, "rater": rater, "changed": changed}


@router.get("/posts/{post}/panels")
def list_seats(post: Code, who: PrincipalDep, uow: ReadUowDep) -> object:
    """The post's interview panels and the raters seated on each."""
    return [dataclasses.asdict(s) for s in service.seats(uow.session, who, post_code=post)]


@router.get("/my-scorecards")
def own_cards(who: PrincipalDep, uow: ReadUowDep) -> object:
    """The candidates shortlisted on the posts whose panel the signed-in rater sits on,
    with the marks they gave each (empty: still to score), and their declarations."""
    rater, lines, declared = service.own_cards(uow.session, who)
    return {
        "rater": rater.code,
        "cards": [dataclasses.asdict(line) for line in lines],
        "declared": declared,
    }


@router.post("/my-scorecards")
def score_own(body: schemas.OwnScorecardIn, who: PrincipalDep, uow: UowDep) -> object:
    """The signed-in rater's marks for one candidate shortlisted on a post they sit on,
    recorded as themself; 404 alike for anyone else (whether or not they applied), 409 on
    a conflict of interest. Sending the same marks again changes nothing."""
    changed = service.score_own(
        uow.session, who, post_code=body.post_code, national_id_=body.national_id,
        panel=body.panel, marks=body.marks,
    )  # fmt: skip
    uow.commit()
    return {"changed": changed}


@router.post("/raters/{rater}/declarations", status_code=201)
def declare(rater: Code, body: schemas.DeclarationIn, who: PrincipalDep, uow: UowDep) -> object:
    """A relationship the rater declares; they may not score that person afterwards."""
    row = service.declare(
        uow.session, who, rater_code=rater, national_id_=body.national_id, relation=body.relation
    )
    read = {"rater": rater, "national_id": row.national_id, "relation": row.relation}
    uow.commit()
    return read


@router.post("/posts/{post}/scorecards")
def score(post: Code, body: schemas.ScorecardIn, who: PrincipalDep, uow: UowDep) -> object:
    """One rater's marks for one candidate; 422 naming the rater when they do not sit on
    the post's panel, 409 on a conflict of interest. Sending the same marks again changes
    nothing."""
    changed = service.score(
        uow.session, who, rater_code=body.rater_code, post_code=post,
        national_id_=body.national_id, panel=body.panel, marks=body.marks,
    )  # fmt: skip
    uow.commit()
    return {"changed": changed}


@router.put("/candidates/{national_id}/record-points")
def record_points(
    national_id: Nid, body: schemas.RecordPointsIn, who: PrincipalDep, uow: UowDep
) -> object:
    row = service.set_record_points(
        uow.session, who, national_id_=national_id, points=body.points, basis=body.basis
    )
    read = {"points": row.points, "basis": row.basis}
    uow.commit()
    return read


@router.post("/calls/{call}/record-points")
def record_points_from_history(call: Code, who: PrincipalDep, uow: UowDep) -> object:
    """Every applicant's record points from their service history (years, degree,
    managerial posts held); only changed points are written and audited."""
    changed = service.record_points_from_history(uow.session, who, call_code=call)
    uow.commit()
    return {"changed": changed}


@router.post("/candidates/{national_id}/access-code", status_code=201)
def access_code(national_id: Nid, who: PrincipalDep, uow: UowDep) -> object:
    """A new access code for the candidate's own result page (shown once)."""
    code = service.issue_access_code(uow.session, who, national_id_=national_id)
    uow.commit()
    return {"national_id": national_id, "access_code": code}


@router.post("/posts/{post}/ranking")
def store_ranking(post: Code, who: PrincipalDep, uow: UowDep) -> object:
    """Rank the post under its current rule and store the result (replacing only a ranking
    stored under the same version)."""
    found = service.get_post(uow.session, who, post)
    stored = service.store_ranking(
        uow.session, who, call_code=service.call_code_of(uow.session, found), post_code=post
    )
    uow.commit()
    return {"post": post, "applications": stored.get(post, 0)}


@router.get("/posts/{post}/ranking", responses=TABLES)
def read_ranking(
    post: Code,
    who: PrincipalDep,
    uow: ReadUowDep,
    version: Annotated[int | None, Query(ge=1, le=10_000)] = None,
    format: Format = "json",
) -> object:
    """The stored ranking under a rule version (the latest unless asked)."""
    p, rule, lines = service.read_ranking(uow.session, who, post_code=post, version=version)
    if format != "json":
        return _download(tables.ranking_table(lines), format, f"ranking-{p.code}-v{rule.version}")
    return {
        "post": p.code, "version": rule.version, "rule": rule.body,
        "lines": [dataclasses.asdict(ln) for ln in lines],
    }  # fmt: skip


@router.get("/calls/{call}/fairness", responses=TABLES)
def fairness(call: Code, who: PrincipalDep, uow: ReadUowDep, format: Format = "json") -> object:
    """Adverse impact per stage and overall by sex, province of origin and age band:
    selection rates, impact ratio against the highest group, four-fifths rule, Fisher's
    exact test and the shortfall in people; small groups are marked small."""
    report = service.fairness_report(uow.session, who, call_code=call)
    table = tables.fairness_table(report)
    if format != "json":
        return _download(table, format, f"fairness-{call}")
    return {
        "call": call, "applicants": report.applicants,
        "adverse": tables.adverse_lines(report), "header": table[0], "rows": table[1],
    }  # fmt: skip


@router.get("/calls/{call}/panels", responses=TABLES)
def panels(call: Code, who: PrincipalDep, uow: ReadUowDep, format: Format = "json") -> object:
    """Each interview panel's ICC(2,1) and ICC(2,k); below 0.5 is flagged for review."""
    found = service.panels(uow.session, who, call_id=service.get_call(uow.session, call).id)
    table = tables.panels_table(found)
    if format != "json":
        return _download(table, format, f"panels-{call}")
    return {"header": table[0], "rows": table[1]}


@router.post("/posts/{post}/offers")
def make_offers(post: Code, who: PrincipalDep, uow: UowDep) -> object:
    """Offer the post to those its stored ranking selected (again: nobody new)."""
    made = service.make_offers(uow.session, who, post_code=post)
    uow.commit()
    return {"offers_made": made}


@router.get("/posts/{post}/offers", responses=TABLES)
def list_offers(post: Code, who: PrincipalDep, uow: ReadUowDep, format: Format = "json") -> object:
    rows = service.list_offers(uow.session, who, post_code=post)
    if format != "json":
        table: tables.Table = (
            ["کد ملی", "نام", "رتبه", "وضعیت"],
            [[o.national_id, o.full_name, o.rank, o.status] for o in rows],
        )
        return _download(table, format, f"offers-{post}")
    return [dataclasses.asdict(o) for o in rows]


@router.post("/posts/{post}/offers/{national_id}/answer")
def answer(
    post: Code, national_id: Nid, body: schemas.AnswerIn, who: PrincipalDep, uow: UowDep
) -> object:
    """A candidate's answer; a refusal passes the seat to the next in line."""
    done = service.answer(
        uow.session, who, post_code=post, national_id_=national_id, accept=body.accept
    )
    uow.commit()
    return dataclasses.asdict(done)


@router.post(
    "/my-result",
    responses={
        429: problem_response(
            "Too many wrong codes for this national ID, or attempts from this address; "
            "wait the seconds of Retry-After"
        )
    },
)
def my_result(request: Request, body: schemas.OwnResultIn, uow: ReadUowDep) -> object:
    """A candidate's own scores per stage, rank and the rule applied, with their national
    ID and access code; nobody else's (401 for a wrong pair). Against guessing: after 5
    wrong codes for a national ID, or 30 attempts from one address, in 15 minutes, 429
    with Retry-After before any code is checked."""
    cand, results = service.own_result_guarded(
        uow.session, request.app.state.result_guard, national_id_=body.national_id,
        access_code=body.access_code, address=client_address(request),
    )  # fmt: skip
    return {
        "national_id": cand.national_id, "full_name": cand.full_name,
        "results": [dataclasses.asdict(r) for r in results],
    }  # fmt: skip
