"""Budget allocation across provinces as a mixed-integer programme (HiGHS via SciPy).

For every budget line l and province p the programme chooses whole units x[l,p]:

    minimise    sum  w[p] / N[l] * s[l,p]   +   eps * sum x[l,p] / cap[l]
    subject to  s[l,p] >= need[l,p] - x[l,p],  s >= 0
                sum_p x[l,p] <= cap[l]                (units, or what the budget buys)
                sum_p cost[l] * x[l,p] <= budget[l]
                min[l] <= x[l,p] <= max[l]
                sum_l staff[l,k] * x[l,p] <= spare[k,p]   for nurses and physicians

``need`` is the province's shortfall against the line's norm (``indices.shortfall``), ``N``
the line's total need (so that every line counts alike), and ``w[p] = 1 + priority x
deprivation score`` gives deprived provinces first call. The small ``eps`` term keeps
money unspent once every need is met rather than buying units nobody lacks.

Absorption: a line with ``staff_per_unit`` adds beds that must be staffed. A province's
staff are those of its registered centres, scaled to the census beds by its registered
beds. Staff for new beds are those above what the national staff-per-bed rate needs for
today's beds, plus the year's hiring (``staff_growth`` of today's staff), plus staff the
scenario plans for the province: ``spare[k,p]``, shared by all the bed lines.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import lil_matrix

from darman.common.errors import FieldProblem, InvalidInput
from darman.planning import deprivation, indices
from darman.planning.enums import Population, Resource
from darman.planning.equity import populations, resource_of
from darman.planning.province_facts import ProvinceFacts
from darman.planning.scenario import BudgetLine, Scenario

STAFF = ("nurses", "physicians")
BED_KINDS = ("beds_general", "beds_icu", "beds_ccu", "beds_nicu")
EPS = 1e-6


@dataclass(frozen=True)
class LineInput:
    line: BudgetLine
    stock: list[float]
    population: list[float]
    norm_per_10k: float
    need: list[int]
    cap: int
    max_per_province: int


@dataclass
class Problem:
    codes: list[str]
    names_fa: list[str]
    weight: list[float]  # w[p]
    deprivation_score: list[float]
    lines: list[LineInput]
    spare: dict[str, list[float]]  # staff kind -> spare staff per province
    staff_growth: float = 0.0


def priority_components(scenario: Scenario) -> tuple[deprivation.Component, ...]:
    w = scenario.weights
    return (
        deprivation.Component(Resource.ICU_BEDS_1396, Population.TOTAL, w.icu_beds),
        deprivation.Component(Resource.BEDS_1396, Population.TOTAL, w.beds),
        deprivation.Component(Resource.SPENDING, Population.INSURED, w.spending),
        deprivation.Component(Resource.PHYSICIANS, Population.INSURED, w.physicians),
        deprivation.Component(Resource.NURSES, Population.INSURED, w.nurses),
    )


def _spare_staff(facts: list[ProvinceFacts], scenario: Scenario) -> dict[str, list[float]]:
    beds_reg = [float(sum(f.units(k) for k in BED_KINDS)) for f in facts]
    basis = [float(f.beds_1396) or b for f, b in zip(facts, beds_reg, strict=True)]
    planned = {p.province_code: p for p in scenario.planned_staff}
    spare: dict[str, list[float]] = {}
    for kind in STAFF:
        staff = [float(f.units(kind)) for f in facts]
        national_rate = sum(staff) / sum(beds_reg) if sum(beds_reg) > 0 else 0.0
        out = []
        for f, s, b_reg, base in zip(facts, staff, beds_reg, basis, strict=True):
            scaled = s * base / b_reg if b_reg > 0 else 0.0
            # staff above what the national rate needs for today's beds, plus the year's
            # hiring (a share of today's staff), plus staff planned for this province
            above = max(0.0, scaled - national_rate * base)
            extra = getattr(planned[f.code], kind) if f.code in planned else 0
            out.append(above + scenario.staff_growth * scaled + extra)
        spare[kind] = out
    return spare


def prepare(scenario: Scenario, facts: list[ProvinceFacts]) -> Problem:
    """The programme's data for the scenario on these province facts. Raises InvalidInput
    naming the line whose bounds cannot all be met."""
    known = {f.code for f in facts}
    for n, planned in enumerate(scenario.planned_staff):
        if planned.province_code not in known:
            raise InvalidInput(
                "planned staff for an unknown province",
                [FieldProblem(f"planned_staff.{n}.province_code", planned.province_code)],
            )
    ranking = deprivation.rank(facts, priority_components(scenario))
    score = {r.code: r.score for r in ranking}
    lines = []
    for n, line in enumerate(scenario.lines):
        stock = [resource_of(f, line.resource) for f in facts]
        ppl = populations(facts, line.population, need_weighted=line.need_weighted)
        if sum(ppl) <= 0:
            raise InvalidInput(
                "no population to measure the line against",
                [FieldProblem(f"lines.{n}.population", "empty in every province")],
            )
        norm = (
            line.norm_per_10k
            if line.norm_per_10k is not None
            else indices.national_ratio(stock, ppl)
        )
        cap = line.unit_cap
        top = cap if line.max_per_province is None else min(cap, line.max_per_province)
        if line.min_per_province * len(facts) > cap:
            raise InvalidInput(
                "the minimum per province exceeds what the line can buy",
                [FieldProblem(f"lines.{n}.min_per_province", f"{len(facts)} x min > {cap}")],
            )
        lines.append(
            LineInput(
                line=line,
                stock=stock,
                population=ppl,
                norm_per_10k=norm,
                need=[indices.shortfall(s, p, norm) for s, p in zip(stock, ppl, strict=True)],
                cap=cap,
                max_per_province=top,
            )
        )
    spare = _spare_staff(facts, scenario)
    for kind in STAFF:
        for p, f in enumerate(facts):
            floor = sum(li.line.min_per_province * _staff(li, kind) for li in lines)
            if floor > spare[kind][p] + 1e-9:
                keys = [
                    n for n, li in enumerate(lines) if li.line.min_per_province and _staff(li, kind)
                ]
                raise InvalidInput(
                    "the minimums per province need more staff than a province has",
                    [
                        FieldProblem(
                            f"lines.{keys[0]}.min_per_province",
                            f"{f.name_en} ({f.code}) has {spare[kind][p]:.0f} {kind} for new "
                            f"beds; the minimums need {floor:.0f}",
                        )
                    ],
                )
    return Problem(
        codes=[f.code for f in facts],
        names_fa=[f.name_fa for f in facts],
        weight=[1 + scenario.weights.priority * score[f.code] for f in facts],
        deprivation_score=[score[f.code] for f in facts],
        lines=lines,
        spare=spare,
        staff_growth=scenario.staff_growth,
    )


@dataclass
class Solution:
    units: list[list[int]]  # [line][province]
    objective: float
    mip_gap: float
    seconds: float
    status: str


def _staff(li: LineInput, kind: str) -> float:
    per = li.line.staff_per_unit
    return 0.0 if per is None else float(getattr(per, kind))


def objective_of(problem: Problem, units: list[list[int]]) -> float:
    """The programme's objective for any allocation (to compare with greedy)."""
    total = 0.0
    for li, xs in zip(problem.lines, units, strict=True):
        scale = max(1, sum(li.need))
        for p, x in enumerate(xs):
            total += problem.weight[p] / scale * max(0, li.need[p] - x)
            total += EPS * x / max(1, li.cap)
    return total


