"""Violations injected into clean synthetic lines, one per chosen line, and the truth
settled where injections and chance meet."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from darman.synth import catalogue
from darman.synth.claims_draft import (
    Draft,
    People,
    covered_drug_codes,
    drug_max_table,
    fiscal_years,
    tariff_table,
)
from darman.synth.claims_reference import (
    INJECTED,
    REFERRAL_CODES,
    REFERRAL_PROVINCES,
    UNKNOWN_CODE,
    UNPRICED_CODE,
    Window,
)

# ---------------------------------------------------------------- injected violations


@dataclass(frozen=True)
class Pools:
    """What the injections draw from."""

    people: People
    window: Window
    male: np.ndarray  # rows of eligible men
    tariff: dict[tuple[str, int, str, int], int]
    drug_max: dict[str, int]
    covered_drugs: np.ndarray
    not_covered_drugs: list[str]
    level3_codes: np.ndarray  # level-3-only services with no sex or age limit
    freq_codes: np.ndarray  # frequency-limited services level 2 may give, no sex or age limit


def pools_for(people: People, window: Window) -> Pools:
    level3 = {
        c
        for c, _, _, mn, sx, lo, hi, _ in catalogue.SERVICES
        if mn == 3 and sx is None and lo is None and hi is None
    }
    freq_codes = sorted(
        s[0]
        for s in catalogue.SERVICES
        if s[0] in catalogue.FREQUENCY_DAYS
        and s[3] <= 2
        and s[4] is None
        and s[5] is None
        and s[6] is None
    )
    return Pools(
        people=people,
        window=window,
        male=people.eligible[people.sex[people.eligible] == "male"],
        tariff=tariff_table(),
        drug_max=drug_max_table(),
        covered_drugs=covered_drug_codes(),
        not_covered_drugs=[d[0] for d in catalogue.DRUGS if not d[4]],
        level3_codes=np.array(sorted(level3), dtype=object),
        freq_codes=np.array(freq_codes, dtype=object),
    )


def inject_violations(
    rng: np.random.Generator, d: Draft, pools: Pools, violation_share: float
) -> None:
    """One violation each on a share of lines, the kinds in turn; the truth records
    the one that took (a kind the line cannot carry falls back to D01, or to none)."""
    n_bad = int(len(d.code) * violation_share)
    # Inject only into odd-numbered lines of a claim: R07 and R08 copy from the line
    # before, which is then never itself injected.
    candidates = np.flatnonzero(d.line_no % 2 == 1)
    chosen = rng.choice(candidates, size=min(n_bad, len(candidates)), replace=False)
    kinds = np.array(INJECTED, dtype=object)[np.arange(len(chosen)) % len(INJECTED)]
    for i, kind in zip(chosen.tolist(), kinds.tolist(), strict=True):
        d.injected[i] = _INJECT[kind](rng, d, pools, i)


def _tariff_at(d: Draft, pools: Pools, code: str, i: int, *, own_day: bool = False) -> int:
    """The tariff of ``code`` at line ``i``'s facility, in the fiscal year its claim began
    (never above the tariff of any day of the claim), or of the line's own day."""
    day = d.service_date[i] if own_day else d.claims.start[d.claim[i]]
    year = int(fiscal_years(np.array([day]))[0])
    return pools.tariff[(code, int(d.level[i]), "owned" if d.owned[i] else "contracted", year)]


def _filed_in_time(pools: Pools, day: int) -> bool:
    """Whether a claim filed on ``day`` (an ordinal) is not after the window's last
    filing day."""
    last = pools.window.submitted_by
    return last is None or day <= last.toordinal()


def _unknown_code(rng: np.random.Generator, d: Draft, pools: Pools, i: int) -> str | None:
    d.is_drug[i], d.code[i], d.quantity[i], d.price[i] = False, UNKNOWN_CODE, 1, 1_000_000
    return "R01"


