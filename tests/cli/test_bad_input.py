"""No `qa` command prints a traceback on bad input.

Every command that reads or writes a file is fed truncated, empty, random and misnamed
files; a few commands get a wrong or unreachable database and a bad setting. Each must exit
non-zero with exactly one line starting with `error:` (anything else on stderr is an
indented specific) and no traceback. The runner turns an exception escaping `main` into a
traceback in the output, so an unmapped error fails these tests instead of passing silently.
(`qa audit` and `qa export` are covered by their own tests.)
"""

from __future__ import annotations

import io
import random
import sys
import traceback
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from qa.cli import main
from qa.cli.exit_codes import EXIT_PARTIAL
from qa.config import bundled_rubrics_dir
from tests.factories import numbered_rows, write_csv, write_xlsx


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str

    def assert_one_clear_error(self) -> None:
        text = self.out + self.err
        assert "Traceback" not in text, text
        assert self.code != 0, text
        errors = [line for line in text.splitlines() if line.startswith("error:")]
        assert len(errors) == 1, text
        assert self.err.startswith("error: "), text
        others = self.err.splitlines()[1:]
        assert all(line.startswith("  ") for line in others), text


Runner = Callable[..., Run]


@pytest.fixture
def qa(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Any:
    """Run `qa ARGS...`; an exception escaping `main` is shown as the traceback it would print."""
    monkeypatch.setenv("QA_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("QA_DATABASE_URL", raising=False)
    monkeypatch.delenv("QA_RUBRICS_DIR", raising=False)

    def run(*args: str, stdin: bytes | None = None) -> Run:
        if stdin is not None:
            monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin), "utf-8"))
        code, escaped = 0, ""
        try:
            main(list(args))
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else 1
        except Exception:  # noqa: BLE001 (shown as the traceback a user would see)
            code, escaped = 1, traceback.format_exc()
        out, err = capsys.readouterr()
        return Run(code, out, err + escaped)

    return run


@pytest.fixture
def office(qa: Runner) -> Runner:
    assert qa("init").code == 0
    assert qa("institutions", "add", "PT-IPVN", "Instituto", "--country", "PT").code == 0
    return qa


