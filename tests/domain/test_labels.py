"""Words for codes: labels, ISCED-F names, readable descriptor messages, rubric changes."""

from __future__ import annotations

from dataclasses import replace

import pytest

from qa.config import bundled_rubrics_dir
from qa.domain.descriptor_form import readable
from qa.domain.labels import isced, label
from qa.domain.rubric import Rubric
from qa.domain.rubric_diff import rubric_changes
from qa.domain.stage_guidance import stage_name
from qa.services.rubrics.rubric_files import load_rubric_file


@pytest.fixture(scope="module")
def rubric() -> Rubric:
    return load_rubric_file(next(bundled_rubrics_dir().glob("*.toml")))


def test_codes_read_as_words() -> None:
    assert label("practical_demonstration") == "Practical demonstration"
    assert label("internal_and_external") == "Internal and external"
    assert label("subject_expert") == "Subject expert"
    assert label("approved_with_conditions") == "Approved with conditions"
    assert label("submitted") == "Submitted"  # an assignment state, not the stage
    assert stage_name("submitted") == "Submitted (automatic check)"
    assert label("something_new") == "Something new"


def test_isced_fields_by_name_with_their_code() -> None:
    assert isced("0613") == "0613 Software and applications development and analysis"
    assert isced("06") == "06 Information and communication technologies"
    assert isced("0619") == "0619 (Information and communication technologies)"  # nearest
    assert isced("77") == "77"


def test_descriptor_messages_name_elements_by_their_labels() -> None:
    text = readable("Required when eqf_level is not_applicable.")
    assert text == "Required when “Level (EQF)” is “Not applicable”."


def test_rubric_changes_list_added_removed_and_changed_criteria(rubric: Rubric) -> None:
    first, second, *rest = rubric.criteria
    changed = replace(first, title="A new title", must_pass=not first.must_pass)
    new = replace(rubric, criteria=(changed, *rest))
    changes = {c.criterion_id: c for c in rubric_changes(rubric, new)}
    assert changes[first.id].kind == "changed"
    assert changes[first.id].parts == ("title", "must pass")
    assert changes[second.id].kind == "removed"
    assert {c.kind for c in rubric_changes(new, rubric)} == {"added", "changed"}
    assert rubric_changes(rubric, rubric) == ()
