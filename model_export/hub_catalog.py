"""The ready ONNX exports Image Drive installs from the Hugging Face hub, pinned to a commit.

Pinned revisions, not `main`: a repository can change under us, and a different tower moves every
stored vector without anything failing. Where a sha256 is recorded it is the hub's LFS sha256 (for
large files) or the plain file's sha256, as published for that commit and cross-checked in two
independent public projects that pin the same files; a file with `sha256=None` had no published
digest we could find, so the installer checks the pinned revision, the file's ONNX signature and a
smoke run instead, and records the digest it got in the folder's manifest.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class HubFile:
    path: str  # inside the repository
    sha256: str | None
    size: int | None


@dataclass(frozen=True)
class HubRepo:
    repo: str
    revision: str
    files: dict[str, HubFile] = field(default_factory=dict)  # role → file

    @property
    def provenance(self) -> str:
        return f"hub:{self.repo}@{self.revision}"


# OpenAI CLIP ViT-B/32 (MIT), exported to ONNX by Xenova (transformers.js): vision tower with its
# projection (pixel_values → image_embeds) and text tower with its projection (input_ids → text_embeds).
CLIP = HubRepo(
    "Xenova/clip-vit-base-patch32",
    "d15189d7028b43f1d3e65039190477f6af591c2a",
    {
        "vision": HubFile(
            "onnx/vision_model.onnx", "fd6e1402a588279d1723c7534d4bcba5bc0b14b47dfab0e46f8c47b8270d7d40", 351_685_709
        ),
        "text": HubFile(
            "onnx/text_model.onnx", "3f6571f5bad13a97c469c1622e1cfc4d9aef78b79fdbfcff804ca357bfada8cc", 254_058_553
        ),
        "tokenizer": HubFile(
            "tokenizer.json", "f7f3b7af117d467b58374797691a6438d3e6b9e9cef800dfd5dced7f697a90cd", 2_224_119
        ),
    },
)

# sentence-transformers' multilingual student of CLIP's text tower (Apache-2.0): DistilBERT multilingual
# (input_ids, attention_mask → last_hidden_state), then mean pooling and the bias-free Dense 768→512,
# which the installer bakes into the graph so the runtime sees the same text tower as our own export.
MULTILINGUAL = HubRepo(
    "sentence-transformers/clip-ViT-B-32-multilingual-v1",
    "58edf8cada9e398793dca955574a48cbb7f18be2",
    {
        "encoder": HubFile("onnx/model.onnx", None, None),
        "dense": HubFile(
            "2_Dense/model.safetensors", "d12568dc7300970a4d3dbb49068ad16cd89b99840b74b026f8e48071e9414f74", 1_572_984
        ),
        "tokenizer": HubFile(
            "tokenizer.json", "5b4e1a8171c81dfd666ae40265b9530c6e0b3d53923fe8ac493dcc84229adf81", 1_961_847
        ),
        "vocab": HubFile("vocab.txt", "fe0fda7c425b48c516fc8f160d594c8022a0808447475c1a7c6d6479763f310c", 995_526),
    },
)

CATALOG: dict[str, HubRepo] = {"clip": CLIP, "clip-multilingual": MULTILINGUAL}
