"""The top bar's menus: every domain's screens, grouped under a few Persian menus.

Each domain's views module says which of its screens a role may open (``*_nav(who)``);
this module only says under which menu they go. Adding a domain is one more function in
one group's tuple of ``NAV_GROUPS``. A menu with nothing the role may open is not shown.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from darman.registry import scope
from darman.security.principal import Principal
from darman.web.admin_views import admin_nav
from darman.web.appointments_views import appointments_nav
from darman.web.circulars_views import circulars_nav
from darman.web.claims_views import claims_nav
from darman.web.epidemic_views import epidemic_nav
from darman.web.performance_targets_views import targets_nav
from darman.web.performance_views import performance_nav
from darman.web.planning_views import planning_nav
from darman.web.population_views import population_nav
from darman.web.prescription_views import prescription_nav
from darman.web.procurement_views import procurement_nav
from darman.web.referral_views import referral_nav
from darman.web.registry_catalogue_views import registry_catalogue_nav
from darman.web.registry_records_views import registry_records_nav
from darman.web.rendering import templates

NavLinks = Callable[[Principal], list[dict[str, str]]]


def registry_nav(who: Principal) -> list[dict[str, str]]:
    """The provinces and facilities page: every signed-in role with a place reads it in its
    own scope (a rater has none)."""
    if scope.own_records_only(who):
        return []
    return [
        {
            "key": "registry",
            "href": "/registry",
            "label": "استان‌ها و امکانات",
            "hint": "بیمه‌شدگان، مراکز و تخت‌ها",
        }
    ]


@dataclass(frozen=True)
class NavGroup:
    key: str
    label: str
    sources: tuple[NavLinks, ...]


# The menus of the top bar, right to left; a domain's screens go under exactly one.
NAV_GROUPS: tuple[NavGroup, ...] = (
    NavGroup(
        "records",
        "ثبت و پرونده‌ها",
        (registry_nav, registry_records_nav, registry_catalogue_nav, claims_nav),
    ),
    NavGroup(
        "clinical",
        "نسخه، ارجاع و سلامت",
        (prescription_nav, referral_nav, population_nav, epidemic_nav),
    ),
    NavGroup(
        "planning",
        "برنامه‌ریزی و خرید",
        (planning_nav, procurement_nav, performance_nav, targets_nav),
    ),
    NavGroup("people", "منابع انسانی و بخشنامه‌ها", (appointments_nav, circulars_nav)),
    NavGroup("admin", "مدیریت سامانه", (admin_nav,)),
)


def nav_groups(
    who: Principal, active: str = "", groups: Sequence[NavGroup] = NAV_GROUPS
) -> list[dict[str, Any]]:
    """The menus this role sees, each with its links (a link listed by two domains is kept
    once, where it first appears) and whether it holds the page being shown."""
    seen: set[str] = set()
    out: list[dict[str, Any]] = []
    for group in groups:
        links = []
        for source in group.sources:
            for link in source(who):
                if link["href"] in seen:
                    continue
                seen.add(link["href"])
                links.append(link)
        if links:
            current = any(link["key"] == active for link in links)
            out.append({"key": group.key, "label": group.label, "links": links, "current": current})
    return out


templates.env.globals["nav_groups"] = nav_groups
