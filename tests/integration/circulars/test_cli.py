"""`darman circulars ...` end to end on the test database."""

from __future__ import annotations

from darman.cli.main import app
from darman.common.errors import InvalidInput

WIDE = {"COLUMNS": "240"}
SHEET = """file,number,date,issuer,subject,effects
a.txt,50/1,1402/01/10,دفتر تعرفه,تعرفه ویزیت,
b.md,50/2,1403/02/01,دفتر تعرفه,نسخ تعرفه,repeals:50/1
"""


def _folder(tmp_path):
    (tmp_path / "a.txt").write_text("تعرفه ویزیت پزشکان عمومی تعیین می‌شود.", encoding="utf-8")
    (tmp_path / "b.md").write_text("بخشنامه ۵۰/۱ درباره تعرفه ویزیت نسخ می شود.", encoding="utf-8")
    (tmp_path / "metadata.csv").write_text(SHEET, encoding="utf-8")
    return tmp_path


def test_import_then_search_in_force_and_show(cli, tmp_path):
    done = cli.invoke(app, ["circulars", "import", str(_folder(tmp_path))], env=WIDE)
    assert done.exit_code == 0, done.output
    assert "۲ بخشنامه ثبت شد" in done.output
    found = cli.invoke(app, ["circulars", "search", "ميشود"], env=WIDE)
    assert found.exit_code == 0, found.output
    assert "۲ بخشنامه یافت شد" in found.output
    before = cli.invoke(app, ["circulars", "in-force", "--on", "۱۴۰۲/۰۶/۰۱"], env=WIDE)
    assert "۵۰/۱" in before.output and "۵۰/۲" not in before.output
    after = cli.invoke(app, ["circulars", "in-force", "--on", "1403/02/01"], env=WIDE)
    assert "۵۰/۲" in after.output and "۵۰/۱" not in after.output
    shown = cli.invoke(app, ["circulars", "show", "50/1"], env=WIDE)
    assert shown.exit_code == 0, shown.output
    assert "نسخ شد با بخشنامه‌ی ۵۰/۲" in shown.output


def test_a_bad_sheet_row_is_named_without_a_traceback(cli, tmp_path):
    folder = _folder(tmp_path)
    (folder / "metadata.csv").write_text(
        SHEET.replace("1402/01/10", "1402/14/10"), encoding="utf-8"
    )
    done = cli.invoke(app, ["circulars", "import", str(folder)], env=WIDE)
    # the entry point prints a DarmanError as its problems, row by row (cli/failures.py)
    assert isinstance(done.exception, InvalidInput)
    [problem] = done.exception.problems
    assert (problem.row, problem.field) == (2, "issued_on")


def test_synthetic_corpus_loads_clusters_and_checks(cli):
    loaded = cli.invoke(app, ["circulars", "load-synthetic", "--topics", "30"], env=WIDE)
    assert loaded.exit_code == 0, loaded.output
    clusters = cli.invoke(app, ["circulars", "clusters"], env=WIDE)
    assert clusters.exit_code == 0 and "خوشه‌ی بخشنامه‌های همپوشان" in clusters.output
    progress = cli.invoke(app, ["circulars", "progress"], env=WIDE)
    assert progress.exit_code == 0 and "هدف: ۶۰" in progress.output
    checked = cli.invoke(app, ["circulars", "check-synthetic", "--topics", "60"], env=WIDE)
    assert checked.exit_code == 0, checked.output
    assert "precision" in checked.output and "recall" in checked.output


def test_attach_files_to_a_circular_and_show_them(cli, tmp_path):
    cli.invoke(app, ["circulars", "import", str(_folder(tmp_path))], env=WIDE)
    (tmp_path / "form.pdf").write_bytes(b"%PDF form")
    done = cli.invoke(app, ["circulars", "attach", "50/1", str(tmp_path / "form.pdf")], env=WIDE)
    assert done.exit_code == 0, done.output
    assert "پیوست شد" in done.output and "۹" in done.output
    again = cli.invoke(app, ["circulars", "attach", "50/1", str(tmp_path / "form.pdf")], env=WIDE)
    assert "پیش‌تر پیوست بود" in again.output
    shown = cli.invoke(app, ["circulars", "show", "50/1"], env=WIDE)
    assert "پیوست: form.pdf" in shown.output
    assert "مخاطبان: استان‌ها: همه‌ی استان‌ها" in shown.output
    missing = cli.invoke(app, ["circulars", "attach", "50/1", str(tmp_path / "gone.pdf")], env=WIDE)
    assert missing.exit_code != 0 and "Traceback" not in missing.output