def _unpriced_code(rng: np.random.Generator, d: Draft, pools: Pools, i: int) -> str | None:
    if d.level[i] < 1:
        return None
    d.is_drug[i], d.code[i], d.quantity[i], d.price[i] = False, UNPRICED_CODE, 1, 1_800_000
    return "R02"


def _bad_national_id(rng: np.random.Generator, d: Draft, pools: Pools, i: int) -> str | None:
    d.nid[i] = _flip_check_digit(d.nid[i])
    d.nid_valid[i] = False
    return "R03"


def _not_covered(rng: np.random.Generator, d: Draft, pools: Pools, i: int) -> str | None:
    """Someone whose only cover ended before this line's date, if anyone's did."""
    ended_before = int(np.searchsorted(pools.people.lapsed_end, d.service_date[i]))
    if ended_before == 0:
        return None
    d.nid[i] = pools.people.nid[pools.people.lapsed[int(rng.integers(0, ended_before))]]
    return "R04"


def _above_level(rng: np.random.Generator, d: Draft, pools: Pools, i: int) -> str | None:
    if d.level[i] == 3:  # nothing is above level 3
        return _overcharge(rng, d, pools, i)
    d.is_drug[i], d.quantity[i] = False, 1
    d.code[i] = pools.level3_codes[int(rng.integers(0, len(pools.level3_codes)))]
    d.price[i] = 5_000_000
    return "R05"


def _wrong_sex(rng: np.random.Generator, d: Draft, pools: Pools, i: int) -> str | None:
    d.is_drug[i], d.quantity[i] = False, 1
    d.code[i] = "200108"  # pregnancy test: women 10-60 only
    d.nid[i] = pools.people.nid[pools.male[int(rng.integers(0, len(pools.male)))]]
    d.price[i] = _tariff_at(d, pools, "200108", i) if d.level[i] >= 1 else 900_000
    return "R06"


def _too_frequent(rng: np.random.Generator, d: Draft, pools: Pools, i: int) -> str | None:
    """The claim's previous line becomes a frequency-limited service; this line
    repeats it for the same person a few days later."""
    prev = i - 1  # the claim's previous line (same claim, same person and facility)
    c = pools.freq_codes[int(rng.integers(0, len(pools.freq_codes)))]
    if d.level[i] < 2:
        return _overcharge(rng, d, pools, i)
    repeat_on = d.service_date[prev] + 1 + int(rng.integers(0, 20))
    if not _filed_in_time(pools, repeat_on):
        return _overcharge(rng, d, pools, i)
    d.is_drug[i] = d.is_drug[prev] = False
    d.code[i] = d.code[prev] = c
    d.quantity[i] = d.quantity[prev] = 1
    d.price[i] = d.price[prev] = _tariff_at(d, pools, c, i)
    d.nid[i] = d.nid[prev]
    d.service_date[i] = repeat_on
    d.submitted[i] = max(d.submitted[i], d.service_date[i])
    if d.admission[i] >= 0:
        d.discharge[i] = max(d.discharge[i], d.service_date[i])
    return "R07"


def _duplicate(rng: np.random.Generator, d: Draft, pools: Pools, i: int) -> str | None:
    """The claim's previous line again (same claim, same person and facility)."""
    prev = i - 1
    d.is_drug[i], d.code[i], d.quantity[i], d.price[i] = (
        d.is_drug[prev],
        d.code[prev],
        d.quantity[prev],
        d.price[prev],
    )
    d.nid[i], d.service_date[i] = d.nid[prev], d.service_date[prev]
    return "R08"


def _late(rng: np.random.Generator, d: Draft, pools: Pools, i: int) -> str | None:
    """Filed 200 days after the service, if that day is not past the window's end."""
    if not _filed_in_time(pools, int(d.service_date[i]) + 200):
        return _overcharge(rng, d, pools, i)
    d.submitted[i] = d.service_date[i] + 200
    return "R09"


