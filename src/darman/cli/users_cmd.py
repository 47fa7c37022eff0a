from __future__ import annotations

import typer

from darman.cli.cells import table, verbatim
from darman.cli.context import console, unit_of_work
from darman.common.persian import format_number
from darman.security.enums import ROLE_LABELS_FA, Role, ScopeLevel
from darman.security.principal import Principal

app = typer.Typer(help="Users and API keys", no_args_is_help=True)
SCOPE_FA = {"national": "کشوری", "province": "استانی", "facility": "مرکز", "own": "کار خود"}
# the command line acts as a national administrator, named "cli" in the audit log
CLI = Principal(user_id=0, username="cli", role=Role.ADMIN, scope_level=ScopeLevel.NATIONAL)


@app.command("create")
def create(
    username: str,
    role: Role = typer.Option(..., help="one of: " + ", ".join(r.value for r in Role)),
    scope: ScopeLevel | None = typer.Option(
        None, help="national, province, facility or own (a rater's); national unless a rater"
    ),
    province_id: int | None = typer.Option(None, help="for a province scope"),
    facility_id: int | None = typer.Option(None, help="for a facility scope"),
    full_name: str = "",
    practitioner: str | None = typer.Option(
        None, help="a physician's council number: links the user to that practitioner"
    ),
    rater: str | None = typer.Option(
        None, help="a rater's code (role rater): the user then scores as that rater"
    ),
    password: str = typer.Option(..., prompt=True, hide_input=True, confirmation_prompt=True),
) -> None:
    """Create a user with a role and a scope."""
    from darman.appointments import service as appointments
    from darman.common.errors import InvalidInput
    from darman.registry import service as registry_service
    from darman.security import service

    if scope is None:
        scope = ScopeLevel.OWN if role is Role.RATER else ScopeLevel.NATIONAL
    problem = appointments.link_problem(role, rater)
    if problem is not None:
        raise InvalidInput("کاربر ساخته نشد", [problem])
    with unit_of_work() as uow:
        user = service.create_user(
            uow.session,
            places=registry_service.UserPlaces(uow.session),
            actor="cli",
            username=username,
            password=password,
            role=role,
            scope_level=scope,
            province_id=province_id,
            facility_id=facility_id,
            full_name=full_name,
            practitioner_council_number=practitioner,
        )
        if rater:
            # in the same unit: a refused link leaves no account behind
            appointments.link_user(uow.session, CLI, rater_code=rater, username=user.username)
        uow.commit()
        console.print(
            f"کاربر [bold]{user.username}[/] ساخته شد "
            f"({ROLE_LABELS_FA[role]}، {SCOPE_FA.get(scope.value, scope.value)}"
            + (f"، ارزیاب {rater}" if rater else "")
            + ")"
        )


@app.command("list")
def list_() -> None:
    """Every user with role, scope and state."""
    from darman.common.jalali import format_jalali
    from darman.security import service

    with unit_of_work() as uow:
        users, total = service.list_users(uow.session, limit=10_000)
        header = (
            "نام کاربری",
            "نقش",
            "گستره",
            "استان",
            "مرکز",
            "فعال",
            "قفل تا",
            "ساخته‌شده",
        )
        rows = [
            (
                verbatim(u.username),
                ROLE_LABELS_FA[Role(u.role)],
                SCOPE_FA.get(u.scope_level, u.scope_level),
                u.province_id,
                u.facility_id,
                u.is_active,
                format_jalali(u.locked_until) or None,
                format_jalali(u.created_at),
            )
            for u in users
        ]
    console.print(table(f"کاربران ({format_number(total)})", header, rows))


@app.command("disable")
def disable(username: str) -> None:
    """Disable a user: their tokens and API keys stop working at once. The last active
    administrator is never disabled."""
    from darman.security import service

    with unit_of_work() as uow:
        service.disable_user(uow.session, actor="cli", username=username, acting_user_id=None)
        uow.commit()
    console.print(f"کاربر [bold]{username}[/] غیرفعال شد")


@app.command("enable")
def enable(username: str) -> None:
    """Enable a disabled user again."""
    from darman.security import service

    with unit_of_work() as uow:
        service.enable_user(uow.session, actor="cli", username=username)
        uow.commit()
    console.print(f"کاربر [bold]{username}[/] دوباره فعال شد")


@app.command("api-key")
def api_key(username: str, name: str = typer.Option(..., help="what the key is for")) -> None:
    """Issue an API key for a machine client acting as USERNAME (shown once)."""
    from darman.security import api_keys

    with unit_of_work() as uow:
        new = api_keys.create_api_key(uow.session, actor="cli", username=username, name=name)
        uow.commit()
    console.print(f"کلید API برای {username} ({name}):")
    console.print(verbatim(new.key), style="bold")
    console.print("همین حالا آن را نگه دارید؛ دوباره نشان داده نمی‌شود")
