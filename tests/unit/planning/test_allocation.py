"""The allocation programme: budgets and bounds kept, never worse than greedy, deprived
provinces first, staff limits, explanations, and reproducible sensitivity."""

from __future__ import annotations

import pytest

from darman.common.errors import InvalidInput
from darman.planning import allocation, scenario, sensitivity
from tests.unit.planning.fixtures import nation, province


def _scenario(**line: object) -> scenario.Scenario:
    body = {
        "key": "icu",
        "label_fa": "تخت ویژه",
        "resource": "icu_beds_1396",
        "unit_cost_rials": 10,
        "budget_rials": 30,
        **line,
    }
    return scenario.parse({"name": "آزمون", "year": 1404, "lines": [body]})


def test_the_shipped_scenario_is_the_seeds_year() -> None:
    s = scenario.shipped()
    beds = sum(
        line.units or 0 for line in s.lines if line.resource.value in ("beds_1396", "icu_beds_1396")
    )
    assert beds == 550
    bed_money = sum(line.budget_rials or 0 for line in s.lines if line.key in ("beds", "icu_beds"))
    assert bed_money == 280_000_000_000 * 10  # 280 billion toman
    by_key = {line.key: line for line in s.lines}
    assert by_key["dialysis"].budget_rials == 2_740_000_000_000  # capital equipment, 274 bn toman
    advanced = by_key["ct"].budget_rials + by_key["mri"].budget_rials  # type: ignore[operator]
    assert advanced == 2_900_000_000_000  # advanced equipment, 290 bn toman


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_the_programme_keeps_every_budget_and_bound_and_beats_greedy(seed: int) -> None:
    facts = nation(seed)
    problem = allocation.prepare(scenario.shipped(), facts)
    solution = allocation.solve(problem)
    assert allocation.budget_problems(problem, solution.units) == []
    greedy = allocation.greedy(problem)
    assert allocation.budget_problems(problem, greedy) == []
    assert solution.objective <= allocation.objective_of(problem, greedy) + 1e-9
    for li, xs in zip(problem.lines, solution.units, strict=True):
        assert all(x <= max(li.need[p], li.line.min_per_province) for p, x in enumerate(xs))


def test_with_one_unit_the_deprived_province_gets_it() -> None:
    # same population and stock; province 02 has half the national spending per insured
    rich = province("01", icu=50, spending=2_000_000_000)
    poor = province("02", icu=50, spending=500_000_000)
    s = _scenario(budget_rials=10, norm_per_10k=1.0)
    problem = allocation.prepare(s, [rich, poor])
    assert problem.weight[1] > problem.weight[0]
    units = allocation.solve(problem).units
    assert units == [[0, 1]]
    explained = allocation.explain(problem, units)[0].provinces
    assert (explained[0].need, explained[0].given, explained[0].binding) == (50, 0, "budget")


def test_new_beds_wait_for_staff_and_the_reason_says_so() -> None:
    staffed = province("01", icu=50, nurses=3_000)  # twice the national staff per bed
    thin = province("02", icu=50, nurses=500)
    s = _scenario(budget_rials=1_000, norm_per_10k=1.0, staff_per_unit={"nurses": 2.0})
    problem = allocation.prepare(s.model_copy(update={"staff_growth": 0.0}), [staffed, thin])
    assert problem.spare["nurses"][1] == 0
    units = allocation.solve(problem).units
    assert units[0][1] == 0 and units[0][0] == 50
    rows = allocation.explain(problem, units)[0].provinces
    assert rows[1].binding == "absorption" and rows[0].binding == ""
    planned = scenario.parse(
        {
            **s.model_dump(mode="json"),
            "staff_growth": 0.0,
            "planned_staff": [{"province_code": "02", "nurses": 20}],
        }
    )
    units = allocation.solve(allocation.prepare(planned, [staffed, thin])).units
    assert units[0][1] == 10  # 20 planned nurses staff 10 beds at 2 nurses a bed


def test_per_province_bounds_bind_and_are_named() -> None:
    s = _scenario(budget_rials=1_000, norm_per_10k=1.0, max_per_province=3, min_per_province=1)
    problem = allocation.prepare(s, [province("01", icu=0), province("02", icu=200)])
    units = allocation.solve(problem).units
    assert units == [[3, 1]]  # 02 needs nothing but the minimum holds
    assert allocation.explain(problem, units)[0].provinces[0].binding == "max_per_province"
    with pytest.raises(InvalidInput) as caught:
        allocation.prepare(
            _scenario(budget_rials=10, min_per_province=1), [province("01"), province("02")]
        )
    assert caught.value.problems[0].field == "lines.0.min_per_province"


