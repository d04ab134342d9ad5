"""What a CLIP or multilingual folder's manifest says about feeding it, whoever made its ONNX files.

Shared by the torch exporters and the hub installer (`hub_install`), so both describe a folder alike;
torch-free.
"""

from __future__ import annotations

from typing import Any

CONTEXT_LENGTH = 77
START_ID, END_ID = 49406, 49407
# transformers.image_utils.OPENAI_CLIP_MEAN / OPENAI_CLIP_STD, the statistics CLIP was trained with.
OPENAI_CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
OPENAI_CLIP_STD = (0.26862954, 0.26130258, 0.27577711)


def preprocessing() -> dict[str, Any]:
    return {
        "image_size": 224,
        "resize": "shortest_side",
        "resample": "bicubic",
        "crop": "center",
        "rescale": "1/255",
        "mean": list(OPENAI_CLIP_MEAN),
        "std": list(OPENAI_CLIP_STD),
    }


def tokenizer_spec() -> dict[str, Any]:
    return {
        "type": "clip-bpe",
        "vocab": "vocab.json",
        "merges": "merges.txt",
        "context_length": CONTEXT_LENGTH,
        "start_id": START_ID,
        "end_id": END_ID,
        "pad_id": END_ID,
        "cleaning": "NFC, whitespace runs to one space, lowercase (as HF CLIPTokenizer)",
    }


MULTILINGUAL_MAX_LENGTH = 128  # the sentence-transformers model's max_seq_length


def wordpiece_spec(vocab: list[str], vocab_source: str) -> dict[str, Any]:
    return {
        "type": "wordpiece",
        "file": "tokenizer.json",
        "vocab": "vocab.txt",
        "max_length": MULTILINGUAL_MAX_LENGTH,
        "pad_id": vocab.index("[PAD]"),
        "pad_token": "[PAD]",
        "vocab_source": vocab_source,
    }
