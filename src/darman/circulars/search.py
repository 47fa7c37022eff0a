"""Full-text search of circulars as people type Persian: the query goes through the same
normalisation as the documents (``circulars.text``), so Arabic yeh/kaf, any digit script,
diacritics and every spelling around the zero-width non-joiner find the same circulars.

SQLite answers from the FTS5 table ``circulars_fts`` ranked by bm25; PostgreSQL from the
GIN index over the stored ``search_fts`` = ``to_tsvector('simple', search_text)``, ranked
by ts_rank. Every word of the query must occur. At national size a common word matches
tens of thousands of circulars, so the count stops at ``COUNT_CAP`` and the rank is
computed over the ``CANDIDATES`` most recently recorded matches only (exact below that).
The matched passage is cut from the original body and its words marked there, the same way
on both databases, for the page's hits only."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Integer,
    Select,
    any_,
    bindparam,
    column,
    func,
    literal_column,
    select,
    table,
    text,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import ColumnClause

from darman.circulars import audience as addressed
from darman.circulars import text as persian
from darman.circulars.enums import Status
from darman.circulars.models import Circular
from darman.circulars.schemas import SearchHit
from darman.circulars.service import READERS
from darman.common.errors import FieldProblem, InvalidInput
from darman.common.jalali import format_jalali
from darman.security.principal import Principal

MAX_TERMS = 20
# matches counted exactly up to this many; past it, "more than 1,000": the exact figure
# tells a reader little and costs a pass over every match
COUNT_CAP = 1000
# the most recently recorded matches ranked for the page (``_ranked_page``); one more than
# the count's cap, so that the same rows count and rank
CANDIDATES = COUNT_CAP + 1
# the FTS5 table (SQLite), named for the join; it is not a mapped table
FTS = table("circulars_fts", column("rowid"), column("rank"))
# PostgreSQL (neither is mapped): the stored tsvector that ranks (a generated column of
# migration 0018) and the table of each circular's words that finds (migration 0027)
PG_VECTOR: ColumnClause[Any] = literal_column("circulars.search_fts")
PG_WORDS = table("circulars_fts", column("circular_id"), column("words"))
# PostgreSQL looks for the newest matches among this many newest circulars first (see
# ``_pg_candidates``)
PG_WINDOW = 20_000


@dataclass(frozen=True)
class Filters:
    issued_from: dt.date | None = None
    issued_to: dt.date | None = None
    issuer: str | None = None
    status: Status | None = None
    audience: str | None = None
    # codes: only circulars binding this province / kind of centre (``audience.binds``)
    province: str | None = None
    facility_kind: str | None = None


@dataclass(frozen=True)
class Found:
    total: int  # at most COUNT_CAP
    hits: list[SearchHit]
    more: bool = False  # more than COUNT_CAP match: "more than 1,000"


def _terms(query: str) -> list[str]:
    terms = persian.words(query)
    if not terms:
        raise InvalidInput(
            "عبارت جست‌وجو واژه‌ای ندارد", [FieldProblem("q", "دست‌کم یک واژه بنویسید")]
        )
    if len(terms) > MAX_TERMS:
        raise InvalidInput(
            "عبارت جست‌وجو بیش از اندازه بلند است",
            [FieldProblem("q", f"حداکثر {MAX_TERMS} واژه")],
        )
    return terms


def _filtered(q: Select[Any], f: Filters) -> Select[Any]:
    if f.issued_from:
        q = q.where(Circular.issued_on >= f.issued_from)
    if f.issued_to:
        q = q.where(Circular.issued_on <= f.issued_to)
    if f.issuer:
        q = q.where(Circular.issuer == f.issuer)
    if f.status:
        q = q.where(Circular.status == f.status.value)
    if f.audience:
        q = q.where(Circular.audience.contains(f.audience, autoescape=True))
    if f.province:
        q = q.where(addressed.binds(addressed.PROVINCE, f.province))
    if f.facility_kind:
        q = q.where(addressed.binds(addressed.FACILITY_KIND, f.facility_kind))
    return q


def _fts5_match(terms: list[str]) -> str:
    return " ".join(f'"{t}"' for t in terms)


def _plan(session: Session, **settings: str) -> None:
    """PostgreSQL planner settings for the rest of the transaction (SET LOCAL; the names and
    values are this module's, never input)."""
    for name, value in settings.items():
        session.execute(text(f"SET LOCAL {name} = {value}"))


def _pg_candidates(session: Session, terms: list[str], f: Filters) -> list[int]:
    """The ids of the ``CANDIDATES`` newest matches on PostgreSQL, newest first.

    Two reads, each with the plan that bounds its work whatever the words: first the
    newest ``PG_WINDOW`` circulars walked down the key, each one's words tested (about
    half a microsecond a circular; a common word fills the candidates there); then, only
    if fewer matched, the older ones from the GIN index's bitmap, which costs in
    proportion to their matches, few for a word that is rare among the newest. Left to
    itself the planner picks between the two by its estimate of how many circulars match,
    which is tens of times off for words that go together ("متن کامل"), and either plan
    chosen wrongly reads most of the table. Both are planned for the query's own words (a
    prepared statement's generic plan is blind to how common they are)."""
    query = func.plainto_tsquery("simple", " ".join(terms))
    key = PG_WORDS.c.circular_id
    matching = select(key).where(PG_WORDS.c.words.op("@@")(query))
    if f != Filters():
        matching = _filtered(matching.join(Circular, Circular.id == key), f)
    floor = (session.scalar(select(func.max(key))) or 0) - PG_WINDOW
    _plan(session, plan_cache_mode="force_custom_plan", enable_seqscan="off",
          enable_bitmapscan="off")  # fmt: skip
    newest = matching.where(key > floor).order_by(key.desc())
    ids = list(session.scalars(newest.limit(CANDIDATES)).all())
    if len(ids) < CANDIDATES and floor > 0:
        _plan(session, enable_bitmapscan="on", enable_indexscan="off")
        older = matching.where(key <= floor).order_by(key.desc())
        ids += session.scalars(older.limit(CANDIDATES - len(ids))).all()
    # the rest of the transaction plans as usual
    _plan(session, plan_cache_mode="DEFAULT", enable_seqscan="DEFAULT",
          enable_bitmapscan="DEFAULT", enable_indexscan="DEFAULT")  # fmt: skip
    return ids


def _ranked_page(
    session: Session, terms: list[str], f: Filters, limit: int, offset: int
) -> tuple[list[tuple[Circular, float]], int]:
    """The page, best first (ties: newest issued first, then by number), ranked among the
    ``CANDIDATES`` most recently recorded matches (highest id), and how many candidates
    there were. Scoring is what costs: both engines score every row they are asked to
    order, and a common word matches a sixth of a national repository; so the newest
    matches are found first and only they are scored. A query with no more matches than
    ``COUNT_CAP`` is ranked and counted over all of them, exactly."""
    if session.get_bind().dialect.name == "postgresql":
        ids = _pg_candidates(session, terms, f)
        score: Any = func.ts_rank(PG_VECTOR, func.plainto_tsquery("simple", " ".join(terms)))
        # one array parameter, not a parameter per id
        chosen = Circular.id == any_(bindparam("ids", ids, type_=postgresql.ARRAY(Integer)))
        page = select(Circular.id, score.label("score")).where(chosen)
        ranked = session.execute(_best_first(page, score, limit, offset)).all()
        n = len(ids)
    else:
        # bm25, as FTS5's rank column (lower is better), for the newest matches
        q = select(FTS.c.rowid.label("id"), (-FTS.c.rank).label("score"))
        q = q.where(literal_column("circulars_fts").op("MATCH")(_fts5_match(terms)))
        if f != Filters():
            q = _filtered(q.join(Circular, Circular.id == FTS.c.rowid), f)
        newest = q.order_by(FTS.c.rowid.desc()).limit(CANDIDATES).subquery()
        page = select(newest.c.id, newest.c.score, func.count().over().label("n"))
        page = page.join(Circular, Circular.id == newest.c.id)
        ranked = session.execute(_best_first(page, newest.c.score, limit, offset)).all()
        # past the last page, the count still says how many there are
        counted = select(func.count()).select_from(newest)
        n = ranked[0].n if ranked else session.scalar(counted) or 0
    # the page's circulars only, read once ranked (not every candidate's whole text)
    found = {
        c.id: c
        for c in session.scalars(select(Circular).where(Circular.id.in_([r.id for r in ranked])))
    }
    return [(found[r.id], r.score) for r in ranked], n


def _best_first(page: Select[Any], score: Any, limit: int, offset: int) -> Select[Any]:
    return (
        page.order_by(score.desc(), Circular.issued_on.desc(), Circular.number)
        .limit(limit)
        .offset(offset)
    )


def search(
    session: Session,
    who: Principal,
    query: str,
    *,
    filters: Filters | None = None,
    limit: int = 20,
    offset: int = 0,
) -> Found:
    """The circulars holding every word of ``query``, best first (ties: newest first), with
    the matched passage. InvalidInput for a query with no word or over 20 words."""
    who.require_role(*READERS)
    terms = _terms(query)
    f = filters or Filters()
    rows, n = _ranked_page(session, terms, f, limit, offset)
    total, more = min(n, COUNT_CAP), n > COUNT_CAP
    hits = []
    for c, score in rows:
        shown, spans = persian.passage(c.body, query)
        hits.append(
            SearchHit(
                number=c.number,
                subject=c.subject,
                issuer=c.issuer,
                issued_on=c.issued_on,
                issued_on_fa=format_jalali(c.issued_on),
                status=c.status,
                rank=float(score),
                passage=shown,
                marks=[(s.start, s.end) for s in spans],
            )
        )
    return Found(total, hits, more)


def like_scan(session: Session, query: str, *, limit: int = 20) -> tuple[int, list[str]]:
    """The baseline the benchmark compares with: every word as a LIKE over the normalised
    text, no index; the number of matches and the newest ``limit`` of them (a scan has no
    rank to order by)."""
    q = select(Circular.number, Circular.issued_on)
    for term in _terms(query):
        q = q.where(Circular.search_text.contains(term, autoescape=True))
    matched = q.subquery()
    total = session.scalar(select(func.count()).select_from(matched)) or 0
    page = session.scalars(
        select(matched.c.number).order_by(matched.c.issued_on.desc()).limit(limit)
    )
    return total, list(page)