def test_gini_falls_when_the_short_province_is_filled() -> None:
    s = _scenario(budget_rials=10_000, norm_per_10k=1.0)
    problem = allocation.prepare(s, [province("01", icu=20), province("02", icu=100)])
    line = allocation.explain(problem, allocation.solve(problem).units)[0]
    assert line.gini_before > 0 and line.gini_after == pytest.approx(0.0, abs=1e-12)
    assert line.units_given == 80 and line.spent_rials == 800


def test_sensitivity_is_reproducible_and_flags_moving_allocations() -> None:
    facts = nation(5)
    s = scenario.shipped()
    first = sensitivity.analyse(s, facts, runs=4, spread=0.3, seed=7)
    again = sensitivity.analyse(s, facts, runs=4, spread=0.3, seed=7)
    assert first == again
    assert all(r.low <= r.base <= r.high for r in first)
    assert len(first) == len(s.lines) * 31


def test_a_bad_scenario_names_the_field_and_a_broken_file_its_line() -> None:
    with pytest.raises(InvalidInput) as caught:
        _scenario(budget_rials=None)
    assert caught.value.problems[0].field == "lines.0"
    with pytest.raises(InvalidInput) as caught:
        _scenario(unit_cost_rials=0)
    assert caught.value.problems[0].field == "lines.0.unit_cost_rials"
    with pytest.raises(InvalidInput) as caught:
        scenario.loads('name = "x"\nyear = 1404\n[[lines]\n')
    assert "line 3" in caught.value.problems[0].reason


def test_deprivation_weights_change_the_ranking_and_contributions_add_up() -> None:
    from darman.planning import deprivation

    facts = nation(3)
    ranked = deprivation.rank(facts)
    for row in ranked:
        assert sum(c.contribution for c in row.components) == pytest.approx(row.score)
        assert all(0 <= c.shortfall <= 1 for c in row.components)
    assert [r.rank for r in ranked] == list(range(1, 32))
    icu_only = deprivation.rank(facts, deprivation.components_with(
        icu_beds=1, beds=0, spending=0, physicians=0, nurses=0))  # fmt: skip
    assert icu_only[0].code == "19"  # Qom has the fewest intensive-care beds per person
    with pytest.raises(ValueError):
        deprivation.rank(facts, deprivation.components_with(
            icu_beds=0, beds=0, spending=0, physicians=0, nurses=0))  # fmt: skip


def test_need_weighting_keeps_the_national_total_and_a_norm_its_meaning() -> None:
    from darman.planning.enums import Population
    from darman.planning.equity import populations

    old = province("01", insured=1_000, over_60=500)
    young = province("02", insured=1_000, over_60=0)
    average = province("03", insured=1_000, over_60=250)
    weighted = populations([old, young, average], Population.TOTAL, need_weighted=True)
    assert sum(weighted) == pytest.approx(3_000_000)
    assert weighted[2] == pytest.approx(1_000_000)  # the national age structure: unchanged
    assert weighted[0] > 1_000_000 > weighted[1]


def test_scenario_limits_are_named_before_solving() -> None:
    facts = [province("01", icu=0, nurses=0), province("02", icu=0)]
    base = _scenario(budget_rials=1_000, staff_per_unit={"nurses": 1.0}, min_per_province=2)
    with pytest.raises(InvalidInput) as caught:
        allocation.prepare(base.model_copy(update={"staff_growth": 0.0}), facts)
    assert caught.value.problems[0].field == "lines.0.min_per_province"
    assert "(01)" in caught.value.problems[0].reason
    for bad in ({"norm_per_10k": float("inf")}, {"unit_cost_rials": 10**40}):
        with pytest.raises(InvalidInput) as caught:
            _scenario(**bad)
        assert caught.value.problems[0].field.startswith("lines.0.")
    with pytest.raises(InvalidInput) as caught:
        scenario.parse({"name": "x", "year": 1404, "weights": {"icu_beds": 0, "beds": 0,
                        "spending": 0, "physicians": 0, "nurses": 0},
                        "lines": [_scenario().lines[0].model_dump(mode="json")]})  # fmt: skip
    assert caught.value.problems[0].field == "weights"
    planned = {**_scenario().model_dump(mode="json"), "planned_staff": [{"province_code": "99"}]}
    with pytest.raises(InvalidInput) as caught:
        allocation.prepare(scenario.parse(planned), facts)
    assert caught.value.problems[0].field == "planned_staff.0.province_code"
