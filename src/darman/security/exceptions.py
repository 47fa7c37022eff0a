"""Errors of user administration; the one HTTP handler answers them as problem+json."""

from __future__ import annotations

from darman.common.errors import Conflict


class CannotDisableYourself(Conflict):
    title = "Cannot disable your own account"
    slug = "cannot-disable-yourself"


class LastActiveAdmin(Conflict):
    title = "Last active administrator"
    slug = "last-active-admin"