def _damage_member(good: Path, out: Path, member: str) -> Path:
    with zipfile.ZipFile(good) as source:
        parts = {info.filename: source.read(info.filename) for info in source.infolist()}
    with zipfile.ZipFile(out, "w") as target:
        for name, data in parts.items():
            target.writestr(name, data[: len(data) // 2] if name == member else data)
    return out


def _bad_catalogues(folder: Path, good_descriptor: dict[str, Any]) -> dict[str, Path]:
    noise = random.Random(20260605).randbytes(4096)
    xlsx = write_xlsx(folder / "good.xlsx", numbered_rows(good_descriptor, 3))
    csv = write_csv(folder / "good.csv", numbered_rows(good_descriptor, 3))
    files: dict[str, bytes] = {
        "truncated.xlsx": xlsx.read_bytes()[: xlsx.stat().st_size // 2],
        "truncated.csv": csv.read_bytes()[: csv.stat().st_size // 2],
        "truncated-mid-character.csv": "external_id,title\nMC-1,Polité".encode()[:-1],
        "empty.xlsx": b"",
        "empty.csv": b"",
        "random.xlsx": noise,
        "random.csv": noise,
        "random-zip.xlsx": b"PK\x03\x04" + noise,
        "csv-named.xlsx": csv.read_bytes(),
        "xlsx-named.csv": xlsx.read_bytes(),
        "catalogue.txt": csv.read_bytes(),
        "catalogue.xls": b"\xd0\xcf\x11\xe0" + noise,
        "headings-only.csv": b"external_id,title\n",
        "not-a-catalogue.csv": b"name,age\nAna,41\n",
        "binary.csv": b"external_id,title\nA\x00B,c\n",
    }
    paths = {}
    for name, content in files.items():
        paths[name] = folder / name
        paths[name].write_bytes(content)
    for member in ("xl/workbook.xml", "xl/worksheets/sheet1.xml", "[Content_Types].xml"):
        name = "damaged-" + member.replace("[", "").replace("]", "").replace("/", "-") + ".xlsx"
        paths[name] = _damage_member(xlsx, folder / name, member)
    (folder / "folder.xlsx").mkdir()
    paths["folder.xlsx"] = folder / "folder.xlsx"
    paths["missing.csv"] = folder / "missing.csv"
    return paths


BAD_CATALOGUES = [
    "truncated.xlsx",
    "truncated.csv",
    "truncated-mid-character.csv",
    "empty.xlsx",
    "empty.csv",
    "random.xlsx",
    "random.csv",
    "random-zip.xlsx",
    "csv-named.xlsx",
    "xlsx-named.csv",
    "catalogue.txt",
    "catalogue.xls",
    "headings-only.csv",
    "not-a-catalogue.csv",
    "binary.csv",
    "damaged-xl-workbook.xml.xlsx",
    "damaged-xl-worksheets-sheet1.xml.xlsx",
    "damaged-Content_Types.xml.xlsx",
    "folder.xlsx",
    "missing.csv",
]


@pytest.mark.parametrize("name", BAD_CATALOGUES)
@pytest.mark.parametrize("mode", [[], ["--partial"], ["--dry-run"]], ids=["all", "partial", "dry"])
def test_import_catalogue_rejects_bad_files_with_one_error_line(
    office: Runner,
    tmp_path: Path,
    good_descriptor: dict[str, Any],
    name: str,
    mode: list[str],
) -> None:
    path = _bad_catalogues(tmp_path, good_descriptor)[name]

    run = office("import", "catalogue", str(path), *mode)

    run.assert_one_clear_error()
    assert path.name in run.err.splitlines()[0]
    if run.code == EXIT_PARTIAL:  # --partial imported the rows before the cut, as promised
        assert (name, mode) == ("truncated.csv", ["--partial"])
        assert "rows of truncated.csv were rejected" in run.err
    else:
        assert "Submissions by stage: none" in office("summary").out  # nothing was written


def test_the_bad_files_are_really_bad_a_good_file_imports(
    office: Runner, tmp_path: Path, good_descriptor: dict[str, Any]
) -> None:
    """The control: the same helpers make a file that imports, so the rejections above count."""
    files = _bad_catalogues(tmp_path, good_descriptor)
    assert set(BAD_CATALOGUES) == set(files)
    for good in ("good.csv", "good.xlsx"):
        run = office("import", "catalogue", str(tmp_path / good))
        assert run.code == 0 and "error" not in run.err, run


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"schema = 1\n[rubric]\nkey = 'x",
        random.Random(7).randbytes(2048),
        b"PK\x03\x04" + bytes(200),
    ],
    ids=["empty", "truncated", "random", "xlsx-named-toml"],
)
def test_rubrics_check_reports_bad_files_with_one_error_line(
    qa: Runner, tmp_path: Path, content: bytes
) -> None:
    path = tmp_path / "rubric.toml"
    path.write_bytes(content)
    run = qa("rubrics", "check", str(path))
    run.assert_one_clear_error()
    assert (run.code == 2 and f"{path}: (file)" in run.err) or f"{path}: schema" in run.err


def test_rubrics_check_on_a_truncated_bundled_rubric_and_odd_paths(
    qa: Runner, tmp_path: Path
) -> None:
    bundled = sorted(bundled_rubrics_dir().glob("*.toml"))[0].read_bytes()
    for cut in (len(bundled) // 3, len(bundled) // 2, len(bundled) - 10):
        path = tmp_path / f"cut-{cut}.toml"
        path.write_bytes(bundled[:cut])
        qa("rubrics", "check", str(path)).assert_one_clear_error()
    (tmp_path / "empty-folder").mkdir()
    for odd in ("empty-folder", "missing.toml", "missing-folder/x.toml"):
        run = qa("rubrics", "check", str(tmp_path / odd))
        run.assert_one_clear_error()
        assert run.code == 2


@pytest.mark.parametrize(
    "target",
    ["", ".", "folder", "a-file/template.xlsx", "missing-folder/template.xlsx", "exists.xlsx"],
)
def test_template_catalogue_refuses_odd_or_unwritable_paths(
    qa: Runner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, target: str
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "folder").mkdir()
    (tmp_path / "a-file").write_text("not a folder")
    (tmp_path / "exists.xlsx").write_bytes(b"someone's filled-in catalogue")

    run = qa("template", "catalogue", target)

    run.assert_one_clear_error()
    assert run.code == 2
    assert (tmp_path / "exists.xlsx").read_bytes() == b"someone's filled-in catalogue"
    assert not list(tmp_path.glob("*.xlsx.xlsx")) and not (tmp_path / "folder.xlsx").exists()


def test_template_catalogue_overwrites_only_when_asked(qa: Runner, tmp_path: Path) -> None:
    path = tmp_path / "exists.xlsx"
    path.write_bytes(b"old")
    assert qa("template", "catalogue", str(path), "--overwrite").code == 0
    assert zipfile.is_zipfile(path)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("not a url", "the database address (QA_DATABASE_URL) is not usable"),
        ("nosuchdb://host/name", "the database address (QA_DATABASE_URL) is not usable"),
        ("postgresql://postgres@127.0.0.1:1/qa", "the database cannot be used"),
        ("sqlite:///{tmp}/a-file/qa.sqlite3", "a-file cannot be used"),
        ("sqlite:///{tmp}/garbage.sqlite3", "the database cannot be used"),
        ("sqlite:///{tmp}/fresh.sqlite3", "the database has no tables yet: run `qa init`"),
        ("sqlite:///{tmp}/missing.sqlite3", "there is no database at {tmp}/missing.sqlite3"),
    ],
    ids=[
        "garbage",
        "unknown-driver",
        "unreachable",
        "folder-is-a-file",
        "not-sqlite",
        "empty",
        "missing",
    ],
)
@pytest.mark.parametrize(
    "command",
    [
        ["summary"],
        ["institutions", "list"],
        ["users", "add", "ana", "--email", "ana@example.org", "--name", "Ana", "--role", "admin"],
        ["import", "catalogue", "{tmp}/good.csv"],
    ],
    ids=["summary", "institutions", "users-add", "import"],
)
def test_a_wrong_or_unreachable_database_is_one_error_line(
    qa: Runner,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    good_descriptor: dict[str, Any],
    url: str,
    expected: str,
    command: list[str],
) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    (tmp_path / "garbage.sqlite3").write_bytes(random.Random(3).randbytes(8192))
    (tmp_path / "fresh.sqlite3").touch()  # an empty file is an empty database
    write_csv(tmp_path / "good.csv", numbered_rows(good_descriptor, 1))
    monkeypatch.setenv("QA_DATABASE_URL", url.format(tmp=tmp_path))

    run = qa(*(arg.format(tmp=tmp_path) for arg in command))

    run.assert_one_clear_error()
    assert run.code == 2 and expected.format(tmp=tmp_path) in run.err.splitlines()[0]
    assert not (tmp_path / "missing.sqlite3").exists()  # no new empty office was made


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("QA_REQUIRED_REVIEWS", "two", "QA_REQUIRED_REVIEWS='two' is not a whole number"),
        ("QA_DATA_DIR", "{tmp}/a-file", "a-file cannot be used"),
        ("QA_RUBRICS_DIR", "{tmp}/junk-rubrics", "junk.toml: (file): cannot be read"),
    ],
)
@pytest.mark.parametrize("command", [["init"], ["summary"], ["rubrics", "check"]])
def test_a_bad_setting_is_one_error_line(
    qa: Runner,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    variable: str,
    value: str,
    expected: str,
    command: list[str],
) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    (tmp_path / "junk-rubrics").mkdir()
    (tmp_path / "junk-rubrics" / "junk.toml").write_bytes(b"\xff\xfe" + bytes(100))
    monkeypatch.setenv(variable, value.format(tmp=tmp_path))

    run = qa(*command)

    if variable == "QA_RUBRICS_DIR" and command == ["summary"]:
        assert run.code == 2 and "there is no database at" in run.err  # reads no rubric files
    elif variable == "QA_DATA_DIR" and command == ["rubrics", "check"]:
        assert run.code == 0  # checking the bundled rubrics needs no data folder
        return
    else:
        assert expected in run.err
    run.assert_one_clear_error()


