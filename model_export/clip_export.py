"""CLIP ViT-B/32: vision tower (pixels → 512-d) and text tower (token ids → 512-d) to ONNX."""

from __future__ import annotations

import gzip
import json
from importlib.resources import files
from pathlib import Path
from typing import Any

import torch
from torch import nn
from transformers import CLIPConfig, CLIPModel

from imagedrive.inference.clip_tokenizer import bytes_to_unicode
from model_export.folders import precision_variants, quantize_variants, write_manifest
from model_export.manifest_specs import CONTEXT_LENGTH, END_ID, START_ID, preprocessing, tokenizer_spec
from model_export.onnx_io import export_onnx
from model_export.options import ExportOptions, from_hub

HUB_ID = "openai/clip-vit-base-patch32"
_MERGES = 49152 - 256 - 2  # the merges CLIP actually uses from the 16e6 vocabulary file

# ViT-B/32 as published; --small keeps the structure (and 512-d outputs) with tiny widths and depths.
_FULL = {"text": (512, 2048, 12, 8), "vision": (768, 3072, 12, 12)}
_SMALL = {"text": (64, 128, 2, 2), "vision": (64, 128, 2, 2)}


class VisionTower(nn.Module):
    def __init__(self, clip: CLIPModel) -> None:
        super().__init__()
        self.clip = clip

    def forward(self, pixel_values: torch.Tensor) -> torch.Tensor:
        return self.clip.visual_projection(self.clip.vision_model(pixel_values=pixel_values).pooler_output)


class TextTower(nn.Module):
    def __init__(self, clip: CLIPModel) -> None:
        super().__init__()
        self.clip = clip

    def forward(self, input_ids: torch.Tensor) -> torch.Tensor:
        return self.clip.text_projection(self.clip.text_model(input_ids=input_ids).pooler_output)


def clip_config(small: bool) -> CLIPConfig:
    sizes = _SMALL if small else _FULL

    def tower(name: str) -> dict[str, Any]:
        hidden, intermediate, layers, heads = sizes[name]
        return {
            "hidden_size": hidden,
            "intermediate_size": intermediate,
            "num_hidden_layers": layers,
            "num_attention_heads": heads,
            "hidden_act": "quick_gelu",
            "projection_dim": 512,
        }

    text = {
        **tower("text"),
        "vocab_size": 49408,
        "max_position_embeddings": CONTEXT_LENGTH,
        "bos_token_id": START_ID,
        "eos_token_id": END_ID,
        "pad_token_id": 1,
    }
    vision = {**tower("vision"), "image_size": 224, "patch_size": 32}
    return CLIPConfig(text_config=text, vision_config=vision, projection_dim=512)


def build_clip(options: ExportOptions) -> CLIPModel:
    # Eager attention traces to plain ops; the SDPA path adds nothing on CPU and complicates tracing.
    if options.random_init:
        config = clip_config(options.small)
        config._attn_implementation = "eager"
        return options.seeded(lambda: CLIPModel(config)).eval()
    return from_hub(HUB_ID, lambda: CLIPModel.from_pretrained(HUB_ID, attn_implementation="eager")).eval()


def write_bpe_assets(directory: Path) -> None:
    """vocab.json + merges.txt in HF's layout, from the merges file inside the open_clip wheel."""
    with gzip.open(str(files("open_clip") / "bpe_simple_vocab_16e6.txt.gz"), "rt", encoding="utf-8") as stream:
        merges = stream.read().split("\n")[1 : _MERGES + 1]
    symbols = list(bytes_to_unicode().values())
    vocab = [*symbols, *(s + "</w>" for s in symbols), *("".join(m.split()) for m in merges)]
    vocab += ["<|startoftext|>", "<|endoftext|>"]
    (directory / "vocab.json").write_text(json.dumps({t: i for i, t in enumerate(vocab)}, ensure_ascii=False))
    (directory / "merges.txt").write_text("#version: 0.2\n" + "\n".join(merges) + "\n", encoding="utf-8")


def export_clip(out: Path, options: ExportOptions) -> dict[str, Any]:
    model = build_clip(options)
    pixels = torch.zeros(2, 3, 224, 224)
    tokens = torch.full((2, 7), END_ID, dtype=torch.int64)
    tokens[:, 0] = START_ID
    export_onnx(
        VisionTower(model),
        (pixels,),
        out / "vision.onnx",
        ["pixel_values"],
        "image_embeds",
        {"pixel_values": {0: "batch"}, "image_embeds": {0: "batch"}},
    )
    export_onnx(
        TextTower(model),
        (tokens,),
        out / "text.onnx",
        ["input_ids"],
        "text_embeds",
        {"input_ids": {0: "batch", 1: "sequence"}, "text_embeds": {0: "batch"}},
    )
    write_bpe_assets(out)
    tag = options.model_tag("clip-vit-b32", HUB_ID)
    variants = precision_variants(tag, {"vision": "vision.onnx", "text": "text.onnx"}, options.int8)
    quantize_variants(out, variants)
    manifest = {
        "kind": "clip",
        "source": options.source(),
        "provenance": options.provenance(HUB_ID),
        "architecture": {"name": "ViT-B/32", "config": _config_summary(model.config)},
        "variants": variants,
        "dims": {"embedding": 512},
        "preprocessing": preprocessing(),
        "tokenizer": tokenizer_spec(),
    }
    write_manifest(out, manifest)
    return manifest


def _config_summary(config: CLIPConfig) -> dict[str, Any]:
    keys = ("hidden_size", "intermediate_size", "num_hidden_layers", "num_attention_heads")
    return {
        tower: {key: getattr(getattr(config, f"{tower}_config"), key) for key in keys} for tower in ("vision", "text")
    }
