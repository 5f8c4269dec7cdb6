"""People in a pack: a per-pack pseudonym each, unless the agency is entitled to names.

Pseudonyms are numbered per role in order of first appearance in the packed data (reviewers by
their first invitation, everyone else by their first audited action), so they are stable within
a pack and the same data gives the same pseudonyms, but they do not follow a person from one
pack to another. Free text written by people (comments, rationales, the audit trail's before
and after values) is scrubbed of the names, usernames and e-mail addresses of everyone in the
pack, and user ids in the trail's values become pseudonyms too.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from qa.domain.redaction import Identity, Redactor

#: Keys of audit-entry values that hold a user id.
USER_ID_KEYS = frozenset(
    {
        "actor_id",
        "created_by",
        "invited_by",
        "met_by",
        "reviewer_id",
        "signed_by",
        "submitted_by",
        "updated_by",
        "user_id",
    }
)
#: Pseudonym prefix per kind of person, in numbering order.
PREFIXES = {"reviewer": "R", "officer": "O", "provider": "P", "admin": "A", "user": "U"}
_REMEMBERED = 50_000  # scrubbed texts kept (comments repeat a lot)


def in_pack_order(name: str) -> tuple[int, str, int, str]:
    """Sort key for how a pack names people: pseudonyms by kind, then by number (R9, R10,
    R100, not R10, R100, R9 as text); names, in a pack that names people, after them."""
    if len(name) > 1 and name[0] in PREFIXES.values() and name[1:].isascii() and name[1:].isdigit():
        return (0, name[0], int(name[1:]), name)
    return (1, "", 0, name)


def _dumps(value: Any) -> str:
    """JSON as the database layer writes it (keys in their order), but unescaped."""
    return json.dumps(value, ensure_ascii=False)


@dataclass(frozen=True)
class Person:
    user_id: int
    kind: str  # a key of PREFIXES
    display_name: str
    username: str
    email: str


class People:
    """Who is who in one pack: `name(user_id)` for cells, `scrub(text)` for free text."""

    def __init__(
        self,
        people: Iterable[Person],
        *,
        reveal: bool,
        lookup: Callable[[int], Person | None] = lambda _id: None,
        bystanders: Iterable[Person] = (),
    ) -> None:
        self.reveal = reveal
        self._lookup = lookup
        self._people: dict[int, Person] = {}
        self._names: dict[int, str] = {}
        self._counts = dict.fromkeys(PREFIXES, 0)
        for person in people:
            self._add(person)
        #: Everyone else the office knows: never in the pack, but never named in it either.
        self._bystanders = tuple(bystanders)
        self._redactor: Redactor | None = None
        self._scrubbed: dict[str, str] = {}
        self._dirty = True

    def _add(self, person: Person) -> str:
        self._people[person.user_id] = person
        self._counts[person.kind] += 1
        pseudonym = f"{PREFIXES[person.kind]}{self._counts[person.kind]:02d}"
        self._names[person.user_id] = person.display_name if self.reveal else pseudonym
        self._dirty = True
        return self._names[person.user_id]

    def name(self, user_id: int | None) -> str:
        """How the pack names this person ("" for nobody)."""
        if user_id is None:
            return ""
        known = self._names.get(user_id)
        if known is not None:
            return known
        found = self._lookup(user_id)
        return self._add(found or Person(user_id, "user", "", "", ""))

    @property
    def pseudonyms(self) -> dict[str, str]:
        """Pseudonym -> kind of person, for the README (empty when people are named)."""
        if self.reveal:
            return {}
        return {self._names[uid]: p.kind for uid, p in self._people.items()}

    # -- free text ----------------------------------------------------------------------------

    def scrub(self, text: str | None) -> str | None:
        """Replace any person's name, username or e-mail in the text by how the pack names them."""
        if not text or self.reveal:
            return text
        known = self._scrubbed.get(text)
        if known is not None:
            return known
        found = self._compiled()(text)
        if len(self._scrubbed) >= _REMEMBERED:
            self._scrubbed.clear()
        self._scrubbed[text] = found
        return found

    def scrub_cell(self, text: str) -> str:
        """The pack writer's boundary: every text cell of every sheet passes through here."""
        return self.scrub(text) or text

    def scrub_json_text(self, text: str | None) -> str | None:
        """JSON text as stored, scrubbed; parsed and written again only when it must change.

        It is parsed when it may hold a user id (a key ending in _id or _by), escaped
        characters (a name could hide behind them) or a word that starts a name.
        """
        if text is None or text == "null" or self.reveal:
            return None if text == "null" else text
        if '_id"' in text or '_by"' in text or "\\u" in text or self._compiled().may_match(text):
            return _dumps(self.scrub_json(json.loads(text)))
        return text

    def scrub_json(self, value: Any) -> Any:
        """Scrub strings in a JSON value, and turn user ids under USER_ID_KEYS into names."""
        if self.reveal:
            return value
        if isinstance(value, dict):
            return {
                key: (
                    self.name(item)
                    if key in USER_ID_KEYS and isinstance(item, int)
                    else self.scrub_json(item)
                )
                for key, item in value.items()
            }
        if isinstance(value, list):
            return [self.scrub_json(item) for item in value]
        if isinstance(value, str):
            return self.scrub(value)
        return value

    def _compiled(self) -> Redactor:
        if self._redactor is None or self._dirty:
            named = [
                Identity(p.display_name, p.username, p.email, self._names[uid])
                for uid, p in self._people.items()
            ]
            others = [
                Identity(p.display_name, p.username, p.email, "[person]")
                for p in self._bystanders
                if p.user_id not in self._people
            ]
            self._redactor = Redactor([*named, *others])
            self._scrubbed.clear()
            self._dirty = False
        return self._redactor
