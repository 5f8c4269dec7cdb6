"""Who is acting: a signed-in user, a CLI operator or the system itself."""

from __future__ import annotations

from dataclasses import dataclass, field

from qa.domain.enums import Role


@dataclass(frozen=True)
class Actor:
    label: str
    user_id: int | None = None
    roles: frozenset[Role] = field(default_factory=frozenset)

    @classmethod
    def system(cls, what: str) -> Actor:
        return cls(label=f"system: {what}")

    @classmethod
    def cli(cls, who: str) -> Actor:
        return cls(label=f"{who} (command line)", roles=frozenset({Role.ADMIN}))
