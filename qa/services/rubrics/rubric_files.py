"""Reading rubric files from disk (TOML) into validated `Rubric` objects."""

from __future__ import annotations

import tomllib
from pathlib import Path

from qa.domain.errors import NotFound
from qa.domain.rubric import Rubric, RubricInvalid, RubricProblem, parse_rubric


def load_rubric_file(path: Path) -> Rubric:
    """Parse and validate one rubric file; `RubricInvalid` lists every problem."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise RubricInvalid([RubricProblem(str(path), "(file)", f"not valid TOML: {exc}")]) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise RubricInvalid([RubricProblem(str(path), "(file)", f"cannot be read: {exc}")]) from exc
    return parse_rubric(data, str(path))


def rubric_files(path: Path) -> list[Path]:
    """The rubric files at a path: the file itself, or every `*.toml` in a folder."""
    if path.is_file():
        return [path]
    if path.is_dir():
        files = sorted(path.glob("*.toml"))
        if files:
            return files
        raise NotFound(f"no rubric files (*.toml) in {path}")
    raise NotFound(f"{path} does not exist")


def check_rubrics(path: Path) -> tuple[list[Rubric], list[RubricProblem]]:
    """Validate every rubric file at `path`; collect problems across all files."""
    rubrics: list[Rubric] = []
    problems: list[RubricProblem] = []
    for file in rubric_files(path):
        try:
            rubrics.append(load_rubric_file(file))
        except RubricInvalid as exc:
            problems.extend(exc.rubric_problems)
    return rubrics, problems
