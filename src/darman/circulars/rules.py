"""What a circular's effects make of it on a given day, and its history as a timeline:
pure rules over plain records, no I/O.

A circular is in force from its effective day. An effect of another circular on it counts
from the effect's own day: a repeal, replacement or consolidation ends it (status
repealed), an amendment leaves it in force as amended, a clarification changes nothing of
its status."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from darman.circulars.enums import EffectKind, Status

ENDING = frozenset({EffectKind.REPEALS, EffectKind.REPLACES, EffectKind.CONSOLIDATES})


@dataclass(frozen=True)
class Effect:
    """``source`` (a circular's number) does ``kind`` to ``target`` from ``effective_on``."""

    source: str
    target: str
    kind: EffectKind
    effective_on: dt.date
    provisions: str = ""


def status_on(
    day: dt.date, *, effective_from: dt.date, effects_on_it: Iterable[Effect]
) -> Status | None:
    """The circular's status on ``day``, or None when it had not yet taken effect."""
    if day < effective_from:
        return None
    status = Status.IN_FORCE
    for effect in effects_on_it:
        if effect.effective_on > day:
            continue
        if effect.kind in ENDING:
            return Status.REPEALED
        if effect.kind is EffectKind.AMENDS:
            status = Status.AMENDED
    return status


@dataclass(frozen=True)
class Event:
    """One day in a circular's history: what happened and which circular did it."""

    on: dt.date
    kind: str  # issued | effective | an EffectKind done to it ("by") or by it ("on")
    other: str | None
    direction: str  # "self", "by" (another circular did it), "on" (it did it to another)
    provisions: str = ""


def timeline(
    *,
    issued_on: dt.date,
    effective_from: dt.date,
    effects_on_it: Iterable[Effect],
    effects_by_it: Iterable[Effect],
) -> list[Event]:
    """The circular's history in date order: issue, taking effect, then every effect on
    it and by it (on one day: its own events first, then the others by number)."""
    events = [Event(issued_on, "issued", None, "self")]
    if effective_from != issued_on:
        events.append(Event(effective_from, "effective", None, "self"))
    events += [
        Event(e.effective_on, e.kind.value, e.source, "by", e.provisions) for e in effects_on_it
    ]
    events += [
        Event(e.effective_on, e.kind.value, e.target, "on", e.provisions) for e in effects_by_it
    ]
    order = {"self": 0, "by": 1, "on": 2}
    return sorted(events, key=lambda e: (e.on, order[e.direction], e.other or ""))


def refusal_of_effect(source: str, target: str, kind: EffectKind) -> str | None:
    """Why an effect may not be recorded (in Persian), or None when it may."""
    if source == target:
        return f"بخشنامه‌ی {source} نمی‌تواند بر خودش اثر بگذارد ({kind.value})"
    return None
