"""The national service catalogue, drug formulary and tariffs the synthetic dataset ships.

These are structure, not volume: they do not shrink with the scale. Prices are
illustrative integer rials of the right order of magnitude, rising each year.
"""

from __future__ import annotations

# code, Persian name, category, minimum level, sex limit, min age, max age, base price (rials)
SERVICES: tuple[tuple[str, str, str, int, str | None, int | None, int | None, int], ...] = (
    ("100101", "ویزیت پزشک عمومی", "visit", 1, None, None, None, 2_150_000),
    ("100102", "ویزیت پزشک متخصص", "visit", 2, None, None, None, 3_300_000),
    ("100103", "ویزیت پزشک فوق تخصص", "visit", 3, None, None, None, 4_050_000),
    ("100104", "ویزیت پزشک خانواده", "visit", 1, None, None, None, 2_150_000),
    ("100105", "ویزیت روان‌پزشک", "visit", 2, None, None, None, 3_960_000),
    ("100106", "مشاوره تخصصی در بخش", "visit", 2, None, None, None, 3_600_000),
    ("200101", "شمارش کامل سلول‌های خون (CBC)", "lab", 1, None, None, None, 900_000),
    ("200102", "قند خون ناشتا", "lab", 1, None, None, None, 250_000),
    ("200103", "هموگلوبین A1C", "lab", 1, None, None, None, 1_400_000),
    ("200104", "پروفایل چربی خون", "lab", 1, None, None, None, 1_200_000),
    ("200105", "آزمایش کامل ادرار", "lab", 1, None, None, None, 450_000),
    ("200106", "کراتینین سرم", "lab", 1, None, None, None, 300_000),
    ("200107", "TSH", "lab", 1, None, None, None, 1_100_000),
    ("200108", "تست بارداری (β-hCG)", "lab", 1, "female", 10, 60, 950_000),
    ("200109", "PSA", "lab", 2, "male", 40, None, 1_500_000),
    ("200110", "کشت خون", "lab", 2, None, None, None, 2_400_000),
    ("300101", "رادیوگرافی قفسه سینه", "imaging", 1, None, None, None, 1_350_000),
    ("300102", "سونوگرافی شکم و لگن", "imaging", 2, None, None, None, 3_200_000),
    ("300103", "سونوگرافی بارداری", "imaging", 2, "female", 12, 55, 2_900_000),
    ("300104", "سی‌تی‌اسکن مغز بدون کنتراست", "imaging", 2, None, None, None, 9_800_000),
    ("300105", "سی‌تی‌اسکن قفسه سینه", "imaging", 2, None, None, None, 11_200_000),
    ("300106", "ام‌آر‌آی مغز", "imaging", 3, None, None, None, 21_500_000),
    ("300107", "ماموگرافی", "imaging", 2, "female", 35, None, 4_100_000),
    ("300108", "اکوکاردیوگرافی", "imaging", 2, None, None, None, 5_600_000),
    ("400101", "آپاندکتومی", "procedure", 2, None, None, None, 98_000_000),
    ("400102", "کوله‌سیستکتومی لاپاراسکوپیک", "procedure", 2, None, None, None, 145_000_000),
    ("400103", "زایمان طبیعی", "procedure", 2, "female", 12, 55, 62_000_000),
    ("400104", "سزارین", "procedure", 2, "female", 12, 55, 88_000_000),
    ("400105", "آنژیوگرافی عروق کرونر", "procedure", 3, None, None, None, 78_000_000),
    ("400106", "آنژیوپلاستی با استنت", "procedure", 3, None, None, None, 320_000_000),
    ("400107", "همودیالیز (هر جلسه)", "procedure", 2, None, None, None, 12_500_000),
    ("400108", "عمل آب مروارید (فیکو)", "procedure", 2, None, None, None, 72_000_000),
    ("400109", "تعویض مفصل زانو", "procedure", 3, None, None, None, 410_000_000),
    ("400110", "بخیه زخم ساده", "procedure", 1, None, None, None, 1_800_000),
    ("500101", "تخت روز بخش عمومی", "bed_day", 2, None, None, None, 14_500_000),
    ("500102", "تخت روز ICU", "bed_day", 3, None, None, None, 52_000_000),
    ("500103", "تخت روز CCU", "bed_day", 3, None, None, None, 45_000_000),
    ("500104", "تخت روز NICU", "bed_day", 3, None, 0, 1, 48_000_000),
    ("600101", "ترمیم دندان (کامپوزیت)", "dental", 1, None, None, None, 6_200_000),
    ("600102", "کشیدن دندان", "dental", 1, None, None, None, 2_700_000),
    ("600103", "درمان ریشه دندان", "dental", 2, None, None, None, 14_800_000),
    ("700101", "جلسه فیزیوتراپی", "rehabilitation", 1, None, None, None, 1_900_000),
    ("700102", "جلسه کاردرمانی", "rehabilitation", 1, None, None, None, 1_750_000),
    ("700103", "جلسه گفتاردرمانی", "rehabilitation", 2, None, None, None, 2_100_000),
)

