"""Tone of a message from lien's own French and English word lists and a few rules.

The method (docs/tone.md tells it in full, with its measured accuracy and its limits):

1. The text is folded (lower case, no accents, no links or mentions, hashtags as words,
   letters repeated three times or more shortened) and cut into words, emoji and punctuation.
2. Every phrase or word of the lexicon found (longest phrase first) adds its weight, from -3
   to 3, changed by the words before it in the same clause: an intensifier (très, really)
   multiplies it by 1.5, a diminisher (un peu, slightly) by 0.5, a negation (pas, never) by
   -0.75 (emoji are never negated); a word in capitals or stretched (superrr) by 1.25.
3. In a message with a contrast (mais, but), what comes before the last one counts half and
   what follows counts 1.5 times. A sentence that is a plain question counts 0.3 when it leans
   positive (asking whether it is nice is not saying it is), 0.7 when it leans negative
   (complaints are often asked: « Comment peut-on laisser ça à l'abandon ? »). Exclamation marks strengthen their sentence (up to 1.6 times).
4. Irony: a sarcasm opener (« Super, encore… », "Oh great, another…") or an eye-roll emoji in
   a message with a negative cue turns the praise words into their opposite.
5. Thanks (merci, thank you, 🙏) count as gratitude and add 1.5, unless they are a refusal
   (non merci), sarcasm (merci pour rien) or a request (« merci de nous indiquer… »).
6. The sum S becomes a score tanh(S / 4) in [-1, 1]; the label is positive at
   POSITIVE_AT or more, negative at NEGATIVE_AT or less, neutral between.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib import resources
from typing import Literal

# Bump when a word list or a rule changes: stored annotations of another version are redone.
METHOD = "lexicon-1"

Label = Literal["positive", "neutral", "negative"]
POSITIVE_AT = 0.2
NEGATIVE_AT = -0.2
SCALE = 4.0
INTENSIFY = 1.5
DIMINISH = 0.5
NEGATE = -0.75
EMPHASIS = 1.25
GRATITUDE_WEIGHT = 1.5
IN_ADVANCE_WEIGHT = 0.5
BEFORE_CONTRAST = 0.5
AFTER_CONTRAST = 1.5
QUESTION = 0.3
QUESTION_NEGATIVE = 0.7
NEGATION_SCOPE = 3
MAX_PHRASE = 5


@dataclass(frozen=True, slots=True)
class Tone:
    score: float
    label: Label
    gratitude: bool


# -- text folding ---------------------------------------------------------------------------

_URL = re.compile(r"https?://\S+|www\.\S+")
_MENTION = re.compile(r"(?<!\w)@[\w.]+")
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'"})
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "Œ": "OE", "Æ": "AE"})
_EMOTICON = r"(?:[:;]'?-?[()dDpP]|<3)"
_TOKEN = re.compile(
    rf"(?P<emo>{_EMOTICON})"
    r"|(?P<num>10/10)"
    r"|(?P<word>[^\W\d_]+(?:[-'][^\W\d_]+)*|\d+)"
    r"|(?P<punct>[!?.…]+|[,;:()\n])"
    r"|(?P<sym>[\u2600-\u27bf\u2b00-\u2bff\U0001f000-\U0001faff])"
)
_SKIN_AND_SELECTORS = re.compile("[\ufe0f\ufe0e\u200d\U0001f3fb-\U0001f3ff]")
_STRETCH = re.compile(r"([^\W\d_])\1{2,}")


def fold(word: str) -> str:
    """Lower case without accents: the form every list entry and every word is compared in."""
    word = word.translate(_LIGATURES).lower()
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@dataclass(slots=True)
class Token:
    text: str  # folded
    kind: str  # word | emo | punct
    emphasis: bool = False  # written in capitals or stretched


def tokenize(text: str) -> list[Token]:
    text = _MENTION.sub(" ", _URL.sub(" ", text.translate(_APOSTROPHES)))
    text = text.replace("#", " ")
    text = _SKIN_AND_SELECTORS.sub("", text)
    tokens: list[Token] = []
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup or "word"
        raw = m.group()
        if kind == "word":
            parts, emphasis = _word(raw)
            tokens.extend(Token(part, "word", emphasis) for part in parts)
        elif kind in ("emo", "num", "sym"):
            tokens.append(Token(raw, "emo"))
        else:
            tokens.append(Token(raw.replace("…", "..."), "punct"))
    return tokens


@lru_cache(maxsize=200_000)
def _word(raw: str) -> tuple[tuple[str, ...], bool]:
    """A written word's folded parts and whether it is emphasised (capitals, stretched)."""
    folded = fold(raw)
    emphasis = (len(raw) >= 3 and raw.isupper()) or bool(_STRETCH.search(folded))
    # "n't" is a negation of its own; French elisions (j', n', qu') stay separate words.
    return tuple(_split_word(folded)), emphasis


