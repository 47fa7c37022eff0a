"""The application factory: one process serving the REST API, the FHIR facade and the web pages."""

from __future__ import annotations

import asyncio
import gc
import threading
from typing import Any

from fastapi import FastAPI
from sqlalchemy import Engine
from starlette.types import Message

from darman import __version__
from darman.audit.api import router as audit_router
from darman.claims.api import router as claims_router
from darman.claims.policy_api import router as claims_policy_router
from darman.common import direct_routes, problems
from darman.db import migrate
from darman.db.engine import make_engine, make_session_factory, read_only
from darman.planning.api import router as planning_router
from darman.prescriptions import api as prescriptions_api
from darman.prescriptions import tables as prescription_tables
from darman.procurement.api import router as procurement_router
from darman.referrals.api import router as referrals_router
from darman.registry.api import router as registry_router
from darman.security.api import router as security_router
from darman.settings import Settings, get_settings


def create_app(
    settings: Settings | None = None,
    *,
    engine: Engine | None = None,
    run_migrations: bool = True,
) -> FastAPI:
    """Build the app; refuses the public demo secret outside demo mode."""
    settings = settings or get_settings()
    settings.check_secret()
    # before the database is touched: a bad table stops the app naming its file and line
    prescription_tables.use(settings.prescription_tables)
    engine = engine or make_engine(settings.database_url, echo=settings.sql_echo)
    if run_migrations:
        migrate.upgrade(engine)
    app = FastAPI(
        title="Darman",
        version=__version__,
        description="Health deputy platform of a national social health insurer",
        openapi_url="/openapi.json",
        # FastAPI's own docs pages load their scripts from a CDN; darman.web.docs
        # serves /docs from the vendored Swagger UI instead.
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.session_factory = make_session_factory(engine)
    app.state.read_session_factory = make_session_factory(engine, reads_only=True)
    # The event loop's reads (security/deps.py) have a pool of their own, so they never
    # wait for a connection held by a request on a worker thread.
    app.state.loop_read_engine = probe = read_only(_loop_engine(engine))
    problems.install(app)

    # First of the routes (each request is matched against the routes in order) and a
    # single read: load balancers and monitors call it all the time.
    @app.get("/health", tags=["ops"])
    async def health() -> dict[str, Any]:
        with probe.connect() as conn:
            current = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
        return {
            "status": "ok",
            "version": __version__,
            "database": engine.dialect.name,
            "schema": current,
        }

    # the e-prescription routes are matched first: every prescription written calls them
    app.include_router(prescriptions_api.router)
    app.include_router(security_router)
    app.include_router(registry_router)
    app.include_router(audit_router)
    app.include_router(referrals_router)
    app.include_router(planning_router)
    app.include_router(procurement_router)
    # before the claims router, whose /{claim_id} would otherwise take /policy
    app.include_router(claims_policy_router)
    app.include_router(claims_router)
    _mount_optional(app)
    # the dry-run check is called as the physician types: past FastAPI's routing
    direct_routes.install(app, prescriptions_api.router, prescriptions_api.check)

    return app


_LOOP_ENGINES: dict[str, Engine] = {}
_LOOP_ENGINES_LOCK = threading.Lock()


def _loop_engine(engine: Engine) -> Engine:
    """A second engine on the same database, with a small pool (the loop uses one
    connection at a time), one per database in the process however many apps are
    built; an in-memory SQLite database has no second connection to it, so there the
    engine is shared."""
    url = engine.url
    if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
        return engine
    key = url.render_as_string(hide_password=False)
    with _LOOP_ENGINES_LOCK:
        if key not in _LOOP_ENGINES:
            _LOOP_ENGINES[key] = make_engine(key, pool_size=2)
        return _LOOP_ENGINES[key]


def create_served_app() -> FastAPI:
    """The app of ``darman serve`` (each worker process builds its own): ``create_app``
    from the DARMAN_* settings, then what was built so far is set aside from the cyclic
    garbage collector. The app, its routes, models and schemas are a quarter of a
    million long-lived objects; a full collection walked them all (about 150 ms here,
    with every request waiting) and found nothing to free."""
    app = create_app()
    _warm_up(app)
    gc.collect()
    gc.freeze()
    return app


def _warm_up(app: FastAPI) -> None:
    """Send one request that matches no route through the app before it takes traffic.

    FastAPI builds each route's matching and validation state on the first request
    that passes it; for all the routes here that took about half a second, which the
    first callers of every new worker process waited for. Run on a thread of its own:
    uvicorn may build the app inside its running event loop."""

    async def unmatched() -> None:
        scope = {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
            "method": "GET", "scheme": "http", "path": "/-warm-up-", "raw_path": b"/-warm-up-",
            "query_string": b"", "root_path": "", "headers": [(b"host", b"localhost")],
            "client": ("127.0.0.1", 0), "server": ("127.0.0.1", 0), "state": {},
        }  # fmt: skip

        async def receive() -> Message:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(_message: Message) -> None:
            return None

        await app(scope, receive, send)

    worker = threading.Thread(target=asyncio.run, args=(unmatched(),), name="warm-up")
    worker.start()
    worker.join()


def _mount_optional(app: FastAPI) -> None:
    """FHIR facade and web pages live in their own packages and register themselves here."""
    from darman.fhir.api import router as fhir_router
    from darman.web import docs, views

    app.include_router(fhir_router)
    views.mount(app)
    docs.mount(app)
