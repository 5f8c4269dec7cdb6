"""What people read on the forms names no standards or internal codes (BCP 47, ISO 3166-1,
not_applicable, internal_and_external): hints and messages say it in plain words."""

from __future__ import annotations

import html
import re
from typing import Any

from tests.web.test_provider_web import Web, form_of
from tests.world import World

JARGON = ("BCP 47", "ISO 3166", "alpha-2", "not_applicable", "YYYY", "ISCED-F 2013")
_SHOWN = re.compile(r'<p class="(?:hint|field-error|field-warning)"[^>]*>(.*?)</p>', re.S)
_CODE = re.compile(r"\b[a-z]+_[a-z_]+\b")  # a code with underscores (stand_alone, ...)


def shown_texts(page: str) -> list[str]:
    """The hints and messages of a page, as people read them."""
    return [html.unescape(re.sub(r"<[^>]+>", "", text)) for text in _SHOWN.findall(page)]


def assert_plain(texts: list[str]) -> None:
    for text in texts:
        assert not any(jargon in text for jargon in JARGON), text
        assert not _CODE.search(text), text


def test_the_descriptor_forms_hints_use_plain_words(web: Web, world: World) -> None:
    texts = shown_texts(web("ines").get("/submissions/new").text)
    assert len(texts) > 25  # every field's hint
    assert_plain(texts)
    joined = " ".join(texts)
    assert "two-letter code" in joined and "Internal, external, or both." in joined


def test_descriptor_messages_say_which_codes_to_use_in_plain_words(
    web: Web, world: World, good_descriptor: dict[str, Any]
) -> None:
    ines = web("ines")
    data = form_of(
        good_descriptor,
        title_language="english",
        issuer_countries="Atlantis",
        qa_type="accredited",
        stackability="maybe",
        eqf_level="11",
    )
    refused = ines.post("/submissions/new", data)
    assert refused.status_code == 422
    texts = shown_texts(refused.text)
    assert_plain(texts)
    joined = " ".join(texts)
    assert "a language code such as en, pt or de-AT" in joined
    assert "a two-letter country code such as PT or DE" in joined
    assert "internal, external or internal and external" in joined
    assert "“Not applicable”" in joined or "“not applicable”" in joined


def test_the_reviewer_profile_asks_for_language_codes_in_plain_words(
    web: Web, world: World
) -> None:
    reviewer = web("agnieszka")
    page = reviewer.get("/profile").text
    assert "BCP 47" not in page and "YYYY" not in page and "ISCED-F codes" not in page
    assert "Language codes such as en" in page
    refused = reviewer.post("/profile", {"languages": "english; pt", "unavailable": "July"})
    assert refused.status_code == 422
    assert "BCP 47" not in refused.text and "YYYY" not in refused.text
    assert "use codes such as en, pt or de-AT" in html.unescape(refused.text)
