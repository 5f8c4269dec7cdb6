"""All tables; importing this package registers them on `SQLModel.metadata`."""

from qa.persistence.models.access import AccessToken, SignInAttempt, WebSession
from qa.persistence.models.api_tokens import ApiToken
from qa.persistence.models.checkpoints import AuditCheckpoint
from qa.persistence.models.extensions import ExtensionRequest
from qa.persistence.models.org import Institution, User, UserRole
from qa.persistence.models.packs import AuditPack
from qa.persistence.models.profiles import ReviewerConflict, ReviewerProfile
from qa.persistence.models.records import AuditEntry, ImportRun, Notification, OutboxMessage
from qa.persistence.models.review import (
    Assignment,
    Condition,
    Decision,
    RubricVersion,
    Score,
    Scoresheet,
)
from qa.persistence.models.submission import (
    DescriptorVersion,
    StageChange,
    Submission,
    SubmissionRound,
)

__all__ = [
    "AccessToken",
    "ApiToken",
    "Assignment",
    "AuditCheckpoint",
    "AuditEntry",
    "AuditPack",
    "Condition",
    "Decision",
    "DescriptorVersion",
    "ExtensionRequest",
    "ImportRun",
    "Institution",
    "Notification",
    "OutboxMessage",
    "ReviewerConflict",
    "ReviewerProfile",
    "RubricVersion",
    "Score",
    "Scoresheet",
    "SignInAttempt",
    "StageChange",
    "Submission",
    "SubmissionRound",
    "User",
    "UserRole",
    "WebSession",
]
