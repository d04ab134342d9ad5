"""The multilingual text tower of sentence-transformers/clip-ViT-B-32-multilingual-v1 to ONNX.

DistilBERT multilingual, mean pooling over the attention mask, and the model's Dense 768→512
projection (no bias), which was trained to put sentences where CLIP ViT-B/32's text tower puts
their English translation, so its vectors search the same image embeddings.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch
from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors
from torch import nn
from transformers import DistilBertConfig, DistilBertModel

from model_export.clip_export import write_bpe_assets
from model_export.folders import precision_variants, quantize_variants, write_manifest
from model_export.manifest_specs import wordpiece_spec
from model_export.onnx_io import export_onnx
from model_export.options import ExportOptions, from_hub
from model_export.wordpiece_vocab import build_vocab

HUB_ID = "sentence-transformers/clip-ViT-B-32-multilingual-v1"
_FULL = {"dim": 768, "n_layers": 6, "n_heads": 12, "hidden_dim": 3072}
_SMALL = {"dim": 64, "n_layers": 2, "n_heads": 2, "hidden_dim": 128}


class MultilingualTower(nn.Module):
    def __init__(self, encoder: DistilBertModel, projection: nn.Linear) -> None:
        super().__init__()
        self.encoder = encoder
        self.projection = projection

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
        return self.projection(pooled)


def read_vocab(directory: Path) -> list[str]:
    return (directory / "vocab.txt").read_text(encoding="utf-8").splitlines()


def write_vocab(directory: Path, options: ExportOptions) -> list[str]:
    """vocab.txt: the hub's for real weights, else the deterministic one built from CLIP's merges."""
    if options.random_init:
        write_bpe_assets(directory)
        vocab = build_vocab(directory / "vocab.json")
        (directory / "vocab.json").unlink()
        (directory / "merges.txt").unlink()
    else:
        from huggingface_hub import hf_hub_download

        vocab = Path(from_hub(HUB_ID, lambda: hf_hub_download(HUB_ID, "vocab.txt"))).read_text().splitlines()
    (directory / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    return vocab


def build_tower(options: ExportOptions, vocab_size: int) -> MultilingualTower:
    if options.random_init:
        sizes = _SMALL if options.small else _FULL
        config = DistilBertConfig(vocab_size=vocab_size, max_position_embeddings=512, **sizes)
        config._attn_implementation = "eager"
        return options.seeded(
            lambda: MultilingualTower(DistilBertModel(config), nn.Linear(sizes["dim"], 512, bias=False))
        ).eval()
    encoder = from_hub(HUB_ID, lambda: DistilBertModel.from_pretrained(HUB_ID, attn_implementation="eager"))
    return MultilingualTower(encoder, _hub_projection()).eval()


def _hub_projection() -> nn.Linear:
    from huggingface_hub import hf_hub_download
    from safetensors.torch import load_file

    config = json.loads(Path(from_hub(HUB_ID, lambda: hf_hub_download(HUB_ID, "2_Dense/config.json"))).read_text())
    projection = nn.Linear(config["in_features"], config["out_features"], bias=config["bias"])
    try:
        weights = load_file(hf_hub_download(HUB_ID, "2_Dense/model.safetensors"))
    except OSError:  # older snapshots only ship the pickle
        weights = torch.load(hf_hub_download(HUB_ID, "2_Dense/pytorch_model.bin"), weights_only=True)
    projection.load_state_dict({key.removeprefix("linear."): value for key, value in weights.items()})
    return projection


def wordpiece_tokenizer(vocab: list[str]) -> Tokenizer:
    """The cased BERT WordPiece pipeline, as HF builds it for DistilBERT multilingual (do_lower_case=False)."""
    ids = {token: index for index, token in enumerate(vocab)}
    tokenizer = Tokenizer(models.WordPiece(ids, unk_token="[UNK]", max_input_chars_per_word=100))  # noqa: S106
    tokenizer.normalizer = normalizers.BertNormalizer(
        clean_text=True, handle_chinese_chars=True, strip_accents=False, lowercase=False
    )
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]",
        pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", ids["[CLS]"]), ("[SEP]", ids["[SEP]"])],
    )
    tokenizer.decoder = decoders.WordPiece(prefix="##")
    return tokenizer


def export_multilingual(out: Path, options: ExportOptions) -> dict[str, Any]:
    vocab = write_vocab(out, options)
    wordpiece_tokenizer(vocab).save(str(out / "tokenizer.json"))
    tower = build_tower(options, len(vocab))
    ids = torch.tensor([[101, 1000, 1001, 102], [101, 1002, 102, 0]], dtype=torch.int64)
    mask = (ids != 0).to(torch.int64)
    axes = {"input_ids": {0: "batch", 1: "sequence"}, "attention_mask": {0: "batch", 1: "sequence"}}
    export_onnx(
        tower,
        (ids, mask),
        out / "text.onnx",
        ["input_ids", "attention_mask"],
        "text_embeds",
        {**axes, "text_embeds": {0: "batch"}},
    )
    tag = options.model_tag("clip-vit-b32-multilingual-distilbert", HUB_ID)
    variants = precision_variants(tag, {"text": "text.onnx"}, options.int8)
    quantize_variants(out, variants)
    manifest = {
        "kind": "clip-multilingual",
        "source": options.source(),
        "provenance": options.provenance(HUB_ID),
        "aligned_with": "openai/clip-vit-base-patch32" if not options.random_init else None,
        "architecture": {"name": "DistilBERT + mean pooling + Dense", "config": tower.encoder.config.to_diff_dict()},
        "variants": variants,
        "dims": {"embedding": 512},
        "tokenizer": wordpiece_spec(
            vocab, "hub" if not options.random_init else "generated (model_export/wordpiece_vocab.py)"
        ),
    }
    write_manifest(out, manifest)
    return manifest
