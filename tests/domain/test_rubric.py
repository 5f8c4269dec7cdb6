"""The rubric loader: the bundled rubric, broken rubric files and the content hash."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from qa.config import bundled_rubrics_dir
from qa.domain.errors import NotFound
from qa.domain.rubric import Rubric, RubricInvalid, RubricProblem
from qa.services.rubrics.rubric_files import check_rubrics, load_rubric_file, rubric_files
from qa.services.rubrics.rubrics import _from_content

BUNDLED = bundled_rubrics_dir() / "eu-microcredentials-annex2.v1.toml"
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "rubrics"
MINIMAL = FIXTURES / "minimal.toml"
BROKEN = FIXTURES / "broken"


@pytest.fixture(scope="module")
def bundled() -> Rubric:
    return load_rubric_file(BUNDLED)


def problems_of(path: Path) -> list[RubricProblem]:
    with pytest.raises(RubricInvalid) as caught:
        load_rubric_file(path)
    return caught.value.rubric_problems


def write_variant(tmp_path: Path, source: Path, old: str, new: str) -> Path:
    """A copy of `source` in tmp_path with the single occurrence of `old` replaced."""
    text = source.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} must occur exactly once in {source}"
    path = tmp_path / source.name
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


# -- the bundled rubric ------------------------------------------------------------------------


def test_bundled_rubric_has_the_ten_principles_in_order(bundled: Rubric) -> None:
    codes = ["QUAL", "TRAN", "RELV", "VASS", "PATH", "RECG", "PORT", "LRNC", "AUTH", "INFO"]
    assert [p.code for p in bundled.principles] == codes
    assert all(bundled.criteria_of(p.code) for p in bundled.principles)


def test_bundled_rubric_has_43_criteria_with_four_level_descriptors(bundled: Rubric) -> None:
    assert len(bundled.criteria) == 43
    for criterion in bundled.criteria:
        assert len(criterion.levels) == 4, criterion.id
        assert all(text.strip() for text in criterion.levels), criterion.id


def test_bundled_rubric_must_pass_criteria(bundled: Rubric) -> None:
    expected = [
        "QUAL-1",
        "QUAL-2",
        "TRAN-1",
        "RELV-1",
        "VASS-1",
        "VASS-2",
        "PORT-1",
        "AUTH-1",
        "AUTH-2",
    ]
    assert list(bundled.must_pass_ids) == expected


def test_bundled_rubric_only_recg_4_allows_not_applicable(bundled: Rubric) -> None:
    assert [c.id for c in bundled.criteria if c.not_applicable_allowed] == ["RECG-4"]


def test_bundled_rubric_prescored_criteria(bundled: Rubric) -> None:
    prescored = {c.id: c.prescored_by for c in bundled.criteria if c.prescored_by}
    assert prescored == {"TRAN-1": "validator", "AUTH-3": "validator"}


def test_bundled_criteria_esg_refs_belong_to_their_principle(bundled: Rubric) -> None:
    for principle in bundled.principles:
        for criterion in bundled.criteria_of(principle.code):
            assert set(criterion.esg) <= set(principle.esg), criterion.id


def test_minimal_fixture_is_valid() -> None:
    rubric = load_rubric_file(MINIMAL)
    assert len(rubric.principles) == 10
    assert [len(rubric.criteria_of(p.code)) for p in rubric.principles] == [1] * 10


# -- the content hash --------------------------------------------------------------------------


def test_content_hash_is_sha256_hex_and_stable(bundled: Rubric) -> None:
    digest = bundled.content_hash()
    assert re.fullmatch(r"[0-9a-f]{64}", digest)
    assert load_rubric_file(BUNDLED).content_hash() == digest


def test_content_hash_ignores_comments_and_formatting(bundled: Rubric, tmp_path: Path) -> None:
    reformatted = write_variant(
        tmp_path, BUNDLED, "schema = 1\n", "# An extra comment.\nschema    =    1   # format\n\n"
    )
    assert load_rubric_file(reformatted).content_hash() == bundled.content_hash()


def test_content_hash_changes_with_one_level_descriptor(bundled: Rubric, tmp_path: Path) -> None:
    old = '"0" = "No documented internal quality assurance applies'
    changed = write_variant(tmp_path, BUNDLED, old, old.replace("No documented", "No written"))
    assert load_rubric_file(changed).content_hash() != bundled.content_hash()


def test_stored_content_as_json_rebuilds_the_identical_rubric(bundled: Rubric) -> None:
    # What the database hands back: the canonical JSON, so lists rather than tuples.
    rebuilt = _from_content(json.loads(bundled.canonical_json()), "x")
    assert rebuilt.content_hash() == bundled.content_hash()


def test_stored_content_rebuilds_the_identical_rubric(bundled: Rubric) -> None:
    assert _from_content(bundled.content(), "x").content_hash() == bundled.content_hash()


# -- broken rubric files -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "key", "reason"),
    [
        ("duplicate-criterion-id", "criteria[1] (QUAL-1).id", "duplicate criterion id 'QUAL-1'"),
        ("criterion-missing-level-2", "(QUAL-1).levels", "level 2 is missing its descriptor"),
        ("criterion-unknown-principle", "(TRAN-1).principle", "unknown principle 'TRAN'"),
        ("principle-without-criteria", "principles.TRAN", "has no criteria"),
        ("duplicate-principle", "principles[1].code", "duplicate principle 'QUAL'"),
        ("unknown-principle-code", "principles[1].code", "'ACCS' is not one of the ten"),
        ("scale-level-5", "scale.levels[4].value", "must be one of 0, 1, 2, 3"),
        ("scale-missing-level-0", "scale.levels", "level 0 is missing"),
        ("missing-rubric-table", "rubric", "is missing"),
        ("bad-version", "rubric.version", "'one' is not a version"),
        ("wrong-schema", "schema", "must be 1"),
        ("must-pass-not-bool", "(QUAL-1).must_pass", "must be true or false"),
        ("unknown-key-typo", "(QUAL-1).must_pas", "is not a known key"),
        ("id-prefix-mismatch", "(QUAL-9).id", "id prefix QUAL does not match principle TRAN"),
        ("empty-evidence", "(QUAL-1).evidence", "must be a non-empty list"),
        (
            "esg-not-part-1",
            "(QUAL-1).esg[0]",
            "'2.1' is not an ESG 2015 Part 1 standard (1.1 to 1.10)",
        ),
        ("invalid-toml", "(file)", "not valid TOML"),
    ],
)
def test_broken_rubric_file_is_rejected(name: str, key: str, reason: str) -> None:
    path = BROKEN / f"{name}.toml"
    problems = problems_of(path)
    assert any(key in p.key and reason in p.reason for p in problems), problems
    assert {p.file for p in problems} == {str(path)}


def test_every_problem_in_a_file_is_reported() -> None:
    path = BROKEN / "several-problems.toml"
    with pytest.raises(RubricInvalid) as caught:
        load_rubric_file(path)
    problems = caught.value.rubric_problems
    assert [(p.key, p.reason.split(" (")[0]) for p in problems] == [
        ("rubric.version", "'one' is not a version like 1.0.0"),
        ("criteria[0] (QUAL-1).titel", "is not a known key"),
        ("criteria[0] (QUAL-1).must_pass", "must be true or false"),
        ("criteria[0] (QUAL-1).esg[0]", "'2.1' is not an ESG 2015 Part 1 standard"),
        ("criteria[0] (QUAL-1).levels", "level 2 is missing its descriptor"),
    ]
    assert problems[1].reason == "is not a known key (did you mean title?)"
    for problem in problems:
        assert problem.file == str(path)
        assert str(problem) == f"{path}: {problem.key}: {problem.reason}"
    assert str(caught.value) == "rubric has 5 problem(s)"
    assert caught.value.problems == tuple(str(p) for p in problems)


def test_check_rubrics_collects_problems_from_every_file() -> None:
    rubrics, problems = check_rubrics(BROKEN)
    assert rubrics == []
    assert {p.file for p in problems} == {str(f) for f in BROKEN.glob("*.toml")}


def test_check_rubrics_returns_the_valid_rubric() -> None:
    rubrics, problems = check_rubrics(MINIMAL)
    assert problems == []
    assert [r.key for r in rubrics] == ["minimal"]


def test_missing_rubric_file(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.toml"
    with pytest.raises(NotFound, match="does not exist"):
        rubric_files(missing)
    with pytest.raises(NotFound, match="does not exist"):
        check_rubrics(missing)
    with pytest.raises(RubricInvalid) as caught:
        load_rubric_file(missing)
    assert caught.value.rubric_problems[0].reason.startswith("cannot be read")


# -- defects that once slipped through the loader ---------------------------------------------


def _drop_scale_levels(text: str) -> str:
    """Leave `[scale]` as an empty table (minimal.toml's levels are a multi-line array)."""
    return re.sub(r"(?ms)^levels = \[$.*?^\]$\n", "", text, count=1)


@pytest.mark.parametrize(
    ("change", "key"),
    [
        pytest.param(
            lambda t: t.replace('title = "Minimal test rubric"\n', ""),
            "rubric.title",
            id="missing-title",
        ),
        pytest.param(
            _drop_scale_levels,
            "scale",
            id="empty-scale",
        ),
        pytest.param(
            lambda t: t.replace("schema = 1\n", "schema = true\n"),
            "schema",
            id="schema-true",
        ),
    ],
)
def test_loader_rejects(tmp_path: Path, change: Callable[[str], str], key: str) -> None:
    text = MINIMAL.read_text(encoding="utf-8")
    assert change(text) != text
    path = tmp_path / "variant.toml"
    path.write_text(change(text), encoding="utf-8")
    assert any(p.key.startswith(key) for p in problems_of(path))
