"""Language detection on clear examples, and the prior for texts too short to tell."""

from __future__ import annotations

import pytest

from lien.text import language


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Bonjour, le marché de Noël est-il ouvert le dimanche matin ?", "fr"),
        ("Is the car park by the lake free in winter?", "en"),
        ("¿A qué hora abre la oficina de turismo el domingo?", "es"),
        ("Wunderschöne Gegend, wir kommen nächstes Jahr wieder!", "de"),
        ("Che posto meraviglioso, torneremo sicuramente", "it"),
        ("Prachtige wandeling, echt een aanrader voor gezinnen", "nl"),
        ("Muito caro e sujo, não recomendo a ninguém", "pt"),
        # Links, mentions and hashtags do not sway it.
        ("@TheOldHarbour #vacances https://example.org Lovely walk along the river today", "en"),
    ],
)
def test_clear_examples(text: str, lang: str) -> None:
    assert language.detect(text) == lang


def test_too_short_or_unsure() -> None:
    assert language.detect("ok") is None
    assert language.detect("😍😍😍") is None
    assert language.detect(None) is None
    # lingua alone takes « Top, merci ! » for Italian; unsure, it yields to the workspace's
    # language when one is given.
    assert language.detect("Top, merci !", prior="fr") == "fr"
    assert language.detect("Top, merci !", prior="en") == "en"


def test_normalise_source_tags() -> None:
    assert language.normalise("fr-CA") == "fr"
    assert language.normalise("EN_gb") == "en"
    assert language.normalise("") is None
    assert language.normalise(None) is None
