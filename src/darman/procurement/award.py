"""Scoring bids and splitting each item's demand across suppliers: a mixed-integer
programme on HiGHS (SciPy), with the baselines it is judged against. Pure: no I/O.

Bid score, 0-100, with the tender's published weights (whole percents summing to 100):
``price weight x lowest eligible price / price + quality weight x quality / 100 +
delivery weight x reliability / 100``, reliability being the supplier's performance
score from its own deliveries; it ranks the bids for the evaluators. The programme buys at
the score-adjusted unit cost ``price x (1 + quality weight x (1 - quality / 100) +
delivery weight x (1 - reliability / 100))`` (weights as fractions): a bid pays for every
point of quality or reliability it lacks, and with the price weight at 100 % the adjusted
cost is the price. An intermediary's bid is raised by the intermediary penalty when a
manufacturer or importer also bid for the item.

For every eligible bid b (lead time within the days to the need date) of item i:

    minimise   sum adjusted[b] q[b] + BIG x sum short[i]
    subject to sum_b q[b] + short[i] = demand[i]
               q[b] <= min(capacity[b], share[i] x demand[i])
    and for a vital item with two or more eligible bids, y binary:
               q[b] <= min(capacity[b], share[i] x demand[i]) y[b]
               q[b] >= min lot x demand[i] y[b]    (a supplier chosen supplies a lot)
               sum_b y[b] >= 2

``share[i]`` is the maximum share per supplier, or 1 when only one bid is eligible (one
bidder cannot be held to a share). Quantities come out whole: the programme's quantities
are floored and the units left are handed to the item's cheapest chosen bids with room.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_matrix

PRODUCERS = ("manufacturer", "importer")
INTERMEDIARY = "intermediary"


@dataclass(frozen=True)
class BidIn:
    bid_id: int
    item_id: int
    supplier_id: int
    kind: str  # manufacturer | importer | distributor | intermediary
    unit_price_rials: int
    lead_time_days: int
    capacity: int
    quality: int  # 0-100
    reliability: float  # 0-100, from the supplier's deliveries


@dataclass(frozen=True)
class Rules:
    weight_price: int = 60
    weight_quality: int = 25
    weight_delivery: int = 15
    max_share: float = 0.7
    min_lot: float = 0.1
    intermediary_penalty: float = 0.15
    days_to_need: int = 90

    def check(self) -> None:
        weights = (self.weight_price, self.weight_quality, self.weight_delivery)
        if any(w < 0 for w in weights) or sum(weights) != 100:
            raise ValueError("the three weights are whole percents summing to 100")
        if not 0 < self.max_share <= 1 or not 0 <= self.min_lot <= self.max_share:
            raise ValueError("0 < max share <= 1 and 0 <= min lot <= max share")
        if self.intermediary_penalty < 0 or self.days_to_need < 0:
            raise ValueError("the penalty and the days to the need date are not negative")


@dataclass(frozen=True)
class Scored:
    bid: BidIn
    eligible: bool
    score: float
    adjusted: float  # score-adjusted unit cost, with the intermediary penalty


@dataclass
class AwardLine:
    item_id: int
    supplier_id: int
    bid_id: int
    quantity: int
    unit_price_rials: int

    @property
    def cost_rials(self) -> int:
        return self.quantity * self.unit_price_rials


@dataclass
class Result:
    lines: list[AwardLine]
    short: dict[int, int]  # item -> demand nobody could supply
    scored: list[Scored]
    objective: float
    mip_gap: float
    seconds: float
    status: str
    cost_rials: int = 0
    intermediary_rials: int = 0
    single_source_rials: int | None = None  # items that one supplier can cover alone
    single_source_items: set[int] = field(default_factory=set)
    award_on_single_source_items_rials: int = 0
    intermediaries_only_rials: int | None = None
    intermediaries_only_items: set[int] = field(default_factory=set)
    award_on_intermediary_items_rials: int = 0


def score(bids: list[BidIn], rules: Rules) -> list[Scored]:
    """Each bid's score and adjusted cost; bids too slow for the need date are ineligible."""
    rules.check()
    fast = [b for b in bids if b.lead_time_days <= rules.days_to_need and b.capacity > 0]
    lowest: dict[int, int] = {}
    producers: set[int] = set()
    for b in fast:
        lowest[b.item_id] = min(lowest.get(b.item_id, b.unit_price_rials), b.unit_price_rials)
        if b.kind in PRODUCERS:
            producers.add(b.item_id)
    quick = {id(b) for b in fast}
    out = []
    for b in bids:
        eligible = id(b) in quick and b.unit_price_rials > 0
        if not eligible:
            out.append(Scored(b, False, 0.0, math.inf))
            continue
        s = (
            rules.weight_price * lowest[b.item_id] / b.unit_price_rials
            + rules.weight_quality * b.quality / 100
            + rules.weight_delivery * b.reliability / 100
        )
        lacking = rules.weight_quality / 100 * (
            1 - b.quality / 100
        ) + rules.weight_delivery / 100 * (1 - b.reliability / 100)
        adjusted = b.unit_price_rials * (1 + lacking)
        if b.kind == INTERMEDIARY and b.item_id in producers:
            adjusted *= 1 + rules.intermediary_penalty
        out.append(Scored(b, True, s, adjusted))
    return out


