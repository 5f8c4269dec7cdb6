"""The outsiders' redactor is built once per session and institution, never shared across
institutions: a provider's own staff stay named for it and are scrubbed for another."""

from __future__ import annotations

from qa.services.review.disclosure import for_provider_mail
from tests.world import World


def test_one_redactor_per_session_and_institution(world: World) -> None:
    own = world.provider.institution_id
    assert own is not None
    text = "Inês Araújo asked Agnieszka for the evidence"
    with world.db.session() as session:
        for_own = for_provider_mail(session, own)
        for_other = for_provider_mail(session, own + 1000)
        assert for_own is for_provider_mail(session, own)  # built once in this session
        assert for_own is not for_other
        assert "Inês Araújo" in for_own(text) and "Agnieszka" not in for_own(text)
        assert "Inês" not in for_other(text) and "Agnieszka" not in for_other(text)
    with world.db.session() as session:  # a new session reads the accounts again
        assert for_provider_mail(session, own) is not for_own
