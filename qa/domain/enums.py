"""Controlled vocabularies of the Annex I descriptor and of the review process."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    PROVIDER = "provider"
    REVIEWER = "reviewer"
    OFFICER = "officer"
    AGENCY = "agency"
    ADMIN = "admin"


class Stage(StrEnum):
    """Where a submission is in the review lifecycle (transition rules live in `stages`)."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    SELF_ASSESSMENT = "self_assessment"
    SCREENING = "screening"
    PEER_REVIEW = "peer_review"
    MODERATION = "moderation"
    SIGN_OFF = "sign_off"
    APPROVED = "approved"
    APPROVED_WITH_CONDITIONS = "approved_with_conditions"
    REJECTED = "rejected"
    REVISE_AND_RESUBMIT = "revise_and_resubmit"
    WITHDRAWN = "withdrawn"


class QfEheaCycle(StrEnum):
    SHORT = "short"
    FIRST = "first"
    SECOND = "second"
    THIRD = "third"


#: The EQF level each QF-EHEA cycle corresponds to.
CYCLE_EQF: dict[QfEheaCycle, int] = {
    QfEheaCycle.SHORT: 5,
    QfEheaCycle.FIRST: 6,
    QfEheaCycle.SECOND: 7,
    QfEheaCycle.THIRD: 8,
}


class AssessmentType(StrEnum):
    WRITTEN_EXAM = "written_exam"
    ORAL_EXAM = "oral_exam"
    PROJECT = "project"
    PORTFOLIO = "portfolio"
    PRACTICAL_DEMONSTRATION = "practical_demonstration"
    PRIOR_LEARNING_ASSESSMENT = "prior_learning_assessment"
    OTHER = "other"


class ParticipationForm(StrEnum):
    ONLINE = "online"
    ONSITE = "onsite"
    BLENDED = "blended"


class QaType(StrEnum):
    INTERNAL = "internal"
    EXTERNAL = "external"
    INTERNAL_AND_EXTERNAL = "internal_and_external"


class Supervision(StrEnum):
    UNSUPERVISED_NO_ID_CHECK = "unsupervised_no_id_check"
    SUPERVISED_NO_ID_CHECK = "supervised_no_id_check"
    SUPERVISED_NO_ID_CHECK_ONLINE = "supervised_no_id_check_online"
    SUPERVISED_NO_ID_CHECK_ONSITE = "supervised_no_id_check_onsite"
    SUPERVISED_WITH_ID_CHECK = "supervised_with_id_check"
    SUPERVISED_WITH_ID_CHECK_ONLINE = "supervised_with_id_check_online"
    SUPERVISED_WITH_ID_CHECK_ONSITE = "supervised_with_id_check_onsite"


class Stackability(StrEnum):
    STAND_ALONE = "stand_alone"
    STACKABLE = "stackable"


class IdentifierScheme(StrEnum):
    """Identifier schemes accepted for an awarding body."""

    NATIONAL = "national"
    VAT = "vat"
    EIDAS = "eidas"
    ERASMUS = "erasmus"
    PIC = "pic"
    ROR = "ror"
    DEQAR = "deqar"