def solve(problem: Problem, *, time_limit: float = 60.0) -> Solution:
    """The optimal allocation. Raises InvalidInput when the bounds and the absorption
    limits cannot all be met (say, a minimum per province above a province's staff)."""
    n_l, n_p = len(problem.lines), len(problem.codes)
    nx = n_l * n_p
    c, lower, upper = _costs_and_bounds(problem)
    a, lo, hi = _matrix(_constraint_rows(problem), 2 * nx)
    integrality = np.concatenate([np.ones(nx), np.zeros(nx)])
    started = time.perf_counter()
    res = milp(
        c,
        constraints=LinearConstraint(a.tocsr(), lo, hi),
        integrality=integrality,
        bounds=Bounds(lower, upper),
        options={"time_limit": time_limit, "mip_rel_gap": 1e-9},
    )
    seconds = time.perf_counter() - started
    if res.x is None:
        raise InvalidInput(
            "the scenario's bounds cannot all be met",
            [FieldProblem("lines", f"no feasible allocation ({res.message})")],
        )
    x = np.rint(res.x[:nx]).astype(np.int64).reshape(n_l, n_p)
    units = [[int(v) for v in row] for row in x]
    gap = float(getattr(res, "mip_gap", 0.0) or 0.0)
    status = str(res.message)
    # a programme stopped by its time limit may be beaten by the greedy split: keep the better
    fallback = greedy(problem)
    if objective_of(problem, fallback) < objective_of(problem, units) - 1e-12:
        units, status = fallback, f"greedy kept: better than the stopped programme ({status})"
    return Solution(units, objective_of(problem, units), gap, seconds, status)