def _split_word(folded: str) -> list[str]:
    out: list[str] = []
    for piece in folded.split("'"):
        if not piece:
            continue
        if piece == "t" and out and out[-1].endswith("n"):  # don't → do not
            out[-1] = out[-1][:-1]
            out.append("not")
            continue
        out.append(piece)
    return out


def _destretch(word: str) -> list[str]:
    """A stretched word and its shorter spellings: superrr → superr, super."""
    two = _STRETCH.sub(r"\1\1", word)
    one = _STRETCH.sub(r"\1", word)
    return [w for w in dict.fromkeys((word, two, one))]


# -- resources ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Lexicon:
    words: dict[str, float]
    prefixes: tuple[tuple[str, float], ...]
    phrases: Phrases
    # Every word looked up, with its weight or None: words repeat across messages.
    seen: dict[str, float | None] = field(default_factory=dict, compare=False)

    def word(self, w: str) -> float | None:
        if w in self.seen:
            return self.seen[w]
        found = self._lookup(w)
        if len(self.seen) < 500_000:
            self.seen[w] = found
        return found

    def _lookup(self, w: str) -> float | None:
        for form in _destretch(w):
            if form in self.words:
                return self.words[form]
            for prefix, weight in self.prefixes:
                if form.startswith(prefix):
                    return weight
        return None


def _entry_tokens(entry: str) -> tuple[str, ...]:
    return tuple(t.text for t in tokenize(entry))


def _read_list(name: str) -> list[tuple[str, float]]:
    text = resources.files("lien.data").joinpath(name).read_text(encoding="utf-8")
    out = []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        entry, sep, weight = line.rpartition("\t")
        if not sep:
            raise ValueError(f"lien/data/{name}, line {n}: expected 'entry<TAB>weight'")
        out.append((entry.strip(), float(weight)))
    return out


@cache
def lexicon(lang: str) -> Lexicon:
    words: dict[str, float] = {}
    prefixes: list[tuple[str, float]] = []
    phrases = Phrases()
    for entry, weight in _read_list(f"tone_{lang}.txt") + _read_list("tone_emoji.txt"):
        if entry.endswith("*") and " " not in entry:
            prefixes.append((fold(entry[:-1]), weight))
            continue
        toks = _entry_tokens(entry) or (entry,)
        if len(toks) == 1:
            words[toks[0]] = weight
        else:
            phrases[toks] = weight
    prefixes.sort(key=lambda p: -len(p[0]))
    return Lexicon(words, tuple(prefixes), phrases)


@cache
def rules() -> dict[str, object]:
    data = json.loads(resources.files("lien.data").joinpath("tone_rules.json").read_text("utf-8"))
    assert isinstance(data, dict)
    return data


def _phrases(values: Iterable[str]) -> frozenset[tuple[str, ...]]:
    return frozenset(_entry_tokens(v) for v in values if _entry_tokens(v))


@dataclass(frozen=True)
class Rules:
    negators: frozenset[str]
    cancellers: frozenset[str]
    intensifiers: frozenset[str]
    diminishers: frozenset[tuple[str, ...]]
    contrast: frozenset[tuple[str, ...]]
    sarcasm_openers: frozenset[tuple[str, ...]]
    sarcasm_prefixes: frozenset[tuple[str, ...]]
    sarcasm_markers: frozenset[str]
    repetition: frozenset[tuple[str, ...]]
    gratitude: frozenset[tuple[str, ...]]
    refusals: frozenset[tuple[str, ...]]
    request_heads: frozenset[tuple[str, ...]]
    request_exceptions: frozenset[str]
    in_advance: frozenset[tuple[str, ...]]


@cache
def language_rules(lang: str) -> Rules:
    r = rules()

    def per_lang(key: str) -> list[str]:
        table = r[key]
        assert isinstance(table, dict)
        langs = (lang,) if lang in table else tuple(table)
        return [w for code in langs for w in table[code]]

    def plain(key: str) -> list[str]:
        values = r[key]
        assert isinstance(values, list)
        return values

    return Rules(
        negators=frozenset(fold(w) for w in per_lang("negators")),
        cancellers=frozenset(per_lang("negation_cancellers")),
        intensifiers=frozenset(per_lang("intensifiers")),
        diminishers=_phrases(per_lang("diminishers")),
        contrast=_phrases(per_lang("contrast")),
        sarcasm_openers=_phrases(per_lang("sarcasm_openers")),
        sarcasm_prefixes=_phrases(plain("sarcasm_prefixes")),
        sarcasm_markers=frozenset(plain("sarcasm_markers")),
        repetition=_phrases(per_lang("repetition_cues")),
        gratitude=_phrases(plain("gratitude")),
        refusals=_phrases(plain("gratitude_refusals")),
        request_heads=_phrases(plain("gratitude_request_heads")),
        request_exceptions=frozenset(plain("gratitude_request_exceptions")),
        in_advance=_phrases(plain("gratitude_in_advance")),
    )


