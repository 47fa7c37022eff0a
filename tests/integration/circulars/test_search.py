"""The same query typed different ways finds the same circulars on both databases."""

from __future__ import annotations

import pytest

from darman.circulars import search
from darman.circulars.enums import Status
from darman.common.errors import InvalidInput
from darman.common.jalali import parse_jalali
from darman.security.principal import SYSTEM
from tests.integration.circulars import world

# each pair: two ways of typing one thing, and the circulars both must find
PAIRS = [
    ("می‌شود", "میشود", {"100/1", "100/2", "100/3"}),
    ("می شود", "مي‌شود", {"100/1", "100/2", "100/3"}),
    ("می‌شوند", "میـــشوند", {"100/4"}),
    ("بیمارستان‌های", "بيمارستان هاي", {"100/3"}),
    ("رسیدگی", "رسيدگي", {"100/3"}),
    ("کسورات", "كسورات", {"100/3"}),
    ("۴۵ روز", "45 روز", {"100/3"}),
    ("١٢٠٠٠٠٠", "1200000", {"100/2"}),
    ("مدارک", "مَدارِک", {"100/4"}),
    ("نسخه‌ها", "نسخه ها", {"100/1"}),
    ("مناقصه‌ی سراسری", "مناقصهی سراسری", {"100/5"}),
]


def _numbers(session, query, **filters) -> set[str]:
    found = search.search(session, SYSTEM, query, filters=search.Filters(**filters))
    return {h.number for h in found.hits}


@pytest.mark.parametrize(("typed", "other", "expected"), PAIRS)
def test_two_spellings_of_a_query_find_the_same_circulars(session, typed, other, expected):
    world.load(session)
    assert _numbers(session, typed) == expected
    assert _numbers(session, other) == expected


def test_every_word_of_the_query_must_occur(session):
    world.load(session)
    assert _numbers(session, "نسخه الکترونیک") == {"100/1"}
    assert _numbers(session, "نسخه تجهیزات") == set()


def test_filters_narrow_by_date_issuer_and_status(session):
    world.load(session)
    everyone = {"100/1", "100/2", "100/3"}
    assert _numbers(session, "میشود", issuer="معاونت درمان") == {"100/1", "100/2"}
    assert _numbers(session, "ویزیت", issued_from=parse_jalali("1403/01/01")) == {"100/4"}
    assert _numbers(session, "میشود", issued_to=parse_jalali("1402/03/01")) == {"100/1", "100/2"}
    assert _numbers(session, "میشود", status=Status.IN_FORCE) == everyone
    assert _numbers(session, "میشود", status=Status.REPEALED) == set()


def test_the_passage_marks_the_words_as_written_in_the_circular(session):
    world.load(session)
    [hit] = search.search(session, SYSTEM, "بیمارستانهای").hits
    assert [hit.passage[a:b] for a, b in hit.marks] == ["بيمارستان هاي"]


def test_a_circular_with_the_word_more_often_ranks_first(session):
    world.load(session)
    hits = search.search(session, SYSTEM, "نسخه").hits
    assert [h.number for h in hits] == ["100/1"]
    hits = search.search(session, SYSTEM, "ویزیت").hits
    # 100/2 holds "ویزیت" in a shorter text than 100/4
    assert {h.number for h in hits} == {"100/2", "100/4"}
    assert hits[0].rank >= hits[1].rank


def test_a_query_of_punctuation_only_is_refused_in_persian(session):
    with pytest.raises(InvalidInput) as caught:
        search.search(session, SYSTEM, "«؟!»")
    assert caught.value.problems[0].field == "q"


def test_search_follows_a_circulars_changed_text_and_its_removal(session):
    from sqlalchemy import delete, update

    from darman.circulars.models import Circular

    world.load(session)
    session.execute(update(Circular).where(Circular.number == "100/5").values(search_text="تازه"))
    assert _numbers(session, "تازه") == {"100/5"}
    assert _numbers(session, "مناقصه سراسری") == set()
    session.execute(delete(Circular).where(Circular.number == "100/5"))
    assert _numbers(session, "تازه") == set()


def _six_on_tariffs(session):
    from darman.circulars import service
    from darman.circulars.schemas import CircularCreate

    # recorded in this order (ids rise); "تعرفه" three times in the first, once in the others
    bodies = ["تعرفه ویزیت و تعرفه دارو و تعرفه خدمات جدید"] + ["تعرفه خدمات جدید"] * 5
    service.create_many(
        session, SYSTEM,
        [
            CircularCreate(number=f"7/{i}", issued_on=f"140{i - 1}/01/01", issuer="دفتر تعرفه",
                           subject="ابلاغ", body=body)
            for i, body in enumerate(bodies, start=1)
        ],
    )  # fmt: skip


def test_past_the_cap_the_count_says_more_and_the_newest_matches_are_ranked(session, monkeypatch):
    _six_on_tariffs(session)
    monkeypatch.setattr(search, "COUNT_CAP", 3)
    monkeypatch.setattr(search, "CANDIDATES", 4)
    found = search.search(session, SYSTEM, "تعرفه")
    assert (found.total, found.more) == (3, True)
    # the four most recently recorded (7/3 to 7/6) are ranked; their texts are alike, so
    # the newest issued comes first, and 7/1 (the word three times) is not among them
    assert [h.number for h in found.hits] == ["7/6", "7/5", "7/4", "7/3"]
    past = search.search(session, SYSTEM, "تعرفه", offset=10)
    assert (past.total, past.more, past.hits) == (3, True, [])


def test_up_to_the_cap_every_match_is_counted_and_ranked(session, monkeypatch):
    _six_on_tariffs(session)
    monkeypatch.setattr(search, "COUNT_CAP", 6)
    monkeypatch.setattr(search, "CANDIDATES", 7)
    found = search.search(session, SYSTEM, "تعرفه")
    assert (found.total, found.more) == (6, False)
    assert [h.number for h in found.hits] == ["7/1", "7/6", "7/5", "7/4", "7/3", "7/2"]
    page = search.search(session, SYSTEM, "تعرفه", limit=2, offset=2)
    assert ([h.number for h in page.hits], page.total) == (["7/5", "7/4"], 6)


@pytest.mark.parametrize("window", [1, 3, 5, 10_000])
def test_the_newest_matches_are_found_however_far_the_newest_are_walked(
    session, monkeypatch, window
):
    """PostgreSQL walks the newest ``PG_WINDOW`` circulars first and reads the older ones
    from the index only if too few matched; where the window ends changes nothing."""
    from darman.circulars import service
    from darman.circulars.schemas import CircularCreate

    _six_on_tariffs(session)
    # recorded last: two circulars without the word
    service.create_many(
        session, SYSTEM,
        [
            CircularCreate(number=f"8/{i}", issued_on="1404/06/01", issuer="دفتر اسناد",
                           subject="ابلاغ", body="مهلت ارسال اسناد")
            for i in (1, 2)
        ],
    )  # fmt: skip
    monkeypatch.setattr(search, "PG_WINDOW", window)
    monkeypatch.setattr(search, "COUNT_CAP", 3)
    monkeypatch.setattr(search, "CANDIDATES", 4)
    found = search.search(session, SYSTEM, "تعرفه")
    assert (found.total, found.more) == (3, True)
    assert [h.number for h in found.hits] == ["7/6", "7/5", "7/4", "7/3"]
    issued = search.Filters(issued_to=parse_jalali("1403/12/29"))
    older = search.search(session, SYSTEM, "تعرفه", filters=issued)
    assert [h.number for h in older.hits] == ["7/1", "7/4", "7/3", "7/2"]
