"""An insurer's own interaction and specialist-drug tables: used in place of the shipped
ones, and a bad one stops the app as it starts, naming the file and line."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from darman.app import create_app
from darman.common.errors import ConfigurationError
from darman.prescriptions import tables
from darman.prescriptions.enums import Severity
from darman.settings import Settings

INTERACTIONS = "code_a,code_b,severity,effect_fa,effect_en\n"
SPECIALISTS = "generic_code,specialty\n"


@pytest.fixture(autouse=True)
def shipped_again() -> Iterator[None]:
    yield
    tables.use(None)


def _write(directory: Path, interactions: str, specialists: str = SPECIALISTS) -> Path:
    (directory / "interactions.csv").write_text(interactions, encoding="utf-8")
    (directory / "specialist_drugs.csv").write_text(specialists, encoding="utf-8")
    return directory


def test_an_own_directory_replaces_the_shipped_tables(tmp_path: Path) -> None:
    shipped = len(tables.interactions())
    own = _write(
        tmp_path,
        INTERACTIONS + "A1,B2,moderate,افزایش اثر,raised effect\n",
        SPECIALISTS + "A1,قلب و عروق\n",
    )
    tables.use(own)
    assert list(tables.interactions()) == [frozenset({"A1", "B2"})]
    assert tables.interactions()[frozenset({"A1", "B2"})].severity is Severity.MODERATE
    assert tables.permitted_specialties() == {"A1": frozenset({"قلب و عروق"})}
    tables.use(None)
    assert len(tables.interactions()) == shipped > 1


@pytest.mark.parametrize(
    ("interactions", "message"),
    [
        (INTERACTIONS + "A1,B2,minor,x,y\nA3,B4,fatal,x,y\n", "line 3: severity 'fatal'"),
        (INTERACTIONS + "A1,B2,minor,x,y\nB2,A1,severe,x,y\n", "line 3: bad or repeated pair"),
        (INTERACTIONS + "A1,A1,minor,x,y\n", "line 2: bad or repeated pair"),
        (INTERACTIONS + "A1,,minor,x,y\n", "line 2: empty code_b"),
        ("code_a,code_b,effect_fa\nA1,B2,x\n", "line 1: missing column(s) severity, effect_en"),
    ],
)
def test_a_bad_row_names_the_file_and_line(tmp_path: Path, interactions: str, message: str) -> None:
    own = _write(tmp_path, interactions)
    with pytest.raises(ConfigurationError, match=r"interactions\.csv, line") as caught:
        tables.use(own)
    assert message in str(caught.value)
    assert str(own / "interactions.csv") in str(caught.value)


def test_the_app_does_not_start_on_a_directory_without_the_tables(tmp_path: Path) -> None:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'd.db'}",
        demo_mode=True,
        prescription_tables=tmp_path / "nowhere",
    )
    with pytest.raises(ConfigurationError, match=r"cannot read .*nowhere/interactions\.csv"):
        create_app(settings, run_migrations=False)


def test_an_empty_setting_means_the_shipped_tables_and_a_path_may_be_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DARMAN_PRESCRIPTION_TABLES", "")
    assert Settings().prescription_tables is None
    monkeypatch.setenv("DARMAN_PRESCRIPTION_TABLES", str(tmp_path))
    assert Settings().prescription_tables == tmp_path
    tables.use(str(_write(tmp_path, INTERACTIONS + "A1,B2,minor,x,y\n")))
    assert list(tables.interactions()) == [frozenset({"A1", "B2"})]