def _unreferred(rng: np.random.Generator, d: Draft, pools: Pools, i: int) -> str | None:
    """A specialist visit in a claim that then names no referral."""
    claim = d.claim[i]
    if not (d.claims.referred[claim] and d.level[i] >= 2):
        return _overcharge(rng, d, pools, i)
    d.is_drug[i], d.code[i], d.quantity[i] = False, "100102", 1
    d.price[i] = _tariff_at(d, pools, "100102", i)
    d.claims.referred[claim] = False
    return "R10"


def _undispensed(rng: np.random.Generator, d: Draft, pools: Pools, i: int) -> str | None:
    if not d.is_drug[i]:
        d.is_drug[i], d.quantity[i] = True, 1
        d.code[i] = pools.covered_drugs[int(rng.integers(0, len(pools.covered_drugs)))]
        d.price[i] = catalogue.DRUG_PRICES[d.code[i]]
    d.undispensed[i] = True
    return "R11"


def _uncovered_drug(rng: np.random.Generator, d: Draft, pools: Pools, i: int) -> str | None:
    d.is_drug[i], d.quantity[i] = True, 1
    d.code[i] = pools.not_covered_drugs[int(rng.integers(0, len(pools.not_covered_drugs)))]
    d.price[i] = catalogue.DRUG_PRICES[d.code[i]]
    return "R12"


