"""What an export was asked for, recorded in the manifest so `verify` can rebuild the same model."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any, TypeVar

T = TypeVar("T")


class ExportError(Exception):
    """An export cannot proceed; the message says what to do."""


@dataclass(frozen=True)
class ExportOptions:
    random_init: bool = False
    seed: int = 0
    small: bool = False  # tiny config of the same architecture, for fast tests (CLIP towers only)
    int8: bool = False

    def source(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_manifest(cls, manifest_data: dict[str, Any]) -> ExportOptions:
        return cls(**manifest_data["source"])

    def model_tag(self, arch: str, hub_id: str) -> str:
        """The model_version stem: the hub id for real weights, "<arch>[-small]:random-seed<N>" otherwise."""
        if not self.random_init:
            return hub_id
        return f"{arch}{'-small' if self.small else ''}:random-seed{self.seed}"

    def provenance(self, hub_id: str) -> str:
        """The manifest's `provenance` (see imagedrive.inference.provenance): where the weights came from."""
        return "random-init" if self.random_init else f"export:{hub_id}"

    def seeded(self, build: Callable[[], T]) -> T:
        """Build a randomly initialised module reproducibly: same seed, same weights."""
        import torch  # only exporters build modules; the hub installer reads options without torch

        torch.manual_seed(self.seed)
        return build()


def from_hub(description: str, load: Callable[[], T]) -> T:
    """Run a loader that needs the Hugging Face hub (or doctr's model store), failing clearly offline."""
    try:
        return load()
    except OSError as exc:
        raise ExportError(
            f"could not download {description}: {exc}\n"
            "The real weights need access to huggingface.co / doctr's model store. "
            "Offline, export the same architecture with seeded random weights: add --random-init."
        ) from exc
