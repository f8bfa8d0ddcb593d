"""Language of a message, offline, with lingua (its models ship inside the wheel).

The detector is restricted to the languages visitors of a French-speaking destination write
in: restricting it makes it faster and much more accurate on short texts than asking it to
choose among 75 languages. The full mode is used: on lien's labelled messages it is right
more often than the low-accuracy mode (docs/tone.md) for about 200 MB of memory and a second
of loading, paid once per process.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache
from typing import Any

from ..errors import LienError

# ISO 639-1 codes lien detects.
LANGUAGES: tuple[str, ...] = ("fr", "en", "es", "de", "it", "nl", "pt")
# Fewer letters than this and the guess is noise ("ok", "lol", an emoji).
MIN_LETTERS = 3
UNSURE_BELOW = 0.35
# From this many letters on, the low-accuracy mode (trigrams only) is used.
LONG_TEXT = 60
_LETTERS = re.compile(r"[^\W\d_]")
_STRIP = re.compile(r"https?://\S+|www\.\S+|(?<!\w)[@#][\w.]+")


@cache
def detector(low_accuracy: bool = False) -> Any:
    try:
        from lingua import IsoCode639_1, LanguageDetectorBuilder
    except ImportError:  # pragma: no cover - a dependency of lien
        raise LienError(
            "language detection needs lingua-language-detector: pip install lien again"
        ) from None
    codes = [getattr(IsoCode639_1, code.upper()) for code in LANGUAGES]
    builder = LanguageDetectorBuilder.from_iso_codes_639_1(*codes)
    if low_accuracy:
        builder = builder.with_low_accuracy_mode()
    return builder.with_preloaded_language_models().build()


def normalise(lang: str | None) -> str | None:
    """A source's language tag as lien stores it for grouping: fr-CA → fr, EN → en."""
    if not lang:
        return None
    primary = lang.strip().replace("_", "-").split("-")[0].lower()
    return primary or None


def clean(text: str | None) -> str:
    """The part of a text that tells its language: no links, mentions or hashtags."""
    return _STRIP.sub(" ", text or "")


def detect(text: str | None, prior: str | None = None, low_accuracy: bool = False) -> str | None:
    return detect_many([text], prior, low_accuracy)[0]


def detect_many(
    texts: Sequence[str | None], prior: str | None = None, low_accuracy: bool = False
) -> list[str | None]:
    """ISO 639-1 code per text; None when a text has too few letters to tell.

    When lingua is unsure (its best language under UNSURE_BELOW, as for « Top, merci ! »,
    which it takes for Italian), the text is too short to tell and `prior` (the workspace's
    language) is returned: most short messages to a destination are in its language.
    """
    bodies = [clean(text) for text in texts]
    letters = [len(_LETTERS.findall(body)) for body in bodies]
    out: list[str | None] = [None] * len(bodies)
    short = [i for i, n in enumerate(letters) if MIN_LETTERS <= n < LONG_TEXT]
    long = [i for i, n in enumerate(letters) if n >= LONG_TEXT]
    # Short texts need the full models (and a confidence, for the prior); long ones are told
    # apart as well by trigrams, six times faster. lingua spreads each call over every core.
    if short:
        rankings = detector(low_accuracy).compute_language_confidence_values_in_parallel(
            [bodies[i] for i in short]
        )
        for i, ranked in zip(short, rankings, strict=True):
            if not ranked:
                continue
            best = ranked[0]
            if best.value < UNSURE_BELOW and prior in LANGUAGES:
                out[i] = prior
            else:
                out[i] = best.language.iso_code_639_1.name.lower()
    if long:
        found = detector(True).detect_languages_in_parallel_of([bodies[i] for i in long])
        for i, language in zip(long, found, strict=True):
            out[i] = language.iso_code_639_1.name.lower() if language is not None else None
    return out
