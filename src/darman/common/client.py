"""Where a request came from, for limits kept per network address."""

from __future__ import annotations

from starlette.requests import Request


def client_address(request: Request) -> str:
    """The caller's address as the server saw it. Behind a reverse proxy that is the
    proxy's, unless the server trusts its forwarding headers (uvicorn's
    ``--proxy-headers`` with ``--forwarded-allow-ips``), which put the client's here."""
    return request.client.host if request.client is not None else "unknown"
