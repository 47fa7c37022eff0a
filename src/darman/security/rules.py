"""Which scopes each role may hold, what each may do, and who manages users: pure rules,
no I/O."""

from __future__ import annotations

from enum import StrEnum

from darman.common.errors import Conflict, FieldProblem, PermissionDenied
from darman.security.enums import ROLE_LABELS_FA, SCOPE_LABELS_FA, Role, ScopeLevel
from darman.security.exceptions import CannotDisableYourself, LastActiveAdmin
from darman.security.principal import Principal

# Headquarters roles act for the whole country; desk roles act for one
# facility; provincial staff for one province. Finance, review and audit
# exist at both headquarters and provincial directorates.
ALLOWED_SCOPES: dict[Role, frozenset[ScopeLevel]] = {
    Role.ADMIN: frozenset({ScopeLevel.NATIONAL}),
    Role.HQ_ANALYST: frozenset({ScopeLevel.NATIONAL}),
    Role.PROVINCE_MANAGER: frozenset({ScopeLevel.PROVINCE}),
    Role.CLAIMS_REVIEWER: frozenset({ScopeLevel.NATIONAL, ScopeLevel.PROVINCE}),
    Role.FINANCE_OFFICER: frozenset({ScopeLevel.NATIONAL, ScopeLevel.PROVINCE}),
    Role.AUDITOR: frozenset({ScopeLevel.NATIONAL, ScopeLevel.PROVINCE}),
    Role.PROVIDER_USER: frozenset({ScopeLevel.FACILITY}),
    Role.PHYSICIAN: frozenset({ScopeLevel.FACILITY}),
    Role.PHARMACIST: frozenset({ScopeLevel.FACILITY}),
    # a rater belongs to no province or facility: they see their own scorecards only
    Role.RATER: frozenset({ScopeLevel.OWN}),
}


def scope_problem(role: Role, scope: ScopeLevel) -> str | None:
    """Why ``role`` may not hold ``scope``, or None when it may."""
    allowed = ALLOWED_SCOPES[role]
    if scope in allowed:
        return None
    names = " یا ".join(SCOPE_LABELS_FA[s] for s in ScopeLevel if s in allowed)
    return (
        f"نقش «{ROLE_LABELS_FA[role]}» در گستره‌ی {names} کار می‌کند، "
        f"نه در گستره‌ی {SCOPE_LABELS_FA[scope]}"
    )


def require_user_admin(who: Principal) -> None:
    """Users and keys grant access anywhere, so only a national admin may manage them.
    Raises PermissionDenied for anyone else."""
    who.require_role(Role.ADMIN)
    if not who.is_national:
        raise PermissionDenied("only a national administrator manages users and API keys")


def require_audit_reader(who: Principal) -> None:
    """The audit log's entries hold before/after snapshots of people from every province:
    national administrators and national auditors read it, nobody else.
    Raises PermissionDenied for anyone else."""
    who.require_role(*roles_that(Act.READ_AUDIT))
    if not who.is_national:
        raise PermissionDenied("the audit log is open to national administrators and auditors only")


def disabling_refusal(
    *, username: str, is_self: bool, is_active_admin: bool, other_active_admins: int
) -> Conflict | None:
    """Why the account ``username`` may not be disabled, or None when it may.

    Nobody disables their own account (they would lock themselves out mid-task), and the
    last active administrator stays: without one, nobody could manage users or enable
    anyone again from the API.
    """
    if is_self:
        return CannotDisableYourself(
            "نمی‌توانید حساب کاربری خودتان را غیرفعال کنید؛ مدیر دیگری باید این کار را بکند.",
            [FieldProblem("username", f"«{username}» حساب خود شماست")],
        )
    if is_active_admin and other_active_admins == 0:
        return LastActiveAdmin(
            f"«{username}» تنها مدیر فعال سامانه است و بی او کسی کاربران را مدیریت نمی‌کند؛ "
            "نخست مدیر دیگری بسازید یا فعال کنید.",
            [FieldProblem("username", f"«{username}» آخرین مدیر فعال است")],
        )
    return None


class Act(StrEnum):
    """What a role may be allowed to do; each domain's role groups are derived from
    ``MAY`` so a role's rights are read, and changed, in one table."""

    SUBMIT_CLAIMS = "submit_claims"
    REVIEW_CLAIMS = "review_claims"
    PAY_CLAIMS = "pay_claims"
    READ_REMITTANCE = "read_remittance"
    RUN_CLAIMS_BATCHES = "run_claims_batches"
    READ_CLAIMS_POLICY = "read_claims_policy"
    ANALYSE_CLAIMS = "analyse_claims"
    DISPENSE = "dispense"
    READ_PRESCRIPTION_REPORTS = "read_prescription_reports"
    RECEIVE_REFERRALS = "receive_referrals"
    READ_REFERRAL_REPORTS = "read_referral_reports"
    MANAGE_PANELS = "manage_panels"
    READ_PLANNING = "read_planning"
    READ_PERFORMANCE = "read_performance"
    SET_PERFORMANCE = "set_performance"  # compute indicators, set targets and ranking weights
    RUN_TENDERS = "run_tenders"
    READ_PROCUREMENT = "read_procurement"
    READ_STOCK = "read_stock"
    WRITE_PEOPLE = "write_people"
    WRITE_CATALOGUES = "write_catalogues"
    IMPORT_REGISTRY = "import_registry"
    READ_AUDIT = "read_audit"
    CHECK_ELIGIBILITY = "check_eligibility"
    RUN_APPOINTMENTS = "run_appointments"
    READ_APPOINTMENTS = "read_appointments"
    READ_CIRCULARS = "read_circulars"
    WRITE_CIRCULARS = "write_circulars"
    SCORE_OWN_INTERVIEWS = "score_own_interviews"  # a rater's own scorecards


