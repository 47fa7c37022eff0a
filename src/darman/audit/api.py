"""The audit log's HTTP routes are served by ``darman.security.audit_api``, within
security's router: reading the log needs the caller's identity, and security sits above
the log. The application still includes this router, which has no routes of its own."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
