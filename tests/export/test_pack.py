"""The audit pack read back against the database, and its properties.

Every table's heading, row counts and sample values; CSV twins equal to their sheets;
determinism, inert formulas, pseudonyms, filters, progress and verify_pack. The decided
world (tests/export/conftest.py) is built once per backend for this module.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zipfile import ZIP_DEFLATED, ZipFile

import pytest
from sqlmodel import col, func, select

from qa.export.pack import TABLES, PackFilter, verify_pack
from qa.export.pack import build as build_module
from qa.export.pack.agreement import ordinal_alpha
from qa.export.pack.contract import MANIFEST, SIGNATURE, WORKBOOK, files
from qa.persistence.models import AuditEntry, Decision, Score, Scoresheet
from tests.export.conftest import (
    CHAIN_HEAD,
    CONDITION_DUE,
    DEQAR,
    FORMULA_TITLE,
    OFFICE_KEY,
    SCRUBBED_COMMENT,
    Decided,
    PackReader,
    as_csv_text,
)

WORKBOOK_TABLES = [t.name for t in TABLES if t.in_workbook]


def _criteria(decided: Decided) -> list[str]:
    return [c.id for c in decided.world.rubric.criteria]


def _principles(decided: Decided) -> list[str]:
    return [p.code for p in decided.world.rubric.principles]


def test_the_pack_holds_the_workbook_every_csv_twin_and_the_manifest(reader: PackReader) -> None:
    assert list(reader.members) == list(files())


def test_every_sheet_and_csv_has_the_contract_heading(decided: Decided, reader: PackReader) -> None:
    sheets = reader.sheets()
    assert list(sheets) == WORKBOOK_TABLES
    for table in TABLES:
        heading = table.header(_criteria(decided), _principles(decided))
        assert reader.csv(table.name)[0] == heading, table.name
        if table.in_workbook:
            assert sheets[table.name][0] == heading, table.name


def test_csv_twins_equal_their_sheets(reader: PackReader) -> None:
    sheets = reader.sheets()
    for name in WORKBOOK_TABLES:
        as_text = [[as_csv_text(v) for v in row] for row in sheets[name]]
        width = len(as_text[0])
        as_text = [row + [""] * (width - len(row)) for row in as_text]  # trailing empties
        assert as_text == reader.csv(name), name


def test_row_counts_match_the_database_and_the_manifest(
    decided: Decided, reader: PackReader
) -> None:
    ids = list(decided.ids.values())
    with decided.db.session() as session:
        sheets = session.exec(
            select(Scoresheet.kind, func.count())
            .where(col(Scoresheet.submission_id).in_(ids))
            .group_by(col(Scoresheet.kind))
        ).all()
        scores = session.exec(
            select(func.count())
            .select_from(Score)
            .join(Scoresheet, col(Scoresheet.id) == col(Score.scoresheet_id))
            .where(col(Scoresheet.submission_id).in_(ids))
        ).one()
        entries = session.exec(
            select(func.count()).where(col(AuditEntry.submission_id).in_(ids))
        ).one()
        decisions = session.exec(
            select(func.count()).where(col(Decision.submission_id).in_(ids))
        ).one()
    kinds = dict(sheets)
    counts = decided.pack.row_counts
    assert counts["Credentials"] == 5  # C was decided in two rounds
    assert counts["SelfAssessment"] == kinds["self"] == 5
    assert counts["PeerScores"] == kinds["peer"] == 10
    assert counts["Decisions"] == decisions == 6  # B was corrected: two revisions
    assert counts["Conditions"] == 2
    assert counts["ScoreDetail"] == scores
    assert counts["ReviewTrail"] + counts["ScoreEdits"] == entries
    # self, 2 reviewers, value, spread per round, and A's consensus line
    assert counts["Consensus"] == 5 * 5 + 1
    assert counts["DEQAR"] == 3
    assert counts["Rubric"] == len(_criteria(decided))
    for table in TABLES:
        assert len(reader.csv(table.name)) - 1 == counts[table.name], table.name
    assert decided.pack.manifest["row_counts"] == counts


def test_manifest_records_hashes_versions_filter_and_chain_head(
    decided: Decided, reader: PackReader
) -> None:
    manifest = json.loads(reader.members[MANIFEST])
    assert manifest == decided.pack.manifest
    assert manifest["pack_format_version"] == "1.3"
    assert manifest["audit_chain_head"] == CHAIN_HEAD
    assert manifest["filter"] == {
        "date_from": "2026-01-01",
        "date_to": "2026-12-31",
        "provider_code": None,
        "decision": None,
    }
    rubric = decided.world.rubric
    assert manifest["rubric_versions"] == [
        {"key": rubric.key, "version": rubric.version, "sha256": rubric.content_hash()}
    ]
    listed = {entry["path"]: entry["sha256"] for entry in manifest["files"]}
    assert set(listed) == set(files()) - {MANIFEST, SIGNATURE}  # both cover the rest
    for name, digest in listed.items():
        assert hashlib.sha256(reader.members[name]).hexdigest() == digest
    assert manifest["signature"]["key_fingerprint"] == OFFICE_KEY.public.fingerprint
    assert OFFICE_KEY.public.verify(reader.members[MANIFEST], reader.members[SIGNATURE].decode())
    assert verify_pack(decided.pack.path, [OFFICE_KEY.public]) == []
    assert decided.pack.sha256 == hashlib.sha256(decided.pack.path.read_bytes()).hexdigest()


#: How the CSV writes a negative number (`csv_text`): a number cell, never text.
NEGATIVE_NUMBER = re.compile(r"-\d+(\.\d+)?(e[-+]\d+)?")


def _one(records: list[dict[str, str]], **match: str) -> dict[str, str]:
    found = [r for r in records if all(r[k] == v for k, v in match.items())]
    assert len(found) == 1, (match, found)
    return found[0]


def test_credentials_carry_the_descriptor_with_codes_and_labels(
    decided: Decided, reader: PackReader
) -> None:
    b = _one(reader.records("Credentials"), submission_id=str(decided.ids["B"]))
    assert b["title"] == "Data Stewardship"
    assert (b["eqf_level"], b["qf_ehea_cycle"], b["qf_ehea_cycle_label"]) == (
        "7",
        "second",
        "Second",
    )
    assert b["assessment_type"] == "project; oral_exam"
    assert b["assessment_type_label"] == "Project; Oral exam"
    assert (b["provider"], b["provider_deqar_id"]) == ("PT-IPVN", "DEQARINST0042")
    assert (b["decision"], b["decided_on"], b["round"]) == (
        "approved_with_conditions",
        "2026-04-20",
        "1",
    )
    assert b["awarding_bodies"].startswith("Instituto Politécnico do Vale do Neiva [pic:949731265")


def test_decisions_show_rationale_revisions_and_who_signed(
    decided: Decided, reader: PackReader
) -> None:
    records = reader.records("Decisions")
    b = [r for r in records if r["submission_id"] == str(decided.ids["B"])]
    assert [(r["revision"], r["current"]) for r in b] == [("1", "no"), ("2", "yes")]
    assert b[1]["rationale"] == "Two conditions on recognition; everything else is met."
    assert b[1]["correction_reason"] == "Typo in the rationale"
    assert b[1]["supersedes_decision_id"] == b[0]["decision_id"]
    assert b[0]["conditions"] == "2"
    c = _one(records, submission_id=str(decided.ids["C"]), round="1")
    assert (c["decision"], c["recommended_decision"], c["follows_recommendation"]) == (
        "revise_and_resubmit",
        "approved",
        "no",
    )
    assert c["rationale"].startswith("The awarding body's accreditation is being renewed")
    assert c["signer"].startswith("O")
    assert c["signer_role"] == "officer"
    with decided.db.session() as session:
        row = session.exec(
            select(Decision).where(
                Decision.submission_id == decided.ids["C"], Decision.round_number == 1
            )
        ).one()
    assert c["decision_id"] == str(row.id)
    assert c["signed_at"] == "2026-05-05T10:30:00.000000Z"
    conditions = reader.records("Conditions")
    assert [(r["text"], r["owner"], r["due_date"], r["status"]) for r in conditions] == [
        ("Publish a recognition procedure", "Quality office", CONDITION_DUE[0].isoformat(), "open"),
        ("Sign a recognition agreement", "Programme board", CONDITION_DUE[1].isoformat(), "open"),
    ]


def test_scores_in_the_wide_sheets_the_matrix_and_the_detail_agree_with_the_database(
    decided: Decided, reader: PackReader
) -> None:
    a = str(decided.ids["A"])
    peers = [r for r in reader.records("PeerScores") if r["submission_id"] == a]
    assert [r["QUAL-3"] for r in peers] == ["0", "3"]
    assert all(r["QUAL-1"] == "3" and r["sheet_status"] == "submitted" for r in peers)
    matrix = {
        (r["line"], r["rater"]): r for r in reader.records("Consensus") if r["submission_id"] == a
    }
    assert [line for line, _ in matrix] == [
        "self",
        "reviewer",
        "reviewer",
        "consensus",
        "value",
        "spread",
    ]
    assert matrix[("consensus", "")]["QUAL-3"] == "2"
    assert matrix[("consensus", "")]["QUAL-1"] == ""
    assert matrix[("value", "")]["QUAL-3"] == "2"
    assert matrix[("value", "")]["QUAL mean"] == "2.8"
    assert matrix[("spread", "")]["QUAL-3"] == "3"
    first = peers[0]["reviewer"]
    assert matrix[("reviewer", first)]["QUAL mean"] == "2.4"
    detail = [r for r in reader.records("ScoreDetail") if r["submission_id"] == a]
    consensus = _one(detail, rater_kind="consensus", criterion_id="QUAL-3")
    assert (consensus["score"], consensus["comment"]) == (
        "2",
        "Survey exists but no action plan yet",
    )
    own = _one(detail, rater_kind="self", criterion_id="TRAN-1")
    assert (own["score"], own["evidence_refs"], own["must_pass"]) == (
        "3",
        "evidence/TRAN-1.pdf",
        "yes",
    )
    evidence = _one(
        reader.records("EvidenceRegister"), submission_id=a, reference="evidence/TRAN-1.pdf"
    )
    assert (evidence["criteria"], evidence["cited_by"]) == ("TRAN-1", "provider")


def test_agreement_is_krippendorffs_alpha_over_the_reviewers_levels(
    decided: Decided, reader: PackReader
) -> None:
    units: list[list[int | None]] = []
    with decided.db.session() as session:
        rounds = session.exec(
            select(Scoresheet.submission_id, Scoresheet.round_number)
            .where(col(Scoresheet.submission_id).in_(list(decided.ids.values())))
            .distinct()
            .order_by(col(Scoresheet.submission_id), col(Scoresheet.round_number))
        ).all()
        for submission_id, round_number in rounds:
            sheets = session.exec(
                select(Scoresheet.id)
                .where(
                    Scoresheet.submission_id == submission_id,
                    Scoresheet.round_number == round_number,
                    Scoresheet.kind == "peer",
                )
                .order_by(col(Scoresheet.id))
            ).all()
            levels: list[dict[str, Any]] = [
                dict(
                    session.exec(
                        select(Score.criterion_id, Score.level).where(Score.scoresheet_id == sheet)
                    ).all()
                )
                for sheet in sheets
            ]
            units += [[own.get(c) for own in levels] for c in _criteria(decided)]
    expected = ordinal_alpha(units)
    overall = _one(reader.records("Agreement"), principle="ALL")
    assert overall["units"] == str(expected.units) == str(5 * len(_criteria(decided)))
    assert expected.alpha is not None
    assert float(overall["alpha"]) == expected.alpha
    qual = _one(reader.records("Agreement"), principle="QUAL")
    assert qual["principle_name"] == "Quality"
    tran = _one(reader.records("Agreement"), principle="TRAN")
    assert (tran["alpha"], tran["note"]) == ("", "every value is the same")


def test_deqar_rows_follow_the_upload_columns(decided: Decided, reader: PackReader) -> None:
    rows = reader.records("DEQAR")
    assert [r["local_identifier"] for r in rows] == [
        f"MC-{decided.ids['A']}-1",
        f"MC-{decided.ids['B']}-1",
        f"MC-{decided.ids['C']}-2",  # round 1 of C was revise and resubmit
    ]
    a, b, _ = rows
    assert (a["agency"], a["activities[1].id"], a["status"], a["date_format"]) == (
        DEQAR.agency_id,
        DEQAR.activity_id,
        "2",
        "%Y-%m-%d",
    )
    assert (a["decision"], b["decision"]) == ("1", "2")
    assert (a["programme[1].qf_ehea_level"], b["programme[1].qf_ehea_level"]) == ("1", "2")
    assert a["programme[1].name_primary"] == "'" + FORMULA_TITLE
    assert b["institution[1].deqar_id"] == "DEQARINST0042"
    assert (
        b["file[1].original_location"]
        == f"https://agency.example/reports/MC-{decided.ids['B']}-1.pdf"
    )
    assert (
        f"Publish a recognition procedure (owner: Quality office, due {CONDITION_DUE[0]})"
        in b["other_comment"]
    )
    assert (b["programme[1].degree_outcome"], b["programme[1].assessment_certification"]) == (
        "2",
        "2",
    )


def test_readme_states_the_pack_and_lists_every_contract_column(
    decided: Decided, reader: PackReader
) -> None:
    records = reader.records("README")
    facts = {r["name"]: r["description"] for r in records if r["section"] == "pack"}
    assert facts["pack_format_version"] == "1.3"
    assert facts["audit_chain_head"] == CHAIN_HEAD
    assert facts["filter.date_from"] == "2026-01-01"
    assert facts["generated_at"] == decided.pack.manifest["generated_at"]
    listed = {r["name"] for r in records if r["section"] == "column"}
    for table in TABLES:
        assert {f"{table.name}.{c.name}" for c in table.columns} <= listed
        assert {f"{table.name}.{g.pattern}" for g in table.repeated} <= listed
    assert WORKBOOK in reader.members


# -- properties ---------------------------------------------------------------------------


#: What identifies the world's reviewers and officers (tests/world.py).
PEOPLE = ("agnieszka", "soren", "lucia", "aoife", "lukas")


def test_the_same_data_and_filter_give_a_byte_identical_pack(decided: Decided) -> None:
    again = decided.build("again.zip", chain_head=decided.pack.manifest["audit_chain_head"])
    assert again.path.read_bytes() == decided.pack.path.read_bytes()
    assert again.sha256 == decided.pack.sha256


def test_a_workbook_written_by_the_helper_process_gives_the_same_pack(
    decided: Decided, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(build_module, "HELPER_FROM_ROUNDS", 1)
    helped = decided.build("helped.zip", chain_head=decided.pack.manifest["audit_chain_head"])
    assert helped.path.read_bytes() == decided.pack.path.read_bytes()


def test_zip_entries_carry_the_generation_time_and_fixed_permissions(decided: Decided) -> None:
    generated = datetime.fromisoformat(decided.pack.manifest["generated_at"].rstrip("Z"))
    with ZipFile(decided.pack.path) as archive:
        infos = archive.infolist()
    assert {info.date_time for info in infos} == {
        (
            generated.year,
            generated.month,
            generated.day,
            generated.hour,
            generated.minute,
            generated.second // 2 * 2,
        )
    }
    assert {info.external_attr >> 16 for info in infos} == {0o644}


def test_a_formula_in_a_title_is_inert_in_the_workbook_and_the_csv(
    decided: Decided, reader: PackReader
) -> None:
    a = str(decided.ids["A"])
    row = next(r for r in reader.records("Credentials") if r["submission_id"] == a)
    assert row["title"] == "'" + FORMULA_TITLE
    sheets = reader.sheets()
    titles = [r[sheets["Credentials"][0].index("title")] for r in sheets["Credentials"][1:]]
    assert "'" + FORMULA_TITLE in titles
    for name, text in reader.texts():
        if name.startswith("audit-pack.xlsx:xl/worksheets/"):
            assert "<f>" not in text and "<f " not in text, name
        if name.endswith(".csv"):
            for line in text.splitlines():
                cells = re.findall(r'(?:^|,)("(?:[^"]|"")*"|[^,]*)', line)
                for cell in cells:
                    value = cell.strip('"')
                    if NEGATIVE_NUMBER.fullmatch(value):
                        continue  # a negative number (a gap, an offset) is data, not a formula
                    assert not value.startswith(("=", "+", "-", "@")), (name, line)


def test_people_are_pseudonymised_everywhere(decided: Decided, reader: PackReader) -> None:
    for name, text in reader.texts():
        lowered = text.casefold()
        for person in PEOPLE:
            assert person not in lowered, (name, person)
        assert "@example.org" not in lowered, name
        assert not re.search(r"\bines\b|inês|araújo", lowered), name
    comments = [
        r["comment"] for r in reader.records("ScoreDetail") if "Checked with" in r["comment"]
    ]
    assert len(comments) == 1
    assert re.fullmatch(r"Checked with R\d\d \(R\d\d\) and R\d\d on the call", comments[0])


def test_pseudonyms_are_stable_within_the_pack(decided: Decided, reader: PackReader) -> None:
    a = str(decided.ids["A"])
    peers = [r["reviewer"] for r in reader.records("PeerScores") if r["submission_id"] == a]
    assert len(set(peers)) == 2 and all(re.fullmatch(r"R\d\d", p) for p in peers)
    matrix = [
        r["rater"]
        for r in reader.records("Consensus")
        if r["submission_id"] == a and r["line"] == "reviewer"
    ]
    assert matrix == peers
    detail = {
        r["rater"]
        for r in reader.records("ScoreDetail")
        if r["submission_id"] == a and r["rater_kind"] == "peer"
    }
    assert detail == set(peers)
    invited = [
        json.loads(r["after"])["reviewer_id"]
        for r in reader.records("ReviewTrail")
        if r["submission_id"] == a and r["action"] == "assignment.invited"
    ]
    assert invited[:2] == peers
    actors = {
        r["actor"]
        for r in reader.records("ReviewTrail")
        if r["submission_id"] == a and r["action"] == "assignment.submitted"
    }
    assert actors == set(peers)


def test_an_entitled_agency_sees_names(decided: Decided) -> None:
    named = PackReader(decided.build("named.zip", reveal_reviewers=True).path)
    reviewers = {r["reviewer"] for r in named.records("PeerScores")}
    assert reviewers <= {"Agnieszka", "Soren", "Lucia"} and reviewers
    assert any("Checked with Soren" in r["comment"] for r in named.records("ScoreDetail"))
    facts = {r["name"]: r["description"] for r in named.records("README") if r["section"] == "pack"}
    assert facts["people"].startswith("People are named")
    assert SCRUBBED_COMMENT in {r["comment"] for r in named.records("ScoreDetail")}


@pytest.mark.parametrize(
    ("wanted", "letters"),
    [
        (PackFilter(date(2026, 3, 1), date(2026, 3, 31)), ["A"]),
        (PackFilter(date(2026, 3, 10), date(2026, 4, 20)), ["A", "B"]),
        (PackFilter(date(2026, 1, 1), date(2026, 12, 31), decision="revise_and_resubmit"), ["C"]),
        (PackFilter(date(2026, 1, 1), date(2026, 12, 31), provider_code="PT-IPVN"), list("ABCCD")),
        (PackFilter(date(2026, 1, 1), date(2026, 12, 31), provider_code="XX-NONE"), []),
        (PackFilter(date(2026, 6, 2), date(2026, 6, 30)), []),
        (PackFilter(date(2026, 7, 1), date(2026, 7, 1)), ["C"]),
    ],
)
def test_the_filter_selects_decided_rounds(
    decided: Decided, wanted: PackFilter, letters: list[str]
) -> None:
    built = decided.build(f"filtered-{wanted.date_from}-{wanted.date_to}.zip", wanted)
    found = [r["submission_id"] for r in PackReader(built.path).records("Credentials")]
    assert found == [str(decided.ids[letter]) for letter in letters]
    assert verify_pack(built.path) == []
    if not letters:
        counts = dict(built.row_counts)
        assert counts.pop("Agreement") == 1  # the ALL line, saying why there is no alpha
        assert set(counts.values()) == {0, counts["README"]}


def test_deqar_leaves_out_revise_and_resubmit_and_levels_below_eqf_5(
    decided: Decided, reader: PackReader
) -> None:
    credentials = {
        r["submission_id"]: r for r in reader.records("Credentials") if r["round"] == "1"
    }
    in_deqar = {r["local_identifier"] for r in reader.records("DEQAR")}
    c, d = str(decided.ids["C"]), str(decided.ids["D"])
    assert credentials[c]["decision"] == "revise_and_resubmit"
    assert credentials[d]["eqf_level"] == "4"
    assert f"MC-{c}-1" not in in_deqar and f"MC-{d}-1" not in in_deqar
    assert len(in_deqar) == 3


def test_progress_is_reported_up_to_the_total(decided: Decided) -> None:
    seen: list[tuple[int, int]] = []
    decided.build("progress.zip", progress=lambda done, total: seen.append((done, total)))
    assert seen and seen[-1][0] == seen[-1][1]
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)
    assert len({total for _, total in seen}) == 1


def _rewrite(
    source: Path, target: Path, *, change: str = "", drop: str = "", add: str = ""
) -> None:
    with ZipFile(source) as old, ZipFile(target, "w", ZIP_DEFLATED) as new:
        for info in old.infolist():
            if info.filename == drop:
                continue
            data = old.read(info.filename)
            if info.filename == change:
                data = data.replace(b"approved", b"rejected", 1)
            new.writestr(info, data)
        if add:
            new.writestr(add, b"extra")


def test_verify_pack_finds_changed_missing_and_extra_members(
    decided: Decided, tmp_path: Path
) -> None:
    pack = decided.pack.path
    changed = tmp_path / "changed.zip"
    _rewrite(pack, changed, change="csv/Decisions.csv")
    assert verify_pack(changed) == [
        "csv/Decisions.csv: SHA-256 differs from the manifest (the file was changed)"
    ]
    missing = tmp_path / "missing.zip"
    _rewrite(pack, missing, drop="csv/DEQAR.csv")
    assert verify_pack(missing) == [
        "csv/DEQAR.csv: listed in the manifest but missing from the pack"
    ]
    extra = tmp_path / "extra.zip"
    _rewrite(pack, extra, add="notes.txt")
    assert verify_pack(extra) == ["notes.txt: in the pack but not in the manifest"]
    no_manifest = tmp_path / "no-manifest.zip"
    _rewrite(pack, no_manifest, drop=MANIFEST)
    assert verify_pack(no_manifest) == ["manifest.json is missing"]
    not_zip = tmp_path / "not.zip"
    not_zip.write_bytes(b"hello")
    assert verify_pack(not_zip)[0].endswith("not a readable zip file (File is not a zip file)")


def test_verify_pack_checks_row_counts(decided: Decided, tmp_path: Path) -> None:
    edited = tmp_path / "counts.zip"
    with ZipFile(decided.pack.path) as old, ZipFile(edited, "w", ZIP_DEFLATED) as new:
        for info in old.infolist():
            data = old.read(info.filename)
            if info.filename == MANIFEST:
                manifest = json.loads(data)
                manifest["row_counts"]["Decisions"] += 1
                data = json.dumps(manifest).encode()
            new.writestr(info, data)
    assert verify_pack(edited) == [
        "csv/Decisions.csv: 6 rows, the manifest says 7",
        "audit-pack.xlsx Decisions: 6 rows, the manifest says 7",
    ]


def test_no_partial_file_is_left_behind(decided: Decided) -> None:
    assert not list(decided.folder.glob(".*.part"))


def test_a_round_decided_in_the_period_is_packed_with_its_own_sheets_and_the_whole_trail(
    decided: Decided,
) -> None:
    july = PackReader(
        decided.build("july.zip", PackFilter(date(2026, 7, 1), date(2026, 7, 31))).path
    )
    c = str(decided.ids["C"])
    assert [(r["submission_id"], r["round"]) for r in july.records("Credentials")] == [(c, "2")]
    assert {r["round"] for r in july.records("ScoreDetail")} == {"2"}
    assert [r["decision"] for r in july.records("Decisions")] == ["approved"]
    actions = [r["action"] for r in july.records("ReviewTrail")]
    assert "submission.revise" in actions and "submission.resubmit" in actions
