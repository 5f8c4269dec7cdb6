"""Conflict-of-interest heuristics: who may be too close to a provider to review it.

Hard conflicts exclude a reviewer; potential ones wait for an officer to confirm or
dismiss (with a reason). Plain functions over plain data, so the rules can be tested alone.

A reviewer whose institution (the account's or the profile's) is, once normalised, one of
the credential's awarding bodies has a hard conflict with that file (issue 12 §2: "same
institution as the provider or any awarding body"): `awarding_body_match` says so, and the
services check it wherever a reviewer is proposed or invited.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

LEGAL_WORDS = frozenset({"the", "of", "de", "do", "da", "and", "e", "inc", "ltd", "gmbh", "sa"})
HARD_TYPES = ("same_institution", "declared", "recorded", "co_designed")
POTENTIAL_TYPES = ("email_domain", "institution_name", "former_institution")
#: Domains that say nothing about an affiliation.
PUBLIC_MAIL = frozenset({"gmail.com", "outlook.com", "hotmail.com", "yahoo.com", "proton.me"})


def normalise_institution(name: str) -> str:
    """Case, accents, punctuation and filler words removed: `Universidade do Porto, U.P.`
    and `universidade porto up` are equal."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().casefold()
    words = re.sub(r"[^a-z0-9]+", " ", plain).split()
    return " ".join(w for w in words if w not in LEGAL_WORDS)


def email_domain(address: str) -> str | None:
    _, at, domain = address.strip().lower().rpartition("@")
    return domain if at and domain and domain not in PUBLIC_MAIL else None


def awarding_body_names(descriptor: Mapping[str, Any]) -> tuple[str, ...]:
    """The names of a descriptor's awarding bodies (as stored: a list of objects with a name)."""
    bodies = descriptor.get("awarding_bodies") or ()
    if not isinstance(bodies, list | tuple):
        return ()
    return tuple(
        str(body["name"]) for body in bodies if isinstance(body, dict) and body.get("name")
    )


def awarding_body_match(institutions: Iterable[str | None], bodies: Iterable[str]) -> str | None:
    """The first awarding body equal, after `normalise_institution`, to one of the reviewer's
    institutions (a hard conflict with the credential), or None."""
    own = {normalise_institution(name) for name in institutions if name} - {""}
    for body in bodies:
        if normalise_institution(body) in own:
            return body
    return None


@dataclass(frozen=True)
class ReviewerFacts:
    user_id: int
    email: str
    institution_id: int | None  # the account's institution, if any
    institution: str | None  # free text from the profile
    former_institutions: tuple[str, ...]


@dataclass(frozen=True)
class ProviderFacts:
    institution_id: int
    name: str
    staff_emails: tuple[str, ...]
    awarding_bodies: tuple[str, ...] = ()


@dataclass(frozen=True)
class Finding:
    reviewer_id: int
    institution_id: int
    conflict_type: str
    reason: str

    @property
    def hard(self) -> bool:
        return self.conflict_type in HARD_TYPES


def findings(
    reviewers: Iterable[ReviewerFacts], providers: Iterable[ProviderFacts]
) -> list[Finding]:
    """Every hard (same institution) and potential conflict between reviewers and providers."""
    provider_list = list(providers)
    out: list[Finding] = []
    for reviewer in reviewers:
        mine = email_domain(reviewer.email)
        own = normalise_institution(reviewer.institution or "")
        former = {normalise_institution(n) for n in reviewer.former_institutions} - {""}
        for provider in provider_list:
            pid = provider.institution_id
            names = {normalise_institution(n) for n in (provider.name, *provider.awarding_bodies)}
            names.discard("")
            if reviewer.institution_id == pid:
                reason = "the reviewer's account belongs to the provider"
                out.append(Finding(reviewer.user_id, pid, "same_institution", reason))
                continue
            if own and own in names:
                out.append(
                    Finding(
                        reviewer.user_id,
                        pid,
                        "institution_name",
                        f"profile institution {reviewer.institution!r} matches {provider.name!r}",
                    )
                )
            if former & names:
                out.append(
                    Finding(
                        reviewer.user_id,
                        pid,
                        "former_institution",
                        f"former institution matches {provider.name!r}",
                    )
                )
            staff = {email_domain(e) for e in provider.staff_emails} - {None}
            if mine and mine in staff:
                out.append(
                    Finding(
                        reviewer.user_id,
                        pid,
                        "email_domain",
                        f"e-mail domain {mine} is used by {provider.name}'s staff",
                    )
                )
    return out