# generic code, Persian name, form, strength, covered, max quantity, specialist-only
DRUGS: tuple[tuple[str, str, str, str, bool, int, bool], ...] = (
    ("10001", "آموکسی‌سیلین", "capsule", "500 mg", True, 30, False),
    ("10002", "آزیترومایسین", "tablet", "250 mg", True, 6, False),
    ("10003", "سفالکسین", "capsule", "500 mg", True, 30, False),
    ("10004", "سفتریاکسون", "injection", "1 g", True, 10, False),
    ("10005", "استامینوفن", "tablet", "500 mg", True, 30, False),
    ("10006", "ایبوپروفن", "tablet", "400 mg", True, 30, False),
    ("10007", "متفورمین", "tablet", "500 mg", True, 90, False),
    ("10008", "گلی‌بن‌کلامید", "tablet", "5 mg", True, 90, False),
    ("10009", "انسولین گلارژین", "injection", "100 IU/ml", True, 5, True),
    ("10010", "لوزارتان", "tablet", "25 mg", True, 90, False),
    ("10011", "آملودیپین", "tablet", "5 mg", True, 90, False),
    ("10012", "آتورواستاتین", "tablet", "20 mg", True, 90, False),
    ("10013", "آسپرین", "tablet", "80 mg", True, 100, False),
    ("10014", "کلوپیدوگرل", "tablet", "75 mg", True, 90, True),
    ("10015", "لووتیروکسین", "tablet", "100 mcg", True, 100, False),
    ("10016", "امپرازول", "capsule", "20 mg", True, 60, False),
    ("10017", "سالبوتامول", "inhaler", "100 mcg", True, 3, False),
    ("10018", "سرترالین", "tablet", "50 mg", True, 60, True),
    ("10019", "شربت دیفن‌هیدرامین", "syrup", "12.5 mg/5 ml", True, 2, False),
    ("10020", "پماد بتامتازون", "ointment", "0.1 %", True, 2, False),
    ("10021", "قطره چشمی تیمولول", "drops", "0.5 %", True, 3, True),
    ("10022", "اریتروپویتین", "injection", "4000 IU", True, 12, True),
    ("10023", "ویتامین D3", "capsule", "50000 IU", True, 8, False),
    ("10024", "شیاف دیکلوفناک", "suppository", "100 mg", True, 10, False),
    ("10025", "سیلدنافیل", "tablet", "50 mg", False, 8, False),
    ("10026", "ملاتونین", "tablet", "3 mg", False, 30, False),
    ("10027", "اینفلیکسیماب", "injection", "100 mg", True, 3, True),
    ("10028", "وارفارین", "tablet", "5 mg", True, 60, True),
    ("10029", "پردنیزولون", "tablet", "5 mg", True, 60, False),
    ("10030", "فوروزماید", "tablet", "40 mg", True, 60, False),
)

