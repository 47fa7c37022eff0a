"""`make demo PORT=8080` reaches `darman demo --port`, and a port another program holds is
said in one Persian line, before anything is seeded."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_demo_passes_its_port_to_the_demo() -> None:
    def planned(*args: str) -> str:
        done = subprocess.run(
            ["make", "-n", "demo", *args], cwd=ROOT, capture_output=True, text=True, check=True
        )
        return done.stdout

    assert "darman demo --port 8080" in planned("PORT=8080")
    assert "darman demo --port 8000" in planned()


def test_a_busy_port_is_one_persian_line_and_nothing_is_seeded(tmp_path: Path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT / "src"),
            "DARMAN_DATABASE_URL": f"sqlite:///{tmp_path}/demo.db",
            "DARMAN_DEMO_MODE": "1",
        }
        for command in (["demo", "--port", str(port)], ["serve", "--port", str(port)]):
            done = subprocess.run(
                [sys.executable, "-m", "darman.cli.main", *command],
                env=env, capture_output=True, text=True, timeout=120, check=False,
            )  # fmt: skip
            assert done.returncode == 1, done.stderr
            assert done.stderr.splitlines() == [
                f"خطا: درگاه {port} روی 127.0.0.1 در دست برنامه‌ی دیگری است؛ درگاه دیگری "
                "بدهید، مثلاً make demo PORT=8080 یا darman demo --port 8080"
            ]
            assert "Traceback" not in done.stdout + done.stderr
    assert not (tmp_path / "demo.db").exists()  # refused before the database was touched
