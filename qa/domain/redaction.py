"""Taking people's identities out of free text before it leaves the QA office.

One engine for every boundary: audit packs (per-pack pseudonyms such as R01) and the pages
providers and agencies read ("Reviewer 2", "the QA office"). A person is found by their
e-mail address, its local part, their user name, their full display name, and each part of
their name of four letters or more written with a capital (so "Quaxworth" is found, the verb
"will" is not taken for "Will"). Matching ignores case (except for name parts), respects
word boundaries, and also finds a name typed without its accents ("Soren" for "Søren").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

_MIN_NEEDLE = 3
_MIN_NAME_PART = 4
_WORD = re.compile(r"\w+")
#: Letters that do not decompose into a base letter and an accent.
_LETTERS = str.maketrans(
    {"ø": "o", "Ø": "O", "æ": "ae", "Æ": "Ae", "ß": "ss", "ł": "l", "Ł": "L", "đ": "d", "Đ": "D"}
)


def without_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.translate(_LETTERS))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@dataclass(frozen=True)
class Identity:
    """What identifies one person in text, and what to write instead."""

    display_name: str
    username: str
    email: str
    replacement: str

    def needles(self) -> tuple[list[str], list[str]]:
        """(case-insensitive needles, case-sensitive name parts)."""
        loose: list[str] = []
        email = self.email.strip()
        for needle in (email, email.split("@", 1)[0], self.username, self.display_name):
            if len(needle.strip()) >= _MIN_NEEDLE:
                loose += _variants(needle.strip())
        parts = [
            word
            for word in _WORD.findall(self.display_name)
            if len(word) >= _MIN_NAME_PART and word[:1].isupper()
        ]
        strict = [variant for part in parts for variant in _variants(part)]
        return loose, strict


def _variants(needle: str) -> list[str]:
    plain = without_accents(needle)
    return [needle] if plain == needle else [needle, plain]


class Redactor:
    """Replaces every identity it knows in a text; the first identity given wins a needle."""

    def __init__(self, identities: Iterable[Identity]) -> None:
        self._loose: dict[str, str] = {}
        self._strict: dict[str, str] = {}
        for identity in identities:
            loose, strict = identity.needles()
            for needle in loose:
                self._loose.setdefault(needle.casefold(), identity.replacement)
            for needle in strict:
                self._strict.setdefault(needle, identity.replacement)
        self._starts = {
            words[0].casefold()
            for needle in [*self._loose, *self._strict]
            if (words := _WORD.findall(needle))
        }
        self._loose_pattern = _pattern(self._loose, re.IGNORECASE)
        self._strict_pattern = _pattern(self._strict, 0)

    def may_match(self, text: str) -> bool:
        """False when no word of the text starts a needle (the common, fast case)."""
        return bool(text) and not self._starts.isdisjoint(_WORD.findall(text.casefold()))

    def __call__(self, text: str) -> str:
        if not self.may_match(text):
            return text
        if self._loose_pattern is not None:
            text = self._loose_pattern.sub(
                lambda m: self._loose.get(m.group(0).casefold(), "[person]"), text
            )
        if self._strict_pattern is not None:
            text = self._strict_pattern.sub(
                lambda m: self._strict.get(m.group(0), "[person]"), text
            )
        return text


def _pattern(needles: dict[str, str], flags: int) -> re.Pattern[str] | None:
    if not needles:
        return None
    ordered = sorted(needles, key=lambda n: (-len(n), n))
    alternatives = "|".join(re.escape(n) for n in ordered)
    return re.compile(r"(?<!\w)(?:" + alternatives + r")(?!\w)", flags)
