"""A chart over the provinces draws the five highest, the five lowest and the national
average per province; the table keeps every province."""

from __future__ import annotations

from darman.web.chart_series import NATIONAL_FA, note, top_and_bottom

MONTHS = ["فروردین", "اردیبهشت"]


def _country() -> dict[str, list[float]]:
    """31 provinces; province k has k in the first month and 2k in the second, so its
    total is 3k: p31 is highest, p01 lowest."""
    return {f"p{k:02d}": [k, 2 * k] for k in range(1, 32)}


def test_thirty_one_provinces_become_the_five_highest_the_five_lowest_and_the_national_mean() -> (
    None
):
    chart = top_and_bottom(MONTHS, _country())
    labels = [s["label"] for s in chart["series"]]
    assert labels == [
        *("p31", "p30", "p29", "p28", "p27"),
        *("p05", "p04", "p03", "p02", "p01"),
        NATIONAL_FA,
    ]
    assert [s["role"] for s in chart["series"]] == ["top"] * 5 + ["bottom"] * 5 + ["national"]
    # the mean of 1..31 is 16; of 2..62 (even), 32
    assert chart["series"][-1]["values"] == [16.0, 32.0]
    assert chart["series"][0]["values"] == [31, 62]
    assert (chart["shown"], chart["provinces"], chart["labels"]) == (10, 31, MONTHS)
    assert "۵ استان با بیشترین" in note(chart) and "هر ۳۱ استان" in note(chart)


def test_a_scope_of_ten_provinces_or_fewer_draws_every_one_and_says_nothing_left_out() -> None:
    few = {"قم": [3.0, 1.0], "تهران": [5.0, 5.0], "یزد": [1.0, 0.0]}
    chart = top_and_bottom(MONTHS, few)
    assert [(s["label"], s["role"]) for s in chart["series"]] == [
        ("تهران", "all"), ("قم", "all"), ("یزد", "all"), (NATIONAL_FA, "national"),
    ]  # fmt: skip
    assert chart["series"][-1]["values"] == [3.0, 2.0]
    assert note(chart) == ""
    one = top_and_bottom(MONTHS, {"قم": [3.0, 1.0]})
    assert [s["role"] for s in one["series"]] == ["all"]  # one province: no average to add


def test_ties_are_broken_by_name_so_the_same_figures_draw_the_same_chart() -> None:
    flat = {f"p{k:02d}": [1.0, 1.0] for k in range(1, 13)}
    chart = top_and_bottom(MONTHS, flat)
    names = [s["label"] for s in chart["series"][:-1]]
    assert names == [f"p{k:02d}" for k in (1, 2, 3, 4, 5, 8, 9, 10, 11, 12)]
