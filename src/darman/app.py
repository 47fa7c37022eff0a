"""The application factory: one process serving the REST API, the FHIR facade and the web pages."""

from __future__ import annotations

import gc
from typing import Any

from fastapi import FastAPI
from sqlalchemy import Engine

from darman import __version__
from darman.appointments.api import router as appointments_router
from darman.appointments.attempts import ResultGuard
from darman.circulars.api import router as circulars_router
from darman.claims.api import router as claims_router
from darman.claims.policy_api import router as claims_policy_router
from darman.common import problems
from darman.common.body_limit import BodyLimit
from darman.db import migrate
from darman.db.engine import make_engine, make_session_factory, read_only
from darman.performance.api import router as performance_router
from darman.planning.api import router as planning_router
from darman.population.api import router as population_router
from darman.population.epidemic_api import router as epidemic_router
from darman.prescriptions import api as prescriptions_api
from darman.prescriptions import tables as prescription_tables
from darman.procurement.api import router as procurement_router
from darman.referrals import reading as referral_reading
from darman.referrals.api import router as referrals_router
from darman.registry.api import router as registry_router
from darman.security.api import router as security_router
from darman.settings import Settings, get_settings

# Routes that take a whole file, under the upload limit rather than the body limit.
UPLOAD_PATHS = (
    r"/api/v1/claims/bulk$",
    r"/api/v1/registry/[^/]+/import$",
    r"/api/v1/appointments/(candidates|exam)/import$",
)


def create_app(
    settings: Settings | None = None,
    *,
    engine: Engine | None = None,
    run_migrations: bool = True,
) -> FastAPI:
    """Build the app; refuses the public demo secret outside demo mode, and a missing or
    unfit audit key."""
    settings = settings or get_settings()
    settings.check_secret()
    audit_key = settings.audit_secret()
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
    app.state.session_factory = make_session_factory(engine, audit_key=audit_key)
    app.state.read_session_factory = make_session_factory(
        engine, audit_key=audit_key, reads_only=True
    )
    app.state.read_engine = reads = read_only(engine)
    # counts of attempts at a candidate's access code, shared by the API and the page
    app.state.result_guard = ResultGuard()
    # what adjudication reads of the referral domain, which sits above claims
    app.state.referral_register = referral_reading.claims_register
    problems.install(app)
    app.add_middleware(
        BodyLimit,
        max_bytes=settings.max_body_bytes,
        max_upload_bytes=settings.max_upload_bytes,
        upload_paths=UPLOAD_PATHS,
    )

    # First of the routes (each request is matched against the routes in order) and a
    # single read: load balancers and monitors call it all the time.
    @app.get("/health", tags=["ops"])
    def health() -> dict[str, Any]:
        with reads.connect() as conn:
            current = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
        return {
            "status": "ok",
            "version": __version__,
            "database": engine.dialect.name,
            "schema": current,
        }

    # the e-prescription routes are matched first: every prescription written calls them
    # Every REST router answers its errors as problem+json; the document says so once here.
    for router in (
        prescriptions_api.router,
        security_router,
        registry_router,
        referrals_router,
        planning_router,
        performance_router,
        population_router,
        epidemic_router,
        procurement_router,
        appointments_router,
        circulars_router,
        # before the claims router, whose /{claim_id} would otherwise take /policy
        claims_policy_router,
        claims_router,
    ):
        app.include_router(router, responses=problems.PROBLEM_RESPONSES)
    _mount_optional(app)
    return app


def create_served_app() -> FastAPI:
    """The app of ``darman serve``, which each server process builds for itself from the
    DARMAN_* settings; the command has brought the schema up to date before any starts.

    What was built is then set aside from the cyclic garbage collector (``gc.freeze``):
    the app, its routes, models and schemas are a quarter of a million long-lived
    objects, which every full collection walked (about 150 ms, with every request
    waiting) and found nothing to free."""
    app = create_app(run_migrations=False)
    gc.collect()
    gc.freeze()
    return app


def _mount_optional(app: FastAPI) -> None:
    """FHIR facade and web pages live in their own packages and register themselves here."""
    from darman.fhir import outcome
    from darman.fhir.api import router as fhir_router
    from darman.web import docs, views

    app.include_router(fhir_router)
    problems.answer_errors_under(app, outcome.is_fhir, outcome.answer_error)
    views.mount(app)
    docs.mount(app)