# -- scoring --------------------------------------------------------------------------------


@dataclass(slots=True)
class _Hit:
    start: int
    end: int
    weight: float
    sentence: int
    words: tuple[str, ...]


@cache
def _first_words(table: frozenset[tuple[str, ...]] | Phrases) -> frozenset[str]:
    return frozenset(entry[0] for entry in table)


class Phrases(dict[tuple[str, ...], float]):
    """Multi-word entries; hashable by identity so their first words can be cached."""

    __hash__ = object.__hash__  # type: ignore[assignment]


def _match(words: list[str], i: int, table: frozenset[tuple[str, ...]] | Phrases) -> int:
    """Length of the longest entry of `table` starting at words[i] (0 when none)."""
    if i >= len(words) or words[i] not in _first_words(table):
        return 0
    for n in range(min(MAX_PHRASE, len(words) - i), 0, -1):
        if tuple(words[i : i + n]) in table:
            return n
    return 0


def _lexicons(lang: str | None) -> tuple[Lexicon, ...]:
    # French posts borrow English praise (top, nice, love); English posts rarely borrow
    # French words, and some French words mean something else in English (sale, pain).
    if lang == "en":
        return (lexicon("en"),)
    return (lexicon("fr"), lexicon("en"))


def score(text: str | None, lang: str | None = None) -> Tone:
    """The tone of one message. `lang` picks the word lists (fr, en; others use both)."""
    if not text or not text.strip():
        return Tone(0.0, "neutral", False)
    tokens = tokenize(text)
    rule = language_rules(lang if lang in ("fr", "en") else "any")
    lexicons = _lexicons(lang)
    words = [t.text for t in tokens]
    short = [_STRETCH.sub(r"\1", w) for w in words]  # merciiii → merci

    # Sentences (for questions and exclamations) and clauses (for negation scope).
    sentence_of: list[int] = []
    sentence_end: list[str] = []
    current = 0
    for t in tokens:
        sentence_of.append(current)
        if t.kind == "punct" and any(c in t.text for c in "!?.\n"):
            sentence_end.append(t.text)
            current += 1
    sentence_end.append("")

    hits: list[_Hit] = []
    gratitude_hits: list[_Hit] = []
    contrast_at = -1
    i = 0
    while i < len(tokens):
        n = _match(words, i, rule.contrast)
        if n:
            contrast_at = i
            i += n
            continue
        n = _match(short, i, rule.gratitude)
        if n:
            gratitude_hits.append(_Hit(i, i + n, 0.0, sentence_of[i], tuple(words[i : i + n])))
        best: tuple[int, float] | None = None
        for lex in lexicons:
            n = _match(words, i, lex.phrases)
            if n > 1:
                best = (n, lex.phrases[tuple(words[i : i + n])])
                break
        if best is None and tokens[i].kind in ("word", "emo"):
            for lex in lexicons:
                w = lex.word(words[i])
                if w is not None:
                    best = (1, w)
                    break
        if best is None:
            i += 1
            continue
        n, weight = best
        # An intensifier directly before a tone word is a modifier, not praise of its own
        # ("super beau", "trop cher").
        if n == 1 and words[i] in rule.intensifiers and i + 1 < len(tokens):
            nxt = words[i + 1]
            if any(lex.word(nxt) is not None for lex in lexicons) or _match(
                words, i + 1, lexicons[0].phrases
            ):
                i += 1
                continue
        weight *= _modifiers(tokens, words, i, rule, hits[-1].end if hits else 0)
        if any(tokens[k].emphasis for k in range(i, i + n)):
            weight *= EMPHASIS
        hits.append(_Hit(i, i + n, weight, sentence_of[i], tuple(words[i : i + n])))
        i += n

    gratitude, thanks_weight = _gratitude(short, gratitude_hits, rule)
    sarcastic = _sarcastic(tokens, words, hits, rule)
    if sarcastic:
        gratitude = False
        thanks_weight = 0.0
        for h in hits:
            if h.weight > 0:
                h.weight = -h.weight

    total = 0.0
    by_sentence: dict[int, float] = {}
    for h in hits:
        w = h.weight
        if contrast_at >= 0:
            w *= BEFORE_CONTRAST if h.start < contrast_at else AFTER_CONTRAST
        by_sentence[h.sentence] = by_sentence.get(h.sentence, 0.0) + w
    for s, value in by_sentence.items():
        end = sentence_end[s] if s < len(sentence_end) else ""
        bangs = end.count("!")
        if "?" in end and bangs == 0 and end.count("?") == 1:
            value *= QUESTION if value > 0 else QUESTION_NEGATIVE
        elif bangs or end.count("?") > 1:
            value *= 1 + 0.2 * min(bangs + max(end.count("?") - 1, 0), 3)
        total += value
    total += thanks_weight
    value = math.tanh(total / SCALE)
    return Tone(round(value, 4), label_of(value), gratitude)


