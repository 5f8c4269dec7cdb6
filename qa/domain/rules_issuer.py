"""Annex I rules about who issues the credential: countries, awarding bodies, languages."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlparse

from qa.domain.enums import (
    IdentifierScheme,
)
from qa.domain.value_checks import SHORT_TEXT, Checker, describe, is_blank

_NUTS = re.compile(r"^([A-Z]{2})[0-9A-Z]{1,3}$")
_ESCO = re.compile(
    r"^http://data\.europa\.eu/esco/skill/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
)
_ISCED_BROAD = {"00", "01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "99"}
_IDENTIFIER_FORMATS: dict[IdentifierScheme, tuple[re.Pattern[str], str]] = {
    IdentifierScheme.PIC: (re.compile(r"^\d{9}$"), "nine digits"),
    IdentifierScheme.VAT: (
        re.compile(r"^[A-Z]{2}[0-9A-Z+*.]{2,12}$"),
        "a country prefix and 2-12 characters, e.g. PT501234567",
    ),
    IdentifierScheme.ROR: (
        re.compile(r"^(https://ror\.org/)?0[a-z0-9]{6}[0-9]{2}$"),
        "a ROR id such as https://ror.org/03yrm5c26",
    ),
    IdentifierScheme.DEQAR: (re.compile(r"^DEQARINST\d{4,}$"), "DEQARINST followed by digits"),
    IdentifierScheme.ERASMUS: (
        re.compile(r"^[A-Z]{1,3}\s+[A-Z\-]{1,12}\d{2}$"),
        "country letters, city and two digits, e.g. P  VIANA01",
    ),
}


def language(c: Checker, key: str, value: object) -> str | None:
    text = c.text(key, value, max_len=35)
    return c.language(key, text) if text else None


def languages(c: Checker, value: object) -> list[str] | None:
    items = c.text_list("language", value, max_items=10)
    if not items:
        return None
    found = [c.language("language", item) for item in items]
    return [tag for tag in dict.fromkeys(found) if tag]


def esco(c: Checker, value: object) -> list[str] | None:
    items = c.text_list("esco_skills", value, max_items=100)
    for item in items or []:
        if not _ESCO.match(item):
            c.error(
                "esco_skills",
                "bad_uri",
                f"{describe(item)} is not an ESCO skill URI "
                "(http://data.europa.eu/esco/skill/<uuid>).",
            )
    return items


def countries(c: Checker, countries: object, regions: object) -> dict[str, Any]:
    codes = c.text_list("issuer_countries", countries, required=True, max_items=30) or []
    found = [c.country("issuer_countries", code) for code in codes]
    clean = [code for code in dict.fromkeys(found) if code]
    nuts = c.text_list("issuer_regions", regions, max_items=30) or []
    clean_nuts: list[str] = []
    for region in nuts:
        match = _NUTS.match(region.upper())
        if not match:
            c.error(
                "issuer_regions",
                "bad_nuts",
                f"{describe(region)} is not a NUTS code "
                "(two letters and up to three characters, e.g. PT11).",
            )
            continue
        prefix = {"EL": "GR", "UK": "GB"}.get(match.group(1), match.group(1))
        if clean and prefix not in clean:
            c.warn(
                "issuer_regions",
                "region_country",
                f"Region {region.upper()} is not in the issuer's countries ({', '.join(clean)}).",
            )
        clean_nuts.append(region.upper())
    return {"issuer_countries": clean or None, "issuer_regions": clean_nuts}


def awarding_bodies(c: Checker, value: object) -> list[dict[str, Any]] | None:
    key = "awarding_bodies"
    if is_blank(value) or value == []:
        c.missing(key)
        return None
    if not isinstance(value, list | tuple):
        c.error(
            key,
            "type",
            f"Awarding body(ies) must be a list of organisations, not {describe(value)}.",
        )
        return None
    bodies = []
    for n, body in enumerate(value, start=1):
        where = f"no. {n}"
        if not isinstance(body, Mapping):
            c.error(
                key,
                "type",
                f"Awarding body {where} must have a name and identifiers, not {describe(body)}.",
            )
            continue
        name = c.text(
            key,
            body.get("name"),
            required=True,
            min_len=2,
            max_len=SHORT_TEXT,
            where=f"{where}, legal name",
        )
        identifiers = _identifiers(c, body.get("identifiers"), f"{where} ({name or '?'})")
        if name and identifiers:
            bodies.append({"name": name, "identifiers": identifiers})
    return bodies or None


def _identifiers(c: Checker, value: object, where: str) -> list[dict[str, str]] | None:
    key = "awarding_bodies"
    if is_blank(value) or value == [] or not isinstance(value, list | tuple):
        c.error(
            key,
            "no_identifier",
            f"Awarding body {where} needs at least one identifier "
            "(national registration, VAT, eIDAS, Erasmus code, PIC, ROR or DEQAR id).",
        )
        return None
    clean = []
    for item in value:
        entry = item if isinstance(item, Mapping) else {"scheme": item}
        scheme_raw, raw = entry.get("scheme"), entry.get("value")
        if is_blank(scheme_raw) or is_blank(raw):
            c.error(
                key,
                "incomplete_identifier",
                f"Awarding body {where}: each identifier needs a scheme and a value, "
                "e.g. pic:912345678.",
            )
            continue
        scheme = c.choice(key, scheme_raw, IdentifierScheme, where=f" {where}, identifier scheme")
        text = c.text(key, raw, max_len=200, where=f"{where}, identifier")
        if scheme is None or text is None:
            continue
        if scheme in _IDENTIFIER_FORMATS:
            pattern, expected = _IDENTIFIER_FORMATS[scheme]
            if not pattern.match(text):
                c.error(
                    key,
                    "bad_identifier",
                    f"Awarding body {where}: {scheme.value} {describe(text)} should be {expected}.",
                )
                continue
        clean.append({"scheme": scheme.value, "value": text})
    return clean or None


def further_information(c: Checker, value: object) -> str | None:
    text = c.text("further_information", value, max_len=2_000)
    if text and text.lower().startswith(("http://", "https://")):
        parsed = urlparse(text)
        if not parsed.netloc or " " in text:
            c.error(
                "further_information", "bad_url", f"{describe(text)} is not a valid web address."
            )
            return None
    return text


def field_of_study(c: Checker, value: object) -> str | None:
    text = c.text("field_of_study", value, max_len=4)
    if text is None:
        return None
    if not (re.fullmatch(r"[0-9]{2,4}", text) and text[:2] in _ISCED_BROAD):
        lost_zero = isinstance(value, int | float) and len(text) in (1, 3)
        hint = (
            " A leading zero was lost: format the cell as text and write 0" + text + "."
            if lost_zero
            else ""
        )
        c.error(
            "field_of_study",
            "bad_isced",
            f"{describe(text)} is not an ISCED-F 2013 code (2 to 4 digits, e.g. 06 or 0613)."
            + hint,
        )
        return None
    return text
