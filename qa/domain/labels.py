"""Words for the codes users see: enum values, assignment states, ISCED-F fields.

Templates show `value|label` (or `code|isced`); a value without a label of its own reads
as its words ("internal_and_external" → "Internal and external"), never as the code.
"""

from __future__ import annotations

from datetime import timedelta

from qa.domain.stage_guidance import STAGE_NAMES

_LABELS: dict[str, str] = {
    # assignment states (the reviewer's and the officer's lists)
    "invited": "Invited, waiting for an answer",
    "accepted": "Accepted, scoring",
    "overdue": "Overdue",
    "submitted": "Submitted",
    "declined": "Declined",
    "cancelled": "Cancelled",
    # panel seats
    "subject_expert": "Subject expert",
    "labour_market": "Labour-market expert",
    "learner": "Learner",
    # descriptor values
    "written_exam": "Written exam",
    "oral_exam": "Oral exam",
    "practical_demonstration": "Practical demonstration",
    "prior_learning_assessment": "Assessment of prior learning",
    "onsite": "On site",
    "internal_and_external": "Internal and external",
    "stand_alone": "Stand-alone",
    "unsupervised_no_id_check": "Unsupervised, no identity check",
    "supervised_no_id_check": "Supervised, no identity check",
    "supervised_no_id_check_online": "Supervised online, no identity check",
    "supervised_no_id_check_onsite": "Supervised on site, no identity check",
    "supervised_with_id_check": "Supervised with an identity check",
    "supervised_with_id_check_online": "Supervised online with an identity check",
    "supervised_with_id_check_onsite": "Supervised on site with an identity check",
    "workload_ects": "Workload (ECTS)",
    "not_applicable": "Not applicable",
    # roles
    "provider": "Provider",
    "reviewer": "Reviewer",
    "officer": "QA officer",
    "agency": "Agency",
    "admin": "Administrator",
}

#: ISCED-F 2013 broad and narrow fields, and the detailed fields reviewers most often hold.
ISCED_F: dict[str, str] = {
    "00": "Generic programmes and qualifications",
    "01": "Education",
    "02": "Arts and humanities",
    "03": "Social sciences, journalism and information",
    "04": "Business, administration and law",
    "05": "Natural sciences, mathematics and statistics",
    "06": "Information and communication technologies",
    "07": "Engineering, manufacturing and construction",
    "08": "Agriculture, forestry, fisheries and veterinary",
    "09": "Health and welfare",
    "10": "Services",
    "99": "Field unknown",
    "001": "Basic programmes and qualifications",
    "002": "Literacy and numeracy",
    "003": "Personal skills and development",
    "011": "Education",
    "021": "Arts",
    "022": "Humanities (except languages)",
    "023": "Languages",
    "031": "Social and behavioural sciences",
    "032": "Journalism and information",
    "041": "Business and administration",
    "042": "Law",
    "051": "Biological and related sciences",
    "052": "Environment",
    "053": "Physical sciences",
    "054": "Mathematics and statistics",
    "061": "Information and communication technologies",
    "071": "Engineering and engineering trades",
    "072": "Manufacturing and processing",
    "073": "Architecture and construction",
    "081": "Agriculture",
    "082": "Forestry",
    "083": "Fisheries",
    "084": "Veterinary",
    "091": "Health",
    "092": "Welfare",
    "101": "Personal services",
    "102": "Hygiene and occupational health services",
    "103": "Security services",
    "104": "Transport services",
    "0111": "Education science",
    "0114": "Teacher training with subject specialisation",
    "0311": "Economics",
    "0313": "Psychology",
    "0314": "Sociology and cultural studies",
    "0411": "Accounting and taxation",
    "0412": "Finance, banking and insurance",
    "0413": "Management and administration",
    "0414": "Marketing and advertising",
    "0417": "Work skills",
    "0421": "Law",
    "0521": "Environmental sciences",
    "0533": "Physics",
    "0541": "Mathematics",
    "0542": "Statistics",
    "0588": "Inter-disciplinary programmes (natural sciences, mathematics and statistics)",
    "0611": "Computer use",
    "0612": "Database and network design and administration",
    "0613": "Software and applications development and analysis",
    "0688": "Inter-disciplinary programmes involving ICTs",
    "0713": "Electricity and energy",
    "0714": "Electronics and automation",
    "0715": "Mechanics and metal trades",
    "0732": "Building and civil engineering",
    "0912": "Medicine",
    "0913": "Nursing and midwifery",
    "0923": "Social work and counselling",
    "1015": "Travel, tourism and leisure",
}


def label(value: object) -> str:
    """A decision, state or enum value in words (stages: `stage_name`, in the same style)."""
    text = str(value or "")
    if text in _LABELS:
        return _LABELS[text]
    for stage, name in STAGE_NAMES.items():
        if stage.value == text:
            return name
    words = text.replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def isced(code: object) -> str:
    """`0613 Software and applications development and analysis` (the nearest known field)."""
    text = str(code or "").strip()
    for length in (len(text), 3, 2):
        name = ISCED_F.get(text[:length])
        if name:
            return f"{text} {name}" if length == len(text) else f"{text} ({name})"
    return text


def ago(delta: timedelta | None) -> str:
    """'12 s', '3 min', '2 h', '4 days': how long, in the unit a person reads at a glance."""
    if delta is None:
        return "never"
    seconds = max(0, int(delta.total_seconds()))
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    if seconds < 2 * 86400:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} days"
