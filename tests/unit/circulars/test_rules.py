import datetime as dt

from darman.circulars.enums import EffectKind, Status
from darman.circulars.rules import Effect, refusal_of_effect, status_on, timeline

D = dt.date


def test_a_circular_is_not_in_force_before_its_effective_day():
    assert status_on(D(2025, 1, 1), effective_from=D(2025, 2, 1), effects_on_it=[]) is None
    assert (
        status_on(D(2025, 2, 1), effective_from=D(2025, 2, 1), effects_on_it=[]) is Status.IN_FORCE
    )


def test_an_amendment_and_a_repeal_count_only_from_their_own_day():
    effects = [
        Effect("B", "A", EffectKind.AMENDS, D(2025, 3, 1), "ماده ۲"),
        Effect("C", "A", EffectKind.REPEALS, D(2025, 6, 1)),
    ]
    start = D(2025, 1, 1)
    assert status_on(D(2025, 2, 28), effective_from=start, effects_on_it=effects) is Status.IN_FORCE
    assert status_on(D(2025, 3, 1), effective_from=start, effects_on_it=effects) is Status.AMENDED
    assert status_on(D(2025, 6, 1), effective_from=start, effects_on_it=effects) is Status.REPEALED


def test_replacement_and_consolidation_end_a_circular_but_clarification_does_not():
    start = D(2025, 1, 1)
    day = D(2025, 5, 1)
    for kind, expected in [
        (EffectKind.REPLACES, Status.REPEALED),
        (EffectKind.CONSOLIDATES, Status.REPEALED),
        (EffectKind.CLARIFIES, Status.IN_FORCE),
    ]:
        effects = [Effect("B", "A", kind, D(2025, 4, 1))]
        assert status_on(day, effective_from=start, effects_on_it=effects) is expected


def test_a_timeline_lists_issue_effect_and_effects_in_date_order():
    events = timeline(
        issued_on=D(2025, 1, 1),
        effective_from=D(2025, 1, 10),
        effects_on_it=[Effect("C", "A", EffectKind.REPEALS, D(2025, 6, 1))],
        effects_by_it=[Effect("A", "Z", EffectKind.AMENDS, D(2025, 1, 10), "بند ۱")],
    )
    assert [(e.on, e.kind, e.other, e.direction) for e in events] == [
        (D(2025, 1, 1), "issued", None, "self"),
        (D(2025, 1, 10), "effective", None, "self"),
        (D(2025, 1, 10), "amends", "Z", "on"),
        (D(2025, 6, 1), "repeals", "C", "by"),
    ]


def test_a_circular_cannot_repeal_itself():
    assert refusal_of_effect("12/5", "12/5", EffectKind.REPEALS) is not None
    assert refusal_of_effect("12/5", "12/6", EffectKind.REPEALS) is None
