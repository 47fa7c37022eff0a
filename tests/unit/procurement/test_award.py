"""The award programme: every rule kept, never costlier than the rule-keeping greedy split
or than single sourcing where the rules allow it, intermediaries penalised, and savings."""

from __future__ import annotations

import numpy as np
import pytest

from darman.procurement import award
from darman.procurement.award import BidIn, Rules


def _bid(n, item, supplier, kind, price, capacity, *, lead=30, quality=80, reliability=90):
    return BidIn(n, item, supplier, kind, price, lead, capacity, quality, reliability)


def _market(seed: int, items: int = 12, suppliers: int = 8):
    rng = np.random.default_rng(seed)
    kinds = ["manufacturer", "importer", "distributor", "intermediary"]
    demand = {i: int(rng.integers(100, 2_000)) for i in range(1, items + 1)}
    vital = {i for i in demand if i % 3 == 0}
    bids, n = [], 0
    for i, d in demand.items():
        for s in rng.choice(suppliers, size=int(rng.integers(1, suppliers)), replace=False):
            n += 1
            bids.append(_bid(
                n, i, int(s) + 1, kinds[int(s) % 4], int(rng.integers(50_000, 90_000)),
                int(d * rng.uniform(0.2, 1.5)), lead=int(rng.integers(10, 120)),
                quality=int(rng.integers(50, 100)), reliability=float(rng.uniform(60, 100)),
            ))  # fmt: skip
    return demand, vital, bids


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_the_award_keeps_every_rule_and_beats_the_rule_keeping_greedy(seed: int) -> None:
    demand, vital, bids = _market(seed)
    rules = Rules(days_to_need=90)
    result = award.solve(demand, vital, bids, rules)
    assert award.problems(result.lines, demand, vital, bids, rules) == []
    base = award.greedy(demand, vital, bids, rules)
    assert award.problems(base, demand, vital, bids, rules) == []
    # on the programme's own objective (cost plus the penalty for short units) greedy's
    # rule-keeping split can never do better
    own = award.objective_of(result.lines, demand, bids, rules)
    assert result.objective == pytest.approx(own)
    assert own <= award.objective_of(base, demand, bids, rules) * (1 + 1e-6)


def test_without_sustainability_rules_the_award_is_never_costlier_than_single_sourcing() -> None:
    # price alone counts, no share cap, no intermediary penalty: cheapest single source is
    # a feasible award, so the programme cannot pay more
    rules = Rules(weight_price=100, weight_quality=0, weight_delivery=0, max_share=1.0,
                  min_lot=0.0, intermediary_penalty=0.0)  # fmt: skip
    for seed in range(6):
        demand, _, bids = _market(seed)
        result = award.solve(demand, set(), bids, rules)
        assert result.single_source_rials is not None
        assert result.award_on_single_source_items_rials <= result.single_source_rials


def test_a_vital_item_gets_two_suppliers_and_shares_are_capped() -> None:
    bids = [
        _bid(1, 1, 1, "manufacturer", 100, 10_000),
        _bid(2, 1, 2, "importer", 150, 10_000),
        _bid(3, 1, 3, "importer", 200, 10_000),
    ]
    rules = Rules(weight_price=100, weight_quality=0, weight_delivery=0, max_share=0.6)
    result = award.solve({1: 1_000}, {1}, bids, rules)
    got = {a.supplier_id: a.quantity for a in result.lines}
    assert got == {1: 600, 2: 400}  # cheapest takes its 60 %, the next the rest
    assert result.cost_rials == 600 * 100 + 400 * 150
    alone = award.solve({1: 1_000}, {1}, bids[:1], rules)
    assert {a.supplier_id: a.quantity for a in alone.lines} == {1: 1_000}  # one bidder: no cap


def test_an_intermediary_is_penalised_where_a_producer_bids_and_savings_are_shown() -> None:
    bids = [
        _bid(1, 1, 1, "manufacturer", 105, 5_000),
        _bid(2, 1, 2, "intermediary", 100, 5_000),
        _bid(3, 2, 2, "intermediary", 100, 5_000),  # no producer bids for item 2
        _bid(4, 2, 3, "intermediary", 130, 5_000),
    ]
    rules = Rules(weight_price=100, weight_quality=0, weight_delivery=0, max_share=1.0,
                  min_lot=0.0, intermediary_penalty=0.10)  # fmt: skip
    result = award.solve({1: 1_000, 2: 1_000}, set(), bids, rules)
    got = {(a.item_id, a.supplier_id): a.quantity for a in result.lines}
    assert got == {(1, 1): 1_000, (2, 2): 1_000}
    assert result.intermediary_rials == 100 * 1_000
    assert result.single_source_rials == 100 * 1_000 + 100 * 1_000
    assert result.intermediaries_only_rials == 100 * 1_000 + 100 * 1_000
    assert result.cost_rials == 105 * 1_000 + 100 * 1_000


def test_slow_bids_are_out_short_demand_is_reported_and_bad_rules_refused() -> None:
    bids = [_bid(1, 1, 1, "manufacturer", 100, 300, lead=200), _bid(2, 1, 2, "importer", 120, 300)]
    result = award.solve({1: 1_000}, set(), bids, Rules(days_to_need=90, max_share=1.0))
    assert {a.supplier_id for a in result.lines} == {2}
    assert result.short == {1: 700}
    with pytest.raises(ValueError):
        award.solve({1: 10}, set(), bids, Rules(weight_price=50))