A = Act
MAY: dict[Role, frozenset[Act]] = {
    Role.ADMIN: frozenset(
        {
            A.SUBMIT_CLAIMS, A.REVIEW_CLAIMS, A.PAY_CLAIMS, A.READ_REMITTANCE,
            A.RUN_CLAIMS_BATCHES, A.READ_CLAIMS_POLICY, A.ANALYSE_CLAIMS,
            A.READ_PRESCRIPTION_REPORTS, A.READ_REFERRAL_REPORTS,
            A.MANAGE_PANELS, A.READ_PLANNING, A.RUN_TENDERS, A.READ_PROCUREMENT, A.READ_STOCK,
            A.WRITE_PEOPLE, A.WRITE_CATALOGUES, A.IMPORT_REGISTRY, A.READ_AUDIT,
            A.RUN_APPOINTMENTS, A.READ_APPOINTMENTS, A.READ_PERFORMANCE, A.SET_PERFORMANCE,
            A.READ_CIRCULARS, A.WRITE_CIRCULARS,
        }
    ),
    Role.HQ_ANALYST: frozenset(
        {
            A.RUN_CLAIMS_BATCHES, A.READ_CLAIMS_POLICY, A.ANALYSE_CLAIMS,
            A.READ_PRESCRIPTION_REPORTS, A.READ_REFERRAL_REPORTS, A.READ_PLANNING,
            A.RUN_TENDERS, A.READ_PROCUREMENT, A.READ_STOCK, A.WRITE_CATALOGUES,
            A.IMPORT_REGISTRY, A.RUN_APPOINTMENTS, A.READ_APPOINTMENTS,
            A.READ_PERFORMANCE, A.SET_PERFORMANCE, A.READ_CIRCULARS, A.WRITE_CIRCULARS,
        }
    ),
    Role.PROVINCE_MANAGER: frozenset(
        {
            A.READ_CLAIMS_POLICY, A.ANALYSE_CLAIMS, A.READ_PRESCRIPTION_REPORTS,
            A.READ_REFERRAL_REPORTS, A.MANAGE_PANELS, A.READ_PLANNING, A.READ_PROCUREMENT,
            A.READ_STOCK, A.WRITE_PEOPLE, A.IMPORT_REGISTRY, A.READ_APPOINTMENTS,
            A.READ_PERFORMANCE, A.READ_CIRCULARS,
        }
    ),
    Role.CLAIMS_REVIEWER: frozenset(
        {A.REVIEW_CLAIMS, A.READ_CLAIMS_POLICY, A.CHECK_ELIGIBILITY, A.READ_CIRCULARS}
    ),
    Role.FINANCE_OFFICER: frozenset(
        {
            A.PAY_CLAIMS, A.READ_REMITTANCE, A.READ_CLAIMS_POLICY, A.READ_PROCUREMENT,
            A.READ_STOCK, A.READ_CIRCULARS,
        }
    ),
    Role.AUDITOR: frozenset(
        {
            A.READ_REMITTANCE, A.READ_CLAIMS_POLICY, A.READ_PRESCRIPTION_REPORTS,
            A.READ_REFERRAL_REPORTS, A.READ_PLANNING, A.READ_PROCUREMENT, A.READ_STOCK,
            A.READ_AUDIT, A.READ_APPOINTMENTS, A.READ_PERFORMANCE, A.READ_CIRCULARS,
        }
    ),
    Role.PROVIDER_USER: frozenset(
        {
            A.SUBMIT_CLAIMS, A.READ_REMITTANCE, A.DISPENSE, A.RECEIVE_REFERRALS, A.READ_STOCK,
            A.CHECK_ELIGIBILITY, A.READ_CIRCULARS,
        }
    ),
    Role.PHYSICIAN: frozenset({A.RECEIVE_REFERRALS, A.CHECK_ELIGIBILITY, A.READ_CIRCULARS}),
    Role.PHARMACIST: frozenset({A.DISPENSE, A.CHECK_ELIGIBILITY, A.READ_CIRCULARS}),
    Role.RATER: frozenset({A.SCORE_OWN_INTERVIEWS}),
}  # fmt: skip


def roles_that(act: Act) -> tuple[Role, ...]:
    """The roles ``MAY`` lets do ``act``, in the order roles are declared."""
    return tuple(role for role in Role if act in MAY[role])