def min_lot(rules: Rules, demand: int) -> int:
    """The fewest units a chosen supplier of an item supplies."""
    return math.ceil(rules.min_lot * demand - 1e-9)


def share_cap(rules: Rules, options: int) -> float:
    """The most one supplier may take of an item with ``options`` eligible bids."""
    return rules.max_share if options >= 2 else 1.0


def _round(
    demand: dict[int, int],
    chosen: list[tuple[Scored, float]],
    rules: Rules,
    options: dict[int, int],
) -> list[AwardLine]:
    by_item: dict[int, list[tuple[Scored, float]]] = {}
    for sc, q in chosen:
        by_item.setdefault(sc.bid.item_id, []).append((sc, q))
    lines = []
    for item, rows in by_item.items():
        rows.sort(key=lambda r: (r[0].adjusted, r[0].bid.bid_id))
        whole = [math.floor(q + 1e-6) for _, q in rows]
        target = min(round(sum(q for _, q in rows)), demand[item])
        left = target - sum(whole)
        for n, (sc, _) in enumerate(rows):
            share = share_cap(rules, options[item])
            room = min(sc.bid.capacity, math.floor(share * demand[item])) - whole[n]
            take = max(0, min(left, room))
            whole[n] += take
            left -= take
        for (sc, _), q in zip(rows, whole, strict=True):
            if q > 0:
                b = sc.bid
                lines.append(AwardLine(item, b.supplier_id, b.bid_id, q, b.unit_price_rials))
    return sorted(lines, key=lambda a: (a.item_id, a.supplier_id))


def solve(
    demand: dict[int, int],
    vital: set[int],
    bids: list[BidIn],
    rules: Rules,
    *,
    time_limit: float = 120.0,
) -> Result:
    """The award for ``demand`` (item -> units) from ``bids``. Raises ValueError for rules
    out of range."""
    scored = [s for s in score(bids, rules) if s.eligible and s.bid.item_id in demand]
    items = sorted(demand)
    per_item: dict[int, list[int]] = {item: [] for item in items}
    for k, s in enumerate(scored):
        per_item[s.bid.item_id].append(k)
    # only a vital item's bids need the chosen-or-not binary (two suppliers, each a lot)
    binary = [k for k, s in enumerate(scored) if s.bid.item_id in vital]
    nb, ny, ni = len(scored), len(binary), len(items)
    # variables: q[0..nb) continuous, y[nb..nb+ny) binary, short[nb+ny..) continuous
    n = nb + ny + ni
    big = _short_penalty(scored)
    c = np.concatenate([np.array([s.adjusted for s in scored]), np.zeros(ny), np.full(ni, big)])
    upper = np.empty(n)
    for item in items:
        share = share_cap(rules, len(per_item[item]))
        for k in per_item[item]:
            upper[k] = min(float(scored[k].bid.capacity), math.floor(share * demand[item]))
    upper[nb : nb + ny] = 1.0
    upper[nb + ny :] = [float(demand[i]) for i in items]
    constraints = _award_rows(demand, vital, rules, per_item, binary, nb, upper)
    integrality = np.concatenate([np.zeros(nb), np.ones(ny), np.zeros(ni)])
    started = time.perf_counter()
    x, status, gap = _run(c, constraints, integrality, upper, time_limit)
    seconds = time.perf_counter() - started
    if x is None:
        raise ValueError(f"the award has no solution: {status}")
    chosen = [(scored[k], float(x[k])) for k in range(nb) if x[k] > 1e-6]
    lines = _round(demand, chosen, rules, {i: len(per_item[i]) for i in items})
    got: dict[int, int] = {}
    for line in lines:
        got[line.item_id] = got.get(line.item_id, 0) + line.quantity
    short = {i: demand[i] - got.get(i, 0) for i in items if demand[i] - got.get(i, 0) > 0}
    adjusted = {s.bid.bid_id: s.adjusted for s in scored}
    objective = sum(line.quantity * adjusted[line.bid_id] for line in lines)
    objective += big * sum(short.values())
    result = Result(lines, short, score(bids, rules), objective, gap, seconds, status)
    _baselines(result, demand, scored)
    return result