# Services the insurer pays at most once per N days for one person, and at
# most K units of on one claim.
FREQUENCY_DAYS = {"200103": 90, "300106": 180, "300107": 365, "300108": 180, "600103": 365}
MAX_PER_CLAIM = {"700101": 10, "700102": 10, "700103": 10, "400107": 13, "500101": 30}
# Longest days of supply one prescription may cover: a course for acute drugs (two weeks
# for antibiotics), three months for chronic ones (diabetes, blood pressure, lipids,
# anticoagulation, thyroid, psychiatric, glaucoma, kidney and immune disease).
CHRONIC_DRUGS = frozenset(
    {
        "10007", "10008", "10009", "10010", "10011", "10012", "10013", "10014", "10015",
        "10016", "10017", "10018", "10021", "10022", "10023", "10027", "10028", "10030",
    }
)  # fmt: skip
ANTIBIOTICS = frozenset({"10001", "10002", "10003", "10004"})
DRUG_MAX_DAYS = {
    code: 90 if code in CHRONIC_DRUGS else 14 if code in ANTIBIOTICS else 30 for code, *_ in DRUGS
}
# Reference price per unit (rials, 1404) of each drug, from its generic code.
DRUG_PRICES = {code: 40_000 + (int(code) % 97) * 9_000 for code, *_ in DRUGS}

# The schedule is published years ahead so that a claim dated today keeps finding its
# tariff after Nowruz: the dataset's bytes stay fixed while the calendar moves on.
TARIFF_YEARS = tuple(range(1402, 1411))
BASE_YEAR = 1403
YEARLY_RISE_PERCENT = 30
# Contracted private centres are priced above the public (owned) schedule.
CONTRACTED_MARKUP_PERCENT = 35
# Each level of care above the minimum costs more, per level.
LEVEL_STEP_PERCENT = 12


def tariff_amount(base: int, year: int, level: int, min_level: int, ownership: str) -> int:
    """Price in whole rials, rounded to 1,000 rials; integer arithmetic only."""
    amount = base
    steps = year - BASE_YEAR
    for _ in range(abs(steps)):
        amount = (
            amount * (100 + YEARLY_RISE_PERCENT) // 100
            if steps > 0
            else amount * 100 // (100 + YEARLY_RISE_PERCENT)
        )
    amount = amount * (100 + LEVEL_STEP_PERCENT * (level - min_level)) // 100
    if ownership == "contracted":
        amount = amount * (100 + CONTRACTED_MARKUP_PERCENT) // 100
    return (amount // 1000) * 1000


# The formulary by Jalali year, over the tariffs' years. The list of 1404 is still in force
# (no later list is published), so from 1404 on every year repeats the ``drugs`` row that
# prescribing and claims read; the earlier years were cheaper, and a few covered drugs
# entered the cover only in 1403.
FORMULARY_YEARS = TARIFF_YEARS
FORMULARY_IN_FORCE_YEAR = 1404
DRUG_YEARLY_RISE_PERCENT = 25


def drug_year_entry(code: str, covered: bool, year: int) -> tuple[bool, int]:
    """(covered, reference price per unit in rials) of drug ``code`` in Jalali ``year``;
    integer arithmetic, earlier prices rounded down to 1,000 rials."""
    price = DRUG_PRICES[code]
    if year >= FORMULARY_IN_FORCE_YEAR:
        return covered, price
    for _ in range(FORMULARY_IN_FORCE_YEAR - year):
        price = price * 100 // (100 + DRUG_YEARLY_RISE_PERCENT)
    late_entry = covered and int(code) % 5 == 0 and year < FORMULARY_IN_FORCE_YEAR - 1
    return covered and not late_entry, (price // 1000) * 1000
