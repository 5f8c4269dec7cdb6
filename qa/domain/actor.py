"""Who is acting: a signed-in user, a CLI operator or the system itself."""

from __future__ import annotations

from dataclasses import dataclass, field

from qa.domain.enums import Role


@dataclass(frozen=True)
class Actor:
    label: str
    user_id: int | None = None
    roles: frozenset[Role] = field(default_factory=frozenset)
    #: The provider institution a provider acts for (None for everyone else).
    institution_id: int | None = None

    @property
    def role_names(self) -> frozenset[str]:
        return frozenset(role.value for role in self.roles) | (
            {"system"} if self.is_system else set()
        )

    @property
    def is_system(self) -> bool:
        return self.label.startswith("system: ")

    @classmethod
    def system(cls, what: str) -> Actor:
        return cls(label=f"system: {what}")

    @classmethod
    def cli(cls, who: str) -> Actor:
        """The machine's operator: an administrator who may also act as a QA officer."""
        return cls(label=f"{who} (command line)", roles=frozenset({Role.ADMIN, Role.OFFICER}))
