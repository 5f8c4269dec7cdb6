"""Property-based hostile input for the catalogue import (CSV, xlsx) and the `qa` options.

Catalogues are the good descriptor's row with cells kept, emptied, dropped as columns,
duplicated as columns or replaced with hostile text (control characters, bidi marks, lone
surrogates as invalid UTF-8, ~1 MB cells, huge and negative numbers, other types, bad
dates), plus unknown columns. `qa` commands get hostile option values. The properties:

* the command ends with an exit code the README lists (0, 1, 2, 3, 4), never a traceback;
* a refusal (1, 2, 3) writes nothing: the rows are unchanged (the import keeps its record of
  the attempt, `import_run` and its audit entry, by design);
* a refusal says why on its first line (`error: ...`) and, for a catalogue, each problem
  names its place (heading row and column, or row and column).

Cases tried per parser are printed (`pytest -s`).
"""

from __future__ import annotations

import copy
import csv
import gc
import io
import json
import os
import warnings
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from openpyxl.utils.exceptions import IllegalCharacterError

from qa.cli import main
from qa.domain.errors import InvalidInput
from qa.imports.reader import open_catalogue
from tests.conftest import GOOD_DESCRIPTOR
from tests.factories import HEADINGS, catalogue_row, write_xlsx
from tests.hostile.fingerprint import fingerprint
from tests.hostile.strategies import field_names, hostile_text, wire

pytestmark = pytest.mark.slow


def bounded(examples: int) -> settings:
    return settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )


KEPT = {"skip_tables": ("import_run",), "skip_audit_of": ("import_run",)}
EXIT_CODES = {0, 1, 2, 3, 4}


class Office:
    """A data folder with the bundled rubric, an admin and one provider, PT-IPVN."""

    def __init__(self, folder: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
        self.folder = folder
        self.capsys = capsys
        monkeypatch.setenv("QA_DATA_DIR", str(folder))
        for name in ("QA_DATABASE_URL", "QA_RUBRICS_DIR", "QA_SIGNING_KEY_FILE"):
            monkeypatch.delenv(name, raising=False)
        assert self.run("init")[0] == 0
        assert self.run("institutions", "add", "PT-IPVN", "Instituto", "--country", "PT")[0] == 0

    def run(self, *args: str) -> tuple[int, str, str]:
        code = 0
        try:
            main(list(args))
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 2)
        out, err = self.capsys.readouterr()
        return code, out, err

    def rows(self) -> str:
        return fingerprint(self.folder / "qa.sqlite3", **KEPT)


@pytest.fixture
def office(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any) -> Office:
    return Office(tmp_path / "data", monkeypatch, capsys)


@st.composite
def catalogues(draw: st.DrawFn, *, long_cells: bool) -> tuple[list[str], list[list[str]]]:
    """Headings and rows: the good row, mutated column by column."""
    good = catalogue_row(copy.deepcopy(GOOD_DESCRIPTOR))
    headings: list[str] = []
    rows: list[list[str]] = [[] for _ in range(draw(st.integers(1, 3)))]
    text = hostile_text if long_cells else hostile_text.map(lambda t: t[:2000])
    for heading in HEADINGS:
        cell = "" if good.get(heading) is None else str(good[heading])
        action = draw(st.sampled_from(("keep", "keep", "empty", "drop", "replace", "duplicate")))
        if action == "drop":
            continue
        copies = 2 if action == "duplicate" else 1
        for _ in range(copies):
            headings.append(heading)
            for number, row in enumerate(rows):
                value = cell
                if action == "empty":
                    value = ""
                elif action in ("replace", "duplicate"):
                    value = draw(text)
                elif heading == "external_id":
                    value = f"{cell}-{number}"
                row.append(value)
    if draw(st.booleans()):
        headings.append(draw(field_names))
        for row in rows:
            row.append(draw(text))
    return headings, rows


def _csv(path: Path, headings: list[str], rows: list[list[str]]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headings)
    writer.writerows(rows)
    path.write_bytes(wire(buffer.getvalue()))


def _check_import(office: Office, path: Path, partial: bool, tried: list[str]) -> None:
    before = office.rows()
    args = ["import", "catalogue", str(path)] + (["--partial"] if partial else [])
    code, out, err = office.run(*args)
    tried.append(str(code))
    assert code in EXIT_CODES, (code, err[-500:])
    assert "Traceback" not in out + err
    if code in (1, 2, 3):
        assert office.rows() == before, f"exit {code} but rows changed: {err[:300]}"
        assert err.startswith("error: "), err[:300]
        for line in err.splitlines()[1:]:
            if line.startswith("  error "):  # each problem names its place
                assert "row" in line or line.startswith("  error   file"), line


def test_hostile_csv_catalogues_are_refused_with_reasons_and_write_nothing(
    office: Office, tmp_path: Path
) -> None:
    tried: list[str] = []

    @bounded(60)
    @given(catalogues(long_cells=True), st.booleans())
    def attack(catalogue: tuple[list[str], list[list[str]]], partial: bool) -> None:
        path = tmp_path / "catalogue.csv"
        _csv(path, *catalogue)
        _check_import(office, path, partial, tried)

    attack()
    print(f"{len(tried)} CSV catalogues; exit codes {sorted(set(tried))}")
    assert len(tried) >= 60


