"""Optional tone backend: a sequence-classification model from `transformers`
(`pip install 'lien[models]'`), named by the workspace setting `tone_model` (a model id the
user can download, or a local folder).

The model's labels are read by name: a label holding "pos" is +1, "neg" -1, "neu" 0, and star
ratings ("1 star" … "5 stars") run from -1 to +1. The score is the expected polarity under
the model's probabilities, so it lies in [-1, 1] like the lexicon's, and is labelled with the
same thresholds. Gratitude stays rule-based.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from ..errors import LienError

BATCH = 32
_STARS = re.compile(r"^\s*([1-5])\s*stars?\s*$", re.IGNORECASE)

Scorer = Callable[[Sequence[str]], list[float]]


def polarity(label: str, labels: Sequence[str]) -> float:
    """The polarity in [-1, 1] a model label stands for."""
    name = label.lower()
    stars = _STARS.match(name)
    if stars:
        return (int(stars.group(1)) - 3) / 2
    if "neg" in name:
        return -1.0
    if "pos" in name:
        return 1.0
    if "neu" in name:
        return 0.0
    raise LienError(
        f"the tone model's label {label!r} (of {', '.join(labels)}) is not positive, neutral, "
        "negative or a star rating: choose a sentiment model"
    )


def method(model: str) -> str:
    """The method version stored with annotations made by this model."""
    return f"model:{model}"


def load(model: str) -> Scorer:
    try:
        import torch
        from transformers import AutoModelForSequenceClassification, AutoTokenizer
    except ImportError:
        raise LienError(
            f"the tone model {model!r} needs transformers and torch: pip install 'lien[models]'"
        ) from None
    try:
        tokenizer = AutoTokenizer.from_pretrained(model)
        net = AutoModelForSequenceClassification.from_pretrained(model)
    except (OSError, ValueError) as e:
        raise LienError(
            f"could not load the tone model {model!r} ({str(e).splitlines()[0]}); give a "
            "local folder or a model id you can download, or unset tone_model"
        ) from None
    net.eval()
    names = [net.config.id2label[i] for i in range(net.config.num_labels)]
    weights = torch.tensor([polarity(n, names) for n in names])

    def score(texts: Sequence[str]) -> list[float]:
        out: list[float] = []
        for start in range(0, len(texts), BATCH):
            batch = list(texts[start : start + BATCH])
            encoded = tokenizer(batch, padding=True, truncation=True, return_tensors="pt")
            with torch.no_grad():
                probabilities = net(**encoded).logits.softmax(dim=-1)
            out.extend(float(v) for v in (probabilities * weights).sum(dim=-1))
        return out

    return score