def test_users_add_password_from_stdin_that_is_not_text(qa: Runner) -> None:
    assert qa("init").code == 0
    args = ["users", "add", "bo", "--email", "bo@example.org", "--name", "Bo", "--role", "admin"]
    for stdin in (b"\xff\xfe\xfa\xfb\xfc\xfd\xfe\xff\xfe\xfa\n", b""):
        run = qa(*args, "--password-stdin", stdin=stdin)
        run.assert_one_clear_error()
    assert "People by role: admin 1" in qa("summary").out


def test_the_installed_command_prints_no_traceback(tmp_path: Path) -> None:
    """Through the real entry point, in a separate process, as a user runs it."""
    import subprocess

    damaged = tmp_path / "cat.xlsx"
    damaged.write_bytes(b"PK\x03\x04" + bytes(300))
    env = {"PATH": "/usr/bin:/bin", "QA_DATA_DIR": str(tmp_path / "data")}
    for args, extra in (
        (["import", "catalogue", str(damaged)], {}),
        (["summary"], {"QA_DATABASE_URL": "postgresql://postgres@127.0.0.1:1/qa"}),
    ):
        done = subprocess.run(
            [sys.executable, "-c", "from qa.cli import main; main()", *args],
            capture_output=True,
            text=True,
            env=env | extra,
            timeout=120,
            check=False,
        )
        Run(done.returncode, done.stdout, done.stderr).assert_one_clear_error()