def test_hostile_xlsx_catalogues_are_refused_with_reasons_and_write_nothing(
    office: Office, tmp_path: Path
) -> None:
    tried: list[str] = []

    @bounded(30)
    @given(catalogues(long_cells=False), st.booleans())
    def attack(catalogue: tuple[list[str], list[list[str]]], partial: bool) -> None:
        headings, rows = catalogue
        path = tmp_path / "catalogue.xlsx"
        try:  # openpyxl itself refuses control characters and lone surrogates in cells
            write_xlsx(path, [dict(zip(headings, row, strict=True)) for row in rows], headings)
        except (IllegalCharacterError, UnicodeEncodeError, ValueError):
            assume(False)
        _check_import(office, path, partial, tried)

    attack()
    print(f"{len(tried)} xlsx catalogues; exit codes {sorted(set(tried))}")
    assert len(tried) >= 15


COMMANDS: list[tuple[str, ...]] = [
    ("institutions", "add", "{a}", "{b}", "--country", "{c}", "--kind", "{d}"),
    ("users", "add", "{a}", "--email", "{b}", "--name", "{c}", "--role", "{d}"),
    ("users", "invite", "{a}", "--days", "{b}", "--base-url", "{c}"),
    ("export", "pack", "--from", "{a}", "--to", "{b}", "--out", "{out}", "--decision", "{c}"),
    ("audit", "verify", "--head", "{a}"),
    ("audit", "verify", "--against", "{a}"),
    ("import", "catalogue", "{a}", "--provider", "{b}"),
]


OPTION_EXAMPLES = 20
#: `qa` cannot receive a NUL in its arguments (the operating system ends the string there).
ARGUMENT = hostile_text.map(lambda t: t[:5000].replace("\x00", ""))


def _attack_command(
    office: Office, command: tuple[str, ...], out: str, tried: dict[str, int]
) -> None:
    label = " ".join(part for part in command if not part.startswith("{"))
    tried[label] = 0

    @bounded(OPTION_EXAMPLES)
    @given(st.lists(ARGUMENT, min_size=4, max_size=4))
    def attack(values: list[str]) -> None:
        a, b, c, d = values
        args = [part.format(a=a, b=b, c=c, d=d, out=out) for part in command]
        tried[label] += 1
        before = office.rows()
        code, printed, err = office.run(*args)
        assert code in EXIT_CODES, (args, code, err[-300:])
        assert "Traceback" not in printed + err
        if code in (1, 2, 3) and command[0] != "export":  # a built pack is recorded
            assert office.rows() == before, (args, code, err[:300])
        if code != 0 and command[0] != "audit":  # verify reports a broken chain on stdout
            assert err.strip(), (args, code)

    attack()


def test_hostile_command_options_end_in_a_listed_exit_code_and_write_nothing_when_refused(
    office: Office, tmp_path: Path
) -> None:
    tried: dict[str, int] = {}
    for command in COMMANDS:
        _attack_command(office, command, str(tmp_path / "pack.zip"), tried)
    for label, count in sorted(tried.items()):
        print(f"{count:4d} cases  qa {label}")
    assert sum(tried.values()) >= OPTION_EXAMPLES * len(COMMANDS) // 2


def test_an_unreadable_xlsx_catalogue_leaves_no_file_open(tmp_path: Path) -> None:
    """Found by the xlsx fuzz: a workbook that openpyxl writes but cannot parse back (a
    cell holding U+FFFE) was refused, and its file stayed open for the garbage collector
    (ResourceWarning): openpyxl does not close its zip when parsing fails."""
    path = tmp_path / "catalogue.xlsx"
    write_xlsx(path, [{"title": "a\ufffe"}], ["title"])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(InvalidInput, match=r"is not a readable \.xlsx workbook"):
            open_catalogue(path)
        gc.collect()
    assert [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)] == []


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | hostile_text.map(lambda t: t[:200]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=20), inner),
    max_leaves=12,
)


def test_hostile_backup_manifests_are_refused_and_restore_nothing(
    office: Office, tmp_path: Path
) -> None:
    """`qa restore` of a backup whose manifest.json is anything but a manifest (random JSON,
    or a real one with hostile entries): exit 2 with one line, nothing restored."""
    backup = tmp_path / "backup"
    assert office.run("backup", str(backup))[0] == 0
    real = json.loads((backup / "manifest.json").read_text())
    target = tmp_path / "restored"
    tried: list[int] = []

    @bounded(60)
    @given(
        st.one_of(
            JSON,
            st.builds(
                lambda name, entry: real | {"files": real["files"] | {name: entry}},
                hostile_text | st.sampled_from(["packs/a\x00b", "keys", "packs/", "packs/.."]),
                JSON | st.just({"sha256": "0" * 64, "bytes": 1}),
            ),
            st.builds(lambda value: real | {"database": value}, JSON),
        )
    )
    def attack(manifest: Any) -> None:
        (backup / "manifest.json").write_bytes(wire(json.dumps(manifest)))
        os.environ["QA_DATA_DIR"] = str(target)
        try:
            code, out, err = office.run("restore", str(backup))
        finally:
            os.environ["QA_DATA_DIR"] = str(office.folder)
        tried.append(code)
        assert code == 2, (manifest, code, err[-300:])
        assert err.startswith("error: ") and "Traceback" not in out + err
        assert not target.exists()

    attack()
    print(f"{len(tried)} hostile manifests refused")
    assert len(tried) >= 30