@dataclass
class _Rows:
    """A sparse constraint matrix built a row at a time, with each row's bounds."""

    rows: list[int] = field(default_factory=list)
    cols: list[int] = field(default_factory=list)
    vals: list[float] = field(default_factory=list)
    lo: list[float] = field(default_factory=list)
    hi: list[float] = field(default_factory=list)

    def add(self, entries: list[tuple[int, float]], low: float, high: float) -> None:
        r = len(self.lo)
        for col, v in entries:
            self.rows.append(r)
            self.cols.append(col)
            self.vals.append(v)
        self.lo.append(low)
        self.hi.append(high)


def _award_rows(
    demand: dict[int, int],
    vital: set[int],
    rules: Rules,
    per_item: dict[int, list[int]],
    binary: list[int],
    nb: int,
    upper: np.ndarray,
) -> _Rows:
    """The constraints of the module docstring, item by item (``per_item``: the item's
    bid columns, in item order)."""
    y_of = {k: n for n, k in enumerate(binary)}
    first_short = nb + len(binary)
    out = _Rows()
    for n_item, (item, ks) in enumerate(per_item.items()):
        d = float(demand[item])
        out.add([(k, 1.0) for k in ks] + [(first_short + n_item, 1.0)], d, d)
        if item not in vital:
            continue
        lot = float(min_lot(rules, demand[item]))
        for k in ks:
            y = nb + y_of[k]
            out.add([(k, 1.0), (y, -upper[k])], -np.inf, 0.0)
            out.add([(k, 1.0), (y, -lot)], 0.0, np.inf)
        if len(ks) >= 2:
            out.add([(nb + y_of[k], 1.0) for k in ks], 2.0, np.inf)
    return out


def _run(
    c: np.ndarray,
    constraints: _Rows,
    integrality: np.ndarray,
    upper: np.ndarray,
    time_limit: float,
) -> tuple[np.ndarray | None, str, float]:
    """The programme's solution (None if it has none), status and gap; with no
    constraint rows (no demand) there is nothing to award."""
    n = len(c)
    if not constraints.lo:
        return np.zeros(n), "nothing to award", 0.0
    a = coo_matrix(
        (constraints.vals, (constraints.rows, constraints.cols)), shape=(len(constraints.lo), n)
    ).tocsr()
    res = milp(
        c,
        constraints=LinearConstraint(a, np.array(constraints.lo), np.array(constraints.hi)),
        integrality=integrality,
        bounds=Bounds(np.zeros(n), upper),
        options={"time_limit": time_limit, "mip_rel_gap": 1e-6},
    )
    return res.x, str(res.message), float(getattr(res, "mip_gap", 0.0) or 0.0)


def _baselines(result: Result, demand: dict[int, int], scored: list[Scored]) -> None:
    kinds = {s.bid.bid_id: s.bid.kind for s in scored}
    result.cost_rials = sum(line.cost_rials for line in result.lines)
    result.intermediary_rials = sum(
        line.cost_rials for line in result.lines if kinds.get(line.bid_id) == INTERMEDIARY
    )
    award_by_item: dict[int, int] = {}
    for line in result.lines:
        award_by_item[line.item_id] = award_by_item.get(line.item_id, 0) + line.cost_rials
    single, inter = 0, 0
    by_item: dict[int, list[BidIn]] = {}
    for sc in scored:
        by_item.setdefault(sc.bid.item_id, []).append(sc.bid)
    for item, d in demand.items():
        whole = [b for b in by_item.get(item, []) if b.capacity >= d]
        if whole:
            single += d * min(b.unit_price_rials for b in whole)
            result.single_source_items.add(item)
            result.award_on_single_source_items_rials += award_by_item.get(item, 0)
        middle = sorted(
            (b for b in by_item.get(item, []) if b.kind == INTERMEDIARY),
            key=lambda b: b.unit_price_rials,
        )
        if middle and sum(b.capacity for b in middle) >= d:
            left, cost = d, 0
            for b in middle:
                take = min(left, b.capacity)
                cost += take * b.unit_price_rials
                left -= take
            inter += cost
            result.intermediaries_only_items.add(item)
            result.award_on_intermediary_items_rials += award_by_item.get(item, 0)
    result.single_source_rials = single if result.single_source_items else None
    result.intermediaries_only_rials = inter if result.intermediaries_only_items else None


