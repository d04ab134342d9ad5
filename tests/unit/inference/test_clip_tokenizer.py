"""Our CLIP BPE tokenizer gives HF CLIPTokenizer's ids, and open_clip's where their cleaning agrees."""

from __future__ import annotations

import open_clip
import pytest
from transformers import CLIPTokenizer

import model_export  # noqa: F401  (lets transformers import torchvision on CPU-only torch)
from imagedrive.inference.clip_tokenizer import ClipTokenizer
from imagedrive.inference.manifest import load_manifest
from model_export import fixtures

TRICKY = [
    *fixtures.TEXTS,
    "Don't STOP believin'",
    "e-mail: someone@example.com, URL https://example.com/a?b=c#d",
    "ﬁ ligature, full-width ＡＢＣ１２３, decomposed cafe\u0301",
    "tabs\tand\u00a0non-breaking\u2003spaces",
    "ÀÉÎÕÜ ß İstanbul ΣΊΣΥΦΟΣ",
    "😀😃😄 👨‍👩‍👧 🇫🇷",
    "a" * 300,
    "日本語のテキストと한국어 텍스트",
]


@pytest.fixture(scope="module")
def tokenizers(model_root) -> tuple[ClipTokenizer, CLIPTokenizer]:
    manifest = load_manifest(model_root / "clip")
    spec = manifest.data["tokenizer"]
    ours = ClipTokenizer(
        manifest.verified_path(spec["vocab"]),
        manifest.verified_path(spec["merges"]),
        context_length=spec["context_length"],
        start_id=spec["start_id"],
        end_id=spec["end_id"],
    )
    hf = CLIPTokenizer(vocab=str(manifest.directory / "vocab.json"), merges=str(manifest.directory / "merges.txt"))
    return ours, hf


@pytest.mark.parametrize("text", TRICKY)
def test_ids_equal_hf_clip_tokenizer(tokenizers, text):
    ours, hf = tokenizers
    assert ours.encode(text) == hf(text, truncation=True, max_length=77)["input_ids"]


# open_clip also runs ftfy (ligatures), unescapes HTML (&amp;), lowercases with str.lower (a final Σ
# becomes ς) and treats inline special-token text as plain text: HF, whose ids the models were
# trained with, does none of that.
OPEN_CLIP_CLEANS_DIFFERENTLY = ("&", "ﬁ", "Σ", "<|")


@pytest.mark.parametrize("text", [t for t in TRICKY if not any(m in t for m in OPEN_CLIP_CLEANS_DIFFERENTLY)])
def test_ids_equal_open_clip_on_text_its_extra_cleaning_leaves_alone(tokenizers, text):
    ours, _ = tokenizers
    expected = [int(i) for i in open_clip.tokenize([text])[0] if i != 0]
    assert ours.encode(text) == expected


def test_context_markers_truncation_and_padding(tokenizers):
    ours, _ = tokenizers
    long = ours.encode("word " * 200)
    assert len(long) == 77 and long[0] == 49406 and long[-1] == 49407
    assert ours.encode("") == [49406, 49407]
    batch = ours.encode_batch(["a cat", "a very fluffy orange cat"])
    assert batch.shape == (2, len(ours.encode("a very fluffy orange cat")))
    assert batch[0, 3:].tolist() == [49407] * (batch.shape[1] - 3)
