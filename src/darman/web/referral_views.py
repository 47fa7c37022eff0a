"""Referral pages (placeholder, filled below)."""

from __future__ import annotations

from fastapi import APIRouter

from darman.security.principal import Principal
from darman.web.rendering import PageRoute, templates

router = APIRouter(route_class=PageRoute, include_in_schema=False)


def referral_nav(who: Principal) -> list[dict[str, str]]:
    return []


templates.env.globals["referral_nav"] = referral_nav