def greedy(
    demand: dict[int, int], vital: set[int], bids: list[BidIn], rules: Rules
) -> list[AwardLine]:
    """A rule-keeping baseline: each item from its cheapest adjusted bids in turn, each up to
    its capacity and the maximum share, a vital item's first supplier leaving the second
    at least the minimum lot."""
    grouped: dict[int, list[Scored]] = {}
    for sc in score(bids, rules):
        if sc.eligible and sc.bid.item_id in demand:
            grouped.setdefault(sc.bid.item_id, []).append(sc)
    lines = []
    for item, d in sorted(demand.items()):
        options = sorted(grouped.get(item, []), key=lambda s: (s.adjusted, s.bid.bid_id))
        left = d
        lot = min_lot(rules, d) if item in vital else 1
        taken: list[AwardLine] = []
        for n, s in enumerate(options):
            if left <= 0:
                break
            cap = min(s.bid.capacity, math.floor(share_cap(rules, len(options)) * d))
            top = min(cap, left)
            if n == 0 and item in vital and len(options) >= 2:
                top = min(top, d - lot)
            if top < lot:
                continue
            b = s.bid
            taken.append(AwardLine(item, b.supplier_id, b.bid_id, top, b.unit_price_rials))
            left -= top
        lines.extend(taken)
    return lines


def _short_penalty(scored: list[Scored]) -> float:
    """What a unit left unsupplied costs in the objective: more than any bid."""
    return 10 * max((s.adjusted for s in scored), default=1.0)


def objective_of(
    lines: list[AwardLine], demand: dict[int, int], bids: list[BidIn], rules: Rules
) -> float:
    """The programme's objective for any award (to compare it with a baseline): the
    score-adjusted cost plus the penalty for every unit of demand left unsupplied."""
    scored = [s for s in score(bids, rules) if s.eligible and s.bid.item_id in demand]
    got: dict[int, int] = {}
    for line in lines:
        got[line.item_id] = got.get(line.item_id, 0) + line.quantity
    short = sum(max(0, d - got.get(i, 0)) for i, d in demand.items())
    return adjusted_cost(lines, bids, rules) + _short_penalty(scored) * short


def adjusted_cost(lines: list[AwardLine], bids: list[BidIn], rules: Rules) -> float:
    by_bid = {s.bid.bid_id: s.adjusted for s in score(bids, rules)}
    return sum(line.quantity * by_bid[line.bid_id] for line in lines)


def problems(
    lines: list[AwardLine],
    demand: dict[int, int],
    vital: set[int],
    bids: list[BidIn],
    rules: Rules,
) -> list[str]:
    """Every rule an award breaks (empty when it keeps all)."""
    by_bid = {b.bid_id: b for b in bids}
    eligible = {s.bid.bid_id for s in score(bids, rules) if s.eligible}
    options_of: dict[int, set[int]] = {}
    for b in bids:
        if b.bid_id in eligible:
            options_of.setdefault(b.item_id, set()).add(b.supplier_id)
    found = []
    per_item: dict[int, list[AwardLine]] = {}
    for line in lines:
        per_item.setdefault(line.item_id, []).append(line)
        b = by_bid[line.bid_id]
        d = demand[line.item_id]
        if line.bid_id not in eligible:
            found.append(f"bid {line.bid_id} is not eligible")
        if line.quantity > b.capacity:
            found.append(f"bid {line.bid_id}: {line.quantity} > capacity {b.capacity}")
        n_options = len(options_of.get(line.item_id, ()))
        if line.quantity > math.floor(share_cap(rules, n_options) * d) + 1e-9:
            found.append(f"bid {line.bid_id}: above the maximum share")
        if line.unit_price_rials != b.unit_price_rials:
            found.append(f"bid {line.bid_id}: price changed")
        if line.item_id in vital and line.quantity < min_lot(rules, d):
            found.append(f"bid {line.bid_id}: below the minimum lot")
    for item, d in demand.items():
        got = sum(line.quantity for line in per_item.get(item, []))
        if got > d:
            found.append(f"item {item}: {got} > demand {d}")
        options = options_of.get(item, set())
        used = {line.supplier_id for line in per_item.get(item, [])}
        if item in vital and len(options) >= 2 and len(used) < 2:
            found.append(f"vital item {item}: one supplier")
    return found
