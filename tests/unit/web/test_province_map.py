"""The shared province map's layout and scale, without a page: every registry province has
one tile of its own, roughly where it lies, and values fall into the classes worked by hand."""

from __future__ import annotations

from darman.registry.provinces import read_facts
from darman.web import province_map
from darman.web.province_map import NO_DATA_FA, TILES, band_of, bands, build

PROVINCES = [(p.code, p.name_fa) for p in read_facts()]


def test_every_registry_province_has_one_tile_and_no_two_share_a_place() -> None:
    assert sorted(TILES) == sorted(code for code, _ in PROVINCES)
    assert len(TILES) == 31
    assert len(set(TILES.values())) == 31


def test_tiles_sit_roughly_where_the_provinces_lie() -> None:
    north = {code for code, (row, _) in TILES.items() if row == 1}
    assert {"25", "27", "24"} <= north  # Gilan, Mazandaran, Golestan on the Caspian
    row, column = TILES["16"]  # Sistan and Baluchestan: the south-east corner
    assert row == province_map.ROWS and column == province_map.COLUMNS
    row, column = TILES["13"]  # Khuzestan: south-west
    assert row > 3 and column <= 2
    row, column = TILES["08"]  # Tehran: centre-north
    assert row == 2 and 3 <= column <= 5
    # Golestan lies east of Mazandaran, which lies east of Gilan
    assert TILES["25"][1] < TILES["27"][1] < TILES["24"][1]


def test_equal_width_classes_hold_their_upper_limit() -> None:
    limits = bands([10.0, 20.0, 60.0])
    assert limits == [(10, 20), (20, 30), (30, 40), (40, 50), (50, 60)]
    assert band_of(10, limits) == 0
    assert band_of(20, limits) == 0
    assert band_of(20.5, limits) == 1
    assert band_of(60, limits) == 4
    assert bands([]) == []
    assert bands([7.0, 7.0]) == [(7.0, 7.0)]


def test_the_map_colours_by_class_and_says_which_provinces_have_no_data() -> None:
    values = {"08": 10.0, "19": 20.0, "04": 60.0, "05": None, "99": 5.0, "31": float("nan")}
    m = build("t", "آزمون", PROVINCES, values, unit_fa="٪")
    assert len(m.tiles) == 31  # an unknown code (99) is left off, not drawn somewhere
    by_code = {t.code: t for t in m.tiles}
    assert by_code["08"].band == 0 and by_code["19"].band == 0 and by_code["04"].band == 4
    assert by_code["08"].value_fa == "۱۰٫۰ ٪"
    assert by_code["08"].name_fa == "تهران"
    assert by_code["05"].band is None and by_code["05"].value_fa == NO_DATA_FA
    assert by_code["31"].value is None  # not a number is no data
    assert m.no_data == 28
    assert [b.label_fa for b in m.legend][:2] == ["۱۰٫۰ تا ۲۰٫۰ ٪", "۲۰٫۰ تا ۳۰٫۰ ٪"]
    assert len(m.legend) == 5


def test_one_value_everywhere_is_one_middle_class() -> None:
    m = build("t", "آزمون", PROVINCES, dict.fromkeys(TILES, 3.0), decimals=0)
    assert {t.band for t in m.tiles} == {2}
    assert [b.label_fa for b in m.legend] == ["۳"]
    assert m.no_data == 0
