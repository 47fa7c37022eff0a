from __future__ import annotations

import typer
from rich.table import Table

from darman.cli.context import console, unit_of_work
from darman.security.enums import ROLE_LABELS_FA, Role, ScopeLevel

app = typer.Typer(help="Users and API keys", no_args_is_help=True)


@app.command("create")
def create(
    username: str,
    role: Role = typer.Option(..., help="one of: " + ", ".join(r.value for r in Role)),
    scope: ScopeLevel = typer.Option(ScopeLevel.NATIONAL, help="national, province or facility"),
    province_id: int | None = typer.Option(None, help="for a province scope"),
    facility_id: int | None = typer.Option(None, help="for a facility scope"),
    full_name: str = "",
    practitioner: str | None = typer.Option(
        None, help="a physician's council number: links the user to that practitioner"
    ),
    password: str = typer.Option(..., prompt=True, hide_input=True, confirmation_prompt=True),
) -> None:
    """Create a user with a role and a scope."""
    from darman.registry import service as registry_service
    from darman.security import service

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
        uow.commit()
        console.print(f"created [bold]{user.username}[/] ({ROLE_LABELS_FA[role]}, {scope.value})")


@app.command("list")
def list_() -> None:
    """Every user with role, scope and state."""
    from darman.common.jalali import format_jalali
    from darman.security import service

    with unit_of_work() as uow:
        users, total = service.list_users(uow.session, limit=10_000)
        table = Table(title=f"users ({total})")
        for col in (
            "username",
            "role",
            "scope",
            "province",
            "facility",
            "active",
            "locked until",
            "created",
        ):
            table.add_column(col)
        for u in users:
            table.add_row(
                u.username,
                f"{u.role} ({ROLE_LABELS_FA[Role(u.role)]})",
                u.scope_level,
                str(u.province_id or ""),
                str(u.facility_id or ""),
                "yes" if u.is_active else "no",
                format_jalali(u.locked_until),
                format_jalali(u.created_at),
            )
        console.print(table)


@app.command("disable")
def disable(username: str) -> None:
    """Disable a user: their tokens and API keys stop working at once. The last active
    administrator is never disabled."""
    from darman.security import service

    with unit_of_work() as uow:
        service.disable_user(uow.session, actor="cli", username=username, acting_user_id=None)
        uow.commit()
    console.print(f"[bold]{username}[/] is disabled")


@app.command("enable")
def enable(username: str) -> None:
    """Enable a disabled user again."""
    from darman.security import service

    with unit_of_work() as uow:
        service.enable_user(uow.session, actor="cli", username=username)
        uow.commit()
    console.print(f"[bold]{username}[/] is enabled")


@app.command("api-key")
def api_key(username: str, name: str = typer.Option(..., help="what the key is for")) -> None:
    """Issue an API key for a machine client acting as USERNAME (shown once)."""
    from darman.security import service

    with unit_of_work() as uow:
        new = service.create_api_key(uow.session, actor="cli", username=username, name=name)
        uow.commit()
    console.print(
        f"API key for {username} ({name}): [bold]{new.key}[/]\nkeep it now; it is not shown again"
    )
