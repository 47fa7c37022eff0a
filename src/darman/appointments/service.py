"""Merit-based appointment use cases, gathered: calls, posts and rules (``setup``),
imports (``imports``), scorecards, raters and record points (``scoring``), raters' own
accounts and scorecards (``raters``), interview panels (``panels``), rankings, fairness
and a candidate's own result (``ranking``), offers (``offers``). Callers use this
module."""

from __future__ import annotations

from darman.appointments.attempts import ResultGuard
from darman.appointments.exceptions import NothingRanked
from darman.appointments.imports import ImportReport, import_candidates, import_exam
from darman.appointments.offers import answer, list_offers, make_offers
from darman.appointments.panels import Seat, seat_raters, seats, unseat_raters
from darman.appointments.ranking import (
    DIMENSIONS,
    STAGES,
    FairnessReport,
    Line,
    fairness_report,
    issue_access_code,
    own_result,
    own_result_guarded,
    rank_call,
    read_ranking,
    store_ranking,
)
from darman.appointments.raters import (
    SCORERS,
    link_problem,
    link_user,
    own_cards,
    own_rater,
    rater_codes_of,
    rater_exists,
    score_own,
)
from darman.appointments.scoring import (
    add_rater,
    declare,
    panels,
    rater_cards,
    record_points_from_history,
    score,
    set_record_points,
)
from darman.appointments.setup import (
    READERS,
    RUNNERS,
    call_code_of,
    create_call,
    create_post,
    get_call,
    get_post,
    list_posts,
    publish_rule,
    rule_history,
)

__all__ = [
    "DIMENSIONS",
    "READERS",
    "RUNNERS",
    "SCORERS",
    "STAGES",
    "FairnessReport",
    "ImportReport",
    "Line",
    "NothingRanked",
    "ResultGuard",
    "Seat",
    "add_rater",
    "answer",
    "call_code_of",
    "create_call",
    "create_post",
    "declare",
    "fairness_report",
    "get_call",
    "get_post",
    "import_candidates",
    "import_exam",
    "issue_access_code",
    "link_problem",
    "link_user",
    "list_offers",
    "list_posts",
    "make_offers",
    "own_cards",
    "own_rater",
    "own_result",
    "own_result_guarded",
    "panels",
    "publish_rule",
    "rank_call",
    "rater_cards",
    "rater_codes_of",
    "rater_exists",
    "read_ranking",
    "record_points_from_history",
    "rule_history",
    "score",
    "score_own",
    "seat_raters",
    "seats",
    "set_record_points",
    "store_ranking",
    "unseat_raters",
]
