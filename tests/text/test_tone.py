"""Tone and gratitude on cases computed by hand from the method in docs/tone.md.

Weights come from lien/data/tone_*.txt; the score is tanh(S / 4) of the summed weights S.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lien.text import tone


def t(s: float) -> float:
    return round(math.tanh(s / 4), 4)


@pytest.mark.parametrize(
    ("text", "lang", "expected", "label"),
    [
        ("beau", "fr", t(2), "positive"),
        ("Pas beau", "fr", t(2 * -0.75), "negative"),
        ("très beau", "fr", t(2 * 1.5), "positive"),
        ("Ce n'est pas très beau", "fr", t(2 * 1.5 * -0.75), "negative"),
        # "pas mal" is a phrase of its own (French praise), not a negated "mal".
        ("pas mal", "fr", t(1.5), "positive"),
        ("pas terrible", "fr", t(-2), "negative"),
        ("not great", "en", t(2 * -0.75), "negative"),
        ("I don't love it", "en", t(3 * -0.75), "negative"),
        # Emoji are not negated by the words before them.
        ("not sure 😍", "en", t(3), "positive"),
        ("😍😍", None, t(6), "positive"),
        ("😡", None, t(-3), "negative"),
        # Capitals and stretched letters strengthen a word by 1.25.
        ("MAGNIFIQUE", "fr", t(3 * 1.25), "positive"),
        ("superrrr", "fr", t(2 * 1.25), "positive"),
        # Exclamation: 1 + 0.2 per mark, up to three.
        ("Beau !", "fr", t(2 * 1.2), "positive"),
        ("Beau !!!!!", "fr", t(2 * 1.6), "positive"),
        # A plain question keeps 0.3 of its praise, 0.7 of its complaint.
        ("C'est beau ?", "fr", t(2 * 0.3), "neutral"),
        ("C'est nul ?", "fr", t(-3 * 0.7), "negative"),
        ("C'est nul ??", "fr", t(-3 * 1.2), "negative"),
        # Contrast: before "mais" counts half, after it 1.5 times.
        ("Belle rando mais parking hors de prix", "fr", t(2 * 0.5 - 2.5 * 1.5), "negative"),
        ("Rainy but lovely", "en", t(2.5 * 1.5), "positive"),
        # A diminisher halves.
        ("un peu cher", "fr", t(-1 * 0.5), "neutral"),
        # Questions without tone words are neutral.
        ("Le parking est-il payant le dimanche ?", "fr", 0.0, "neutral"),
        ("", "fr", 0.0, "neutral"),
        # Links and mentions are not words; hashtags are.
        ("@magnifique https://nul.example #magnifique", "fr", t(3), "positive"),
    ],
)
def test_hand_computed_scores(text: str, lang: str | None, expected: float, label: str) -> None:
    got = tone.score(text, lang)
    assert got.score == pytest.approx(expected, abs=1e-4)
    assert got.label == label


@pytest.mark.parametrize(
    ("text", "lang", "grateful", "expected"),
    [
        ("Merci !", "fr", True, t(1.5)),
        ("merciiii", "fr", True, t(1.5)),
        ("Thank you 🙏", "en", True, t(1.5)),
        ("Mille mercis", "fr", True, t(1.5)),
        ("Grazie mille", "it", True, t(1.5)),
        # Thanks in advance are a formula: gratitude, with a small weight.
        ("C'est ouvert le lundi ? Merci d'avance", "fr", True, t(0.5)),
        # A request phrased with merci is not thanks.
        ("Merci de nous indiquer les horaires", "fr", False, 0.0),
        ("Merci de bien vouloir répondre", "fr", False, 0.0),
        # ...but thanks for something done is.
        ("Merci de votre réponse", "fr", True, t(1.5)),
        ("Merci de nous avoir répondu", "fr", True, t(1.5)),
        # Refusals and sarcasm are not thanks.
        ("Non merci", "fr", False, 0.0),
        ("No thanks", "en", False, 0.0),
        ("Merci pour rien", "fr", False, t(-3)),
        ("Thanks for nothing", "en", False, t(-3)),
    ],
)
def test_gratitude(text: str, lang: str, grateful: bool, expected: float) -> None:
    got = tone.score(text, lang)
    assert got.gratitude is grateful
    assert got.score == pytest.approx(expected, abs=1e-4)


def test_sarcasm_turns_praise_around() -> None:
    # super +2 and 🙄 -2; the eye-roll makes "super" mean -2: S = -4.
    got = tone.score("Super, encore fermé 🙄", "fr")
    assert got.score == pytest.approx(t(-4), abs=1e-4)
    # "Oh great," then a repetition cue (another) and a tone word (ruin -2.5): great → -2.
    got = tone.score("Oh great, another hotel to ruin the bay", "en")
    assert got.score == pytest.approx(t(-2 - 2.5), abs=1e-4)
    # The same praise without a negative cue stays praise.
    assert tone.score("Super, on arrive demain", "fr").label == "positive"
    # Ironic thanks are not gratitude.
    assert not tone.score("Oh great, no buses anymore. Thanks a lot.", "en").gratitude


def test_english_text_does_not_use_french_words() -> None:
    # "sale" is dirty in French, a discount in English.
    assert tone.score("sale", "fr").label == "negative"
    assert tone.score("sale", "en").score == 0.0


@given(st.text(max_size=200), st.sampled_from(["fr", "en", "de", None]))
def test_score_is_bounded_and_labelled_consistently(text: str, lang: str | None) -> None:
    got = tone.score(text, lang)
    assert -1.0 <= got.score <= 1.0
    assert got.label == tone.label_of(got.score)


def test_word_lists_are_well_formed() -> None:
    for lang in ("fr", "en"):
        lex = tone.lexicon(lang)
        weights = [*lex.words.values(), *lex.phrases.values(), *(w for _, w in lex.prefixes)]
        assert len(weights) > 150
        assert all(-3 <= w <= 3 for w in weights)
