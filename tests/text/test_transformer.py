"""The optional transformer backend, loaded from a tiny model the test builds on disk.

Skipped when transformers or torch is not installed (the default environment has neither;
`pip install 'lien[models]'` brings them).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from lien.errors import LienError
from lien.text.transformer import polarity

WORDS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "merci", "nul", "beau", "parking"]


def test_label_polarity() -> None:
    labels = ["NEGATIVE", "neutral", "Positive"]
    assert [polarity(x, labels) for x in labels] == [-1.0, 0.0, 1.0]
    stars = ["1 star", "2 stars", "3 stars", "4 stars", "5 stars"]
    assert [polarity(x, stars) for x in stars] == [-1.0, -0.5, 0.0, 0.5, 1.0]
    with pytest.raises(LienError, match="not positive, neutral, negative"):
        polarity("LABEL_0", ["LABEL_0", "LABEL_1"])


def tiny_model(folder: Path, bias: list[float]) -> Path:
    """A one-layer BERT whose classifier ignores the text and outputs `bias` as logits."""
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "vocab.txt").write_text("\n".join(WORDS) + "\n", encoding="utf-8")
    tokenizer = transformers.BertTokenizer(str(folder / "vocab.txt"))
    config = transformers.BertConfig(
        vocab_size=len(WORDS),
        hidden_size=8,
        num_hidden_layers=1,
        num_attention_heads=1,
        intermediate_size=16,
        max_position_embeddings=64,
        num_labels=3,
        id2label={0: "negative", 1: "neutral", 2: "positive"},
        label2id={"negative": 0, "neutral": 1, "positive": 2},
    )
    model = transformers.BertForSequenceClassification(config)
    with torch.no_grad():
        model.classifier.weight.zero_()
        model.classifier.bias.copy_(torch.tensor(bias))
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def test_scores_are_the_expected_polarity(tmp_path: Path) -> None:
    import math

    from lien.text.transformer import load

    score = load(str(tiny_model(tmp_path, [0.0, 0.0, 2.0])))
    # softmax(0, 0, 2): p = (1, 1, e²) / (2 + e²); polarity = p_pos - p_neg.
    expected = (math.exp(2) - 1) / (2 + math.exp(2))
    got = score(["merci", "nul parking", "beau"])
    assert got == pytest.approx([expected] * 3, abs=1e-5)


def test_annotate_with_the_model(tmp_path: Path) -> None:
    from lien.text.annotate import annotate
    from lien.workspace import Workspace

    folder = tiny_model(tmp_path / "model", [3.0, 0.0, 0.0])  # always negative
    ws = Workspace.create(tmp_path / "ws.duckdb")
    ws.con.execute(
        "INSERT INTO messages (platform, id, created_at, text) VALUES"
        " ('x', '1', '2021-01-01', 'Merci, magnifique !')"
    )
    annotate(ws)
    assert ws.con.execute("SELECT tone_label FROM annotations").fetchone() == ("positive",)
    ws.set_setting("tone_model", str(folder))
    # Another method: everything is annotated again, by the model; gratitude stays rule-based.
    assert annotate(ws).pending == 1
    label, gratitude, method = ws.con.execute(
        "SELECT tone_label, gratitude, method FROM annotations"
    ).fetchone()
    assert (label, gratitude, method) == ("negative", True, f"model:{folder}")
    ws.close()


def test_missing_model_is_explained(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("transformers")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")  # tests never touch the internet
    from lien.text.transformer import load

    with pytest.raises(LienError, match="could not load the tone model"):
        load(str(tmp_path / "nowhere"))