def label_of(value: float) -> Label:
    if value >= POSITIVE_AT:
        return "positive"
    if value <= NEGATIVE_AT:
        return "negative"
    return "neutral"


def _clause_break(t: Token) -> bool:
    return t.kind == "punct"


def _modifiers(tokens: list[Token], words: list[str], i: int, rule: Rules, floor: int) -> float:
    """Multiplier from the words just before words[i], within its clause and after the
    previous tone word (a negation applies to the first tone word that follows it)."""
    factor = 1.0
    negated = False
    # Emoji are not in the scope of words; a phrase that holds its negation ("pas terrible",
    # "not impressed") already carries its sign.
    negatable = tokens[i].kind == "word" and words[i] not in rule.negators
    boosts = 0
    j = i - 1
    while j >= floor and i - j <= NEGATION_SCOPE and not _clause_break(tokens[j]):
        w = words[j]
        if i - j <= 3 and j > floor and (words[j - 1], w) in rule.diminishers:
            factor *= DIMINISH  # "un peu cher": not the negation "peu"
            j -= 2
            continue
        if w in rule.negators and negatable:
            window = words[j + 1 : i]
            if not any(c in rule.cancellers for c in window) or any(
                x in rule.negators for x in window
            ):
                negated = True
        elif w in rule.intensifiers and boosts < 2 and i - j <= 2:
            factor *= INTENSIFY
            boosts += 1
        elif i - j <= 2 and (
            (w,) in rule.diminishers or (j > 0 and (words[j - 1], w) in rule.diminishers)
        ):
            factor *= DIMINISH
        j -= 1
    # "jamais vu aussi beau", "never seen such a beautiful place": a comparison, not a denial.
    between = words[max(0, i - NEGATION_SCOPE) : i]
    if negated and any(x in ("vu", "seen") for x in between):
        return factor * INTENSIFY
    return factor * NEGATE if negated else factor


def _gratitude(words: list[str], hits: list[_Hit], rule: Rules) -> tuple[bool, float]:
    thanked = False
    weight = 0.0
    for h in hits:
        s = h.start
        if any(_match(words, k, rule.refusals) for k in range(max(0, s - 1), s + 1)):
            continue
        if any(tuple(words[s : s + len(p)]) == p for p in rule.in_advance) or (
            s + 3 <= len(words) and words[s + 1 : s + 3] == ["a", "l"]
        ):
            thanked = True
            weight = max(weight, IN_ADVANCE_WEIGHT)
            continue
        if _is_request(words, s, rule):
            continue
        thanked = True
        weight = GRATITUDE_WEIGHT
    return thanked, weight


def _is_request(words: list[str], s: int, rule: Rules) -> bool:
    """« Merci de nous indiquer… »: a polite order, not thanks."""
    if not _match(words, s, rule.request_heads):
        return False
    k = s + 2
    pronouns = {"me", "m", "nous", "te", "t", "vous", "lui", "leur", "les", "le", "la", "l"}
    while k < len(words) and (words[k] in pronouns or words[k] == "bien"):
        k += 1
    if k >= len(words):
        return False
    verb = words[k]
    if verb in rule.request_exceptions:
        return False
    return verb.endswith(("er", "ir", "re", "oir"))


def _sarcastic(tokens: list[Token], words: list[str], hits: list[_Hit], rule: Rules) -> bool:
    """Praise that means the opposite: a sarcasm opener or marker next to a negative cue."""
    negative_cue = any(h.weight < 0 for h in hits) or any(
        _match(words, k, rule.repetition) for k in range(len(words))
    )
    marker = any(t.text in rule.sarcasm_markers for t in tokens)
    if marker and (negative_cue or any(h.weight > 0 for h in hits)):
        return True
    if not negative_cue:
        return False
    starts = [0] + [k + 1 for k, t in enumerate(tokens) if t.kind == "punct"]
    for s in starts:
        k = s
        n = _match(words, k, rule.sarcasm_prefixes)
        prefixed = bool(n)
        k += n
        m = _match(words, k, rule.sarcasm_openers)
        if not m:
            continue
        after = tokens[k + m] if k + m < len(tokens) else None
        end = next((t.text for t in tokens[k + m :] if t.kind == "punct" and t.text != ","), "")
        detached = end.startswith("...") or (
            after is not None
            and (
                (after.kind == "punct" and after.text in (",", "...", ";"))
                or after.kind == "emo"
                or _match(words, k + m, rule.repetition) > 0
            )
        )
        if prefixed or detached:
            return True
    return False
