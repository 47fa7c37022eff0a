"""The synthetic truth for duplicates (R08), settled by hand on a few lines: a line repeats
only the first paid line of its (person, facility, code, date), as the kernel judges."""

from __future__ import annotations

import numpy as np

from darman.synth.claims_draft import Claims, Draft
from darman.synth.claims_violations import mark_repeats

A, B = "0012345678", "0087654321"  # two people
CBC, VISIT = "200101", "100102"


def _draft(rows: list[tuple[str, str, str | None]]) -> Draft:
    """One claim at one facility on one day: (person, code, truth so far) per line."""
    n = len(rows)
    none = np.zeros(n, dtype=np.int64)
    claims = Claims(*(np.zeros(1, dtype=np.int64) for _ in range(7)))
    return Draft(
        claims=claims,
        claim=none,
        line_no=np.arange(n),
        facility=np.full(n, 7),
        level=np.full(n, 2),
        owned=np.zeros(n, dtype=bool),
        province=np.full(n, 8),
        service_date=np.full(n, 739_000),
        submitted=np.full(n, 739_005),
        admission=np.full(n, -1),
        discharge=np.full(n, -1),
        is_drug=np.zeros(n, dtype=bool),
        code=np.array([code for _, code, _ in rows], dtype=object),
        quantity=np.ones(n, dtype=np.int64),
        price=np.full(n, 900_000),
        nid=np.array([nid for nid, _, _ in rows], dtype=object),
        nid_valid=np.ones(n, dtype=bool),
        undispensed=np.zeros(n, dtype=bool),
        injected=np.array([truth for _, _, truth in rows], dtype=object),
    )


def _settled(rows: list[tuple[str, str, str | None]]) -> list[str | None]:
    draft = _draft(rows)
    mark_repeats(draft)
    return draft.injected.tolist()


def test_a_repeat_of_a_paid_or_partly_paid_line_is_a_duplicate_and_of_a_rejected_one_is_not() -> (
    None
):
    assert _settled([(A, CBC, None), (A, CBC, None), (A, CBC, "D01")]) == [None, "R08", "R08"]
    assert _settled([(A, CBC, "D02"), (A, CBC, None)]) == ["D02", "R08"]
    # the first is rejected for a wrong filing: the second is paid, the third repeats it
    assert _settled([(A, CBC, "R09"), (A, CBC, None), (A, CBC, None)]) == ["R09", None, "R08"]
    # another person's line is no repeat
    assert _settled([(A, CBC, None), (B, CBC, None)]) == [None, None]


def test_an_injected_copy_of_a_rejected_line_is_rejected_for_what_rejects_that_line() -> None:
    # a specialist visit with no referral (R10) and its injected copy; then a copy of a
    # copy, which repeats nothing paid either
    assert _settled([(A, VISIT, "R10"), (A, VISIT, "R08"), (A, VISIT, "R08")]) == [
        "R10",
        "R10",
        "R10",
    ]
    # the copy of a paid line stays a duplicate
    assert _settled([(A, VISIT, None), (A, VISIT, "R08")]) == [None, "R08"]