# A constraint row: coefficients by column, lower and upper bound.
_Row = tuple[dict[int, float], float, float]


def _costs_and_bounds(problem: Problem) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The objective's costs and the columns' bounds: units x[l,p] first (within the
    line's per-province bounds), then shortfalls s[l,p], as in the module docstring."""
    n_p = len(problem.codes)
    nx = len(problem.lines) * n_p
    c = np.zeros(2 * nx)
    lower = np.zeros(2 * nx)
    upper = np.full(2 * nx, np.inf)
    for li_n, li in enumerate(problem.lines):
        scale = max(1, sum(li.need))
        for p in range(n_p):
            i = li_n * n_p + p
            c[i] = EPS / max(1, li.cap)
            c[nx + i] = problem.weight[p] / scale
            lower[i], upper[i] = li.line.min_per_province, li.max_per_province
    return c, lower, upper


def _constraint_rows(problem: Problem) -> list[_Row]:
    """Per line: units plus shortfall cover each province's need, at most the line's
    cap, within its budget; per kind of staff and province: the new units' staff fit
    in what is spare."""
    n_p = len(problem.codes)
    nx = len(problem.lines) * n_p
    rows: list[_Row] = []
    for li_n, li in enumerate(problem.lines):
        for p in range(n_p):
            i = li_n * n_p + p
            rows.append(({i: 1.0, nx + i: 1.0}, float(li.need[p]), np.inf))
        span = range(li_n * n_p, (li_n + 1) * n_p)
        rows.append(({i: 1.0 for i in span}, -np.inf, float(li.cap)))
        if li.line.budget_rials is not None:
            cost = float(li.line.unit_cost_rials)
            rows.append(({i: cost for i in span}, -np.inf, float(li.line.budget_rials)))
    for kind in STAFF:
        users = [(n, _staff(li, kind)) for n, li in enumerate(problem.lines) if _staff(li, kind)]
        if not users:
            continue
        for p in range(n_p):
            rows.append(({n * n_p + p: per for n, per in users}, -np.inf, problem.spare[kind][p]))
    return rows


def _matrix(rows: list[_Row], n_cols: int) -> tuple[lil_matrix, np.ndarray, np.ndarray]:
    a = lil_matrix((len(rows), n_cols))
    lo, hi = np.empty(len(rows)), np.empty(len(rows))
    for r, (coefs, low, high) in enumerate(rows):
        for col, v in coefs.items():
            a[r, col] = v
        lo[r], hi[r] = low, high
    return a, lo, hi


def greedy(problem: Problem) -> list[list[int]]:
    """One unit at a time to the largest weighted shortfall reduction still allowed: the
    baseline the programme must never do worse than."""
    n_p = len(problem.codes)
    units = [[li.line.min_per_province] * n_p for li in problem.lines]
    spare = {k: list(v) for k, v in problem.spare.items()}
    for li_n, li in enumerate(problem.lines):
        for p in range(n_p):
            for kind in STAFF:
                spare[kind][p] -= _staff(li, kind) * units[li_n][p]
    while (best := _best_next_unit(problem, units, spare)) is not None:
        li_n, p = best
        units[li_n][p] += 1
        for kind in STAFF:
            spare[kind][p] -= _staff(problem.lines[li_n], kind)
    return units


def _best_next_unit(
    problem: Problem, units: list[list[int]], spare: dict[str, list[float]]
) -> tuple[int, int] | None:
    """The (line, province) where one more unit cuts the weighted shortfall most, within
    the line's cap, the province's bound and need, and the staff spare; ties go to the
    first found. None when no unit is allowed anywhere."""
    best: tuple[float, int, int] | None = None
    for li_n, li in enumerate(problem.lines):
        if sum(units[li_n]) >= li.cap:
            continue
        scale = max(1, sum(li.need))
        for p in range(len(problem.codes)):
            x = units[li_n][p]
            if x >= li.max_per_province or x >= li.need[p]:
                continue
            if any(_staff(li, k) > spare[k][p] + 1e-9 for k in STAFF):
                continue
            gain = problem.weight[p] / scale
            if best is None or gain > best[0]:
                best = (gain, li_n, p)
    return None if best is None else (best[1], best[2])


@dataclass(frozen=True)
class ProvinceLine:
    code: str
    name_fa: str
    need: int
    given: int
    after: int
    # why it got less than its need, every limit that holds, comma-separated: budget (the
    # line's units or money are spent), max_per_province, absorption (no staff for more)
    binding: str


@dataclass
class LineResult:
    key: str
    label_fa: str
    resource: str
    norm_per_10k: float
    cap: int
    units_given: int
    spent_rials: int
    budget_rials: int | None
    gini_before: float
    gini_after: float
    theil_before: float
    theil_after: float
    provinces: list[ProvinceLine] = field(default_factory=list)


def explain(problem: Problem, units: list[list[int]]) -> list[LineResult]:
    """Per line and province: shortfall before, units given, after, and why a province got
    less than its need."""
    out = []
    used = {k: [0.0] * len(problem.codes) for k in STAFF}
    for li, xs in zip(problem.lines, units, strict=True):
        for kind in STAFF:
            for p, x in enumerate(xs):
                used[kind][p] += _staff(li, kind) * x
    for li, xs in zip(problem.lines, units, strict=True):
        after_stock = [s + x for s, x in zip(li.stock, xs, strict=True)]
        # provinces without people have no ratio to compare
        peopled = [i for i, n in enumerate(li.population) if n > 0]
        ppl = [li.population[i] for i in peopled]
        before = [li.stock[i] for i in peopled]
        after = [after_stock[i] for i in peopled]
        rows = []
        spent_all = sum(xs) >= li.cap or (
            li.line.budget_rials is not None
            and (sum(xs) + 1) * li.line.unit_cost_rials > li.line.budget_rials
        )
        for p, x in enumerate(xs):
            reasons = []
            if x < li.need[p]:
                if spent_all:
                    reasons.append("budget")
                if x >= li.max_per_province:
                    reasons.append("max_per_province")
                if any(
                    _staff(li, k) > 0 and used[k][p] + _staff(li, k) > problem.spare[k][p] + 1e-9
                    for k in STAFF
                ):
                    reasons.append("absorption")
            binding = ",".join(reasons)
            rows.append(
                ProvinceLine(
                    problem.codes[p],
                    problem.names_fa[p],
                    li.need[p],
                    x,
                    max(0, li.need[p] - x),
                    binding,
                )
            )
        out.append(
            LineResult(
                key=li.line.key,
                label_fa=li.line.label_fa,
                resource=li.line.resource.value,
                norm_per_10k=li.norm_per_10k,
                cap=li.cap,
                units_given=sum(xs),
                spent_rials=sum(xs) * li.line.unit_cost_rials,
                budget_rials=li.line.budget_rials,
                gini_before=indices.gini(before, ppl),
                gini_after=indices.gini(after, ppl),
                theil_before=indices.theil_t(before, ppl),
                theil_after=indices.theil_t(after, ppl),
                provinces=rows,
            )
        )
    return out


def budget_problems(problem: Problem, units: list[list[int]]) -> list[str]:
    """Every budget, bound and staff limit the allocation breaks (empty when it keeps all)."""
    found = []
    for li, xs in zip(problem.lines, units, strict=True):
        if sum(xs) > li.cap:
            found.append(f"{li.line.key}: {sum(xs)} units > {li.cap}")
        if (
            li.line.budget_rials is not None
            and sum(xs) * li.line.unit_cost_rials > li.line.budget_rials
        ):
            found.append(f"{li.line.key}: over budget")
        for p, x in enumerate(xs):
            if not li.line.min_per_province <= x <= li.max_per_province:
                found.append(f"{li.line.key}/{problem.codes[p]}: {x} out of bounds")
    for kind in STAFF:
        for p in range(len(problem.codes)):
            need = sum(
                _staff(li, kind) * xs[p] for li, xs in zip(problem.lines, units, strict=True)
            )
            if need > problem.spare[kind][p] + 1e-6:
                found.append(
                    f"{problem.codes[p]}: {kind} {need:.1f} > {problem.spare[kind][p]:.1f}"
                )
    return found