def _overcharge(rng: np.random.Generator, d: Draft, pools: Pools, i: int) -> str | None:
    """A price above the drug's price or the tariff, by a tenth and at least 10,000."""
    ref_price = (
        catalogue.DRUG_PRICES[d.code[i]]
        if d.is_drug[i]
        else _tariff_at(d, pools, d.code[i], i, own_day=True)
    )
    d.price[i] = ref_price + max(10_000, ref_price // 10)
    return "D01"


def _over_quantity(rng: np.random.Generator, d: Draft, pools: Pools, i: int) -> str | None:
    if d.is_drug[i]:
        d.quantity[i] = pools.drug_max[d.code[i]] + 1 + int(rng.integers(0, 5))
    else:
        c = "700101"
        d.code[i], d.quantity[i] = c, catalogue.MAX_PER_CLAIM[c] + 2
        d.price[i] = _tariff_at(d, pools, c, i)
    return "D02"


# How each code of INJECTED is put into line i; the answer is the code that took.
_INJECT: dict[str, Callable[[np.random.Generator, Draft, Pools, int], str | None]] = {
    "R01": _unknown_code,
    "R02": _unpriced_code,
    "R03": _bad_national_id,
    "R04": _not_covered,
    "R05": _above_level,
    "R06": _wrong_sex,
    "R07": _too_frequent,
    "R08": _duplicate,
    "R09": _late,
    "R10": _unreferred,
    "R11": _undispensed,
    "R12": _uncovered_drug,
    "D01": _overcharge,
    "D02": _over_quantity,
}


def _flip_check_digit(nid: str) -> str:
    return nid[:9] + str((int(nid[9]) + 1) % 10)


# ---------------------------------------------------------------- the truth, settled


def mark_repeats(d: Draft) -> None:
    """A line repeats the first line of its (person, facility, code, date) that the
    insurer pays for, as the kernel sees it: lines of one key share a date, so they are
    taken in line order, and a rejected line repeats nothing and is repeated by nothing.
    Settled last, once every other rejection is known.

    Lines of one outpatient claim share a date, so the random draw can repeat a code: a
    repeat of a paid line is a real duplicate, and the truth says so. An injected copy
    of a rejected line is no duplicate: it is rejected for what rejects the line it
    copies (R07, R10 or R11, the only codes of a line that is never injected, each of
    which sees the same service, person, claim and date in the copy)."""
    key = np.array(
        [
            f"{n}|{f}|{c}|{day}"
            for n, f, c, day in zip(d.nid, d.facility, d.code, d.service_date, strict=True)
        ],
        dtype=object,
    )
    _, which, count = np.unique(key, return_inverse=True, return_counts=True)
    paid: set[int] = set()  # the keys with a line the insurer pays for
    for i in np.flatnonzero(count[which] > 1).tolist():  # in line order
        k, code = int(which[i]), d.injected[i]
        if k in paid:
            # A repeated line is rejected whole, so a deduction injected into it cannot show.
            if _paid(code):
                d.injected[i] = "R08"
        elif code == "R08":
            d.injected[i] = d.injected[i - 1]  # the claim's previous line, which it copies
        elif _paid(code):
            paid.add(k)


def mark_frequency_clashes(d: Draft) -> None:
    """The frequency rule as the kernel sees it: one person's lines of a limited service,
    in date and line order, count when nothing else rejects them and no line that
    counted lies within the limit before. Two injections can land on the same person by
    chance and put a clean line inside another's window (a real R07); an injected repeat
    whose original is rejected for something else is no repeat (a clean line)."""
    limited = np.flatnonzero(
        np.isin(d.code, np.array(list(catalogue.FREQUENCY_DAYS), dtype=object)) & ~d.is_drug
    )
    order = limited[
        np.lexsort(
            (limited, d.service_date[limited], d.code[limited].astype(str),
             d.nid[limited].astype(str))
        )
    ]  # fmt: skip
    last: dict[tuple[str, str], int] = {}  # the day of the last line that counted
    for i in order.tolist():
        key = (str(d.nid[i]), str(d.code[i]))
        day = int(d.service_date[i])
        within = key in last and day - last[key] < catalogue.FREQUENCY_DAYS[key[1]]
        if d.injected[i] == "R07" and not within:
            d.injected[i] = None  # its original did not count: the repeat is paid
        if d.injected[i] is None or d.injected[i] in ("D01", "D02"):
            if within:
                d.injected[i] = "R07"
            else:
                last[key] = day


def mark_dispensing_shortfalls(d: Draft) -> None:
    """Lines of one drug on a prescription use the dispensed quantity up in line order;
    the truth for R11 is whatever that leaves uncovered."""
    dispensed_qty: dict[tuple[int, str, str], int] = {}
    for i in np.flatnonzero(d.is_drug & ~d.undispensed).tolist():
        key = (int(d.claim[i]), str(d.nid[i]), str(d.code[i]))
        dispensed_qty[key] = dispensed_qty.get(key, 0) + int(d.quantity[i])
    used_qty: dict[tuple[int, str, str], int] = {}
    for i in np.flatnonzero(d.is_drug).tolist():
        key = (int(d.claim[i]), str(d.nid[i]), str(d.code[i]))
        used_qty[key] = used_qty.get(key, 0) + int(d.quantity[i])
        short = used_qty[key] > dispensed_qty.get(key, 0)
        if short and (d.injected[i] is None or d.injected[i] in ("D01", "D02", "R11")):
            d.injected[i] = "R11"
        elif not short and d.injected[i] == "R11":
            d.injected[i] = None  # a later line of the same drug carries the shortfall


def mark_missing_referrals(d: Draft) -> None:
    """Every specialist visit of a claim that names no referral is a real R10."""
    needs = (~d.is_drug) & np.isin(d.code, np.array(REFERRAL_CODES, dtype=object))
    needs &= np.isin(d.province, REFERRAL_PROVINCES) & ~d.claims.referred[d.claim]
    d.injected[needs & _clean_or_deducted(d.injected)] = "R10"


def _paid(code: str | None) -> bool:
    """Whether a line of this truth is paid: clean, or only deducted."""
    return code is None or code in ("D01", "D02")


def _clean_or_deducted(injected: np.ndarray) -> np.ndarray:
    """Lines a rejection found by chance takes over: clean, or only deducted."""
    return (injected == None) | (injected == "D01") | (injected == "D02")  # noqa: E711
