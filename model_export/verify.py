"""Parity of our ONNX pipeline (our preprocessing, our tokenizers) with the PyTorch reference pipeline."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from doctr.models import ocr_predictor
from transformers import CLIPImageProcessor, CLIPProcessor, CLIPTokenizer, DistilBertTokenizer

from imagedrive.inference.clip import ClipEmbedder
from imagedrive.inference.manifest import Manifest, load_manifest
from imagedrive.inference.ocr_doctr import DoctrReader
from imagedrive.inference.sessions import get_session
from imagedrive.inference.towers import MultilingualTextTower
from imagedrive.inference.vectors import l2_normalise
from model_export import clip_export, doctr_export, fixtures, multilingual_export
from model_export.calibration import HELD_OUT_SEED, sample_images
from model_export.options import ExportOptions, from_hub

MIN_COSINE = {"fp32": 0.9999, "int8": 0.99}
HELD_OUT_PER_CATEGORY = 2  # 24 sample-library drawings the static int8 tower was not calibrated on


@dataclass(frozen=True)
class Check:
    name: str
    value: float | str
    passed: bool


def verify(directory: str) -> list[Check]:
    manifest = load_manifest(directory)
    checks = {"clip": _verify_clip, "clip-multilingual": _verify_multilingual, "doctr": _verify_doctr}
    return checks[manifest.kind](manifest)


def int8_agreement(directory: str) -> list[Check]:
    """Cosine of our int8 embeddings to our fp32 ones on the fixtures (printed by `--int8` exports)."""
    manifest = load_manifest(directory)
    if manifest.kind == "clip":
        fp32, int8 = (ClipEmbedder(directory, precision=p) for p in ("fp32", "int8"))
        return [
            *_int8_image_checks(fp32, int8),
            _cosine_check("int8 vs fp32 text cosine", *_texts_by(fp32.embed_text, int8.embed_text), 0.99),
        ]
    towers = [MultilingualTextTower(manifest, p) for p in ("fp32", "int8")]
    return [_cosine_check("int8 vs fp32 text cosine", *_texts_by(*(_single(t.embed) for t in towers)), 0.99)]


def _verify_clip(manifest: Manifest) -> list[Check]:
    options = ExportOptions.from_manifest(manifest.data)
    model = clip_export.build_clip(options)
    processor = _clip_processor(manifest, options)
    images = list(fixtures.images().values())
    with torch.no_grad():
        pixels = processor(images=images, return_tensors="pt")["pixel_values"]
        reference_images = _pooled(model.get_image_features(pixel_values=pixels))
        reference_texts = np.concatenate([_reference_text(model, processor, text) for text in fixtures.TEXTS])
    ours_tokenizer = ClipEmbedder(manifest.directory, precision="fp32").text.tokenizer
    equal = [
        ours_tokenizer.encode(text) == processor.tokenizer(text, truncation=True, max_length=77)["input_ids"]
        for text in fixtures.TEXTS
    ]
    checks = [Check("token ids equal HF CLIPTokenizer", f"{sum(equal)}/{len(equal)}", all(equal))]
    for precision in manifest.precisions:
        ours = ClipEmbedder(manifest.directory, precision=precision)
        minimum = MIN_COSINE[precision]
        checks.append(_cosine_check(f"{precision} image cosine", reference_images, ours.embed_images(images), minimum))
        ours_texts = np.stack([ours.embed_text(text) for text in fixtures.TEXTS])
        checks.append(_cosine_check(f"{precision} text cosine", reference_texts, ours_texts, minimum))
    if "int8" in manifest.precisions:
        fp32, int8 = (ClipEmbedder(manifest.directory, precision=p) for p in ("fp32", "int8"))
        checks.extend(_int8_image_checks(fp32, int8, fixture_images=False))
    return checks


def _int8_image_checks(fp32: ClipEmbedder, int8: ClipEmbedder, fixture_images: bool = True) -> list[Check]:
    """int8 against fp32, per image, on the fixtures and on held-out sample-library drawings (the
    static int8 vision tower's activation ranges come from the library; these images are not in it)."""
    held_out = sample_images(HELD_OUT_SEED, HELD_OUT_PER_CATEGORY)
    sets = {"held-out sample images": held_out}
    if fixture_images:
        sets["fixture images"] = list(fixtures.images().values())
    return [
        _cosine_check(f"int8 vs fp32 cosine on {name}", fp32.embed_images(images), int8.embed_images(images), 0.99)
        for name, images in sets.items()
    ]


def _clip_processor(manifest: Manifest, options: ExportOptions) -> CLIPProcessor:
    if not options.random_init:
        return from_hub(clip_export.HUB_ID, lambda: CLIPProcessor.from_pretrained(clip_export.HUB_ID))
    tokenizer = CLIPTokenizer(
        vocab=str(manifest.verified_path("vocab.json")), merges=str(manifest.verified_path("merges.txt"))
    )
    return CLIPProcessor(image_processor=CLIPImageProcessor(), tokenizer=tokenizer)


def _reference_text(model: torch.nn.Module, processor: CLIPProcessor, text: str) -> np.ndarray:
    tokens = processor(text=[text], return_tensors="pt", truncation=True, max_length=77)
    return _pooled(model.get_text_features(input_ids=tokens["input_ids"], attention_mask=tokens["attention_mask"]))


def _verify_multilingual(manifest: Manifest) -> list[Check]:
    options = ExportOptions.from_manifest(manifest.data)
    tower = multilingual_export.build_tower(options, len(multilingual_export.read_vocab(manifest.directory)))
    if options.random_init:
        tokenizer = DistilBertTokenizer(vocab=str(manifest.verified_path("vocab.txt")), do_lower_case=False)
    else:
        hub_id = multilingual_export.HUB_ID
        tokenizer = from_hub(hub_id, lambda: DistilBertTokenizer.from_pretrained(hub_id))
    max_length = manifest.data["tokenizer"]["max_length"]
    with torch.no_grad():
        reference = []
        for text in fixtures.TEXTS:
            tokens = tokenizer([text], truncation=True, max_length=max_length, return_tensors="pt")
            reference.append(l2_normalise(tower(tokens["input_ids"], tokens["attention_mask"]).numpy()))
    ours_tokenizer = MultilingualTextTower(manifest, "fp32").tokenizer
    equal = [
        ours_tokenizer.encode(text).ids == tokenizer(text, truncation=True, max_length=max_length)["input_ids"]
        for text in fixtures.TEXTS
    ]
    checks = [Check("token ids equal HF DistilBertTokenizer", f"{sum(equal)}/{len(equal)}", all(equal))]
    for precision in manifest.precisions:
        ours = MultilingualTextTower(manifest, precision)
        ours_texts = np.concatenate([l2_normalise(ours.embed([text])) for text in fixtures.TEXTS])
        checks.append(
            _cosine_check(f"{precision} text cosine", np.concatenate(reference), ours_texts, MIN_COSINE[precision])
        )
    return checks


def _verify_doctr(manifest: Manifest) -> list[Check]:
    options = ExportOptions.from_manifest(manifest.data)
    checks = []
    reference_models = {}
    for role in ("detection", "recognition"):
        arch = manifest.data[role]["arch"]
        model = doctr_export.build_doctr(arch, options, exportable=True)
        sample = torch.rand(2, *manifest.data[role]["input_shape"], generator=torch.Generator().manual_seed(0))
        with torch.no_grad():
            expected = model(sample)["logits"].numpy()
        (actual,) = get_session(manifest.model_file(role)).run(None, {"input": sample.numpy()})
        checks.append(_cosine_check(f"{role} logits cosine", expected.reshape(1, -1), actual.reshape(1, -1), 0.9999))
        reference_models[role] = doctr_export.build_doctr(arch, options, exportable=False)
    reference = ocr_predictor(reference_models["detection"], reference_models["recognition"])
    ours = DoctrReader(manifest.directory)
    for name, page in fixtures.ocr_pages().items():
        document = reference([np.asarray(page)])
        expected_text = "\n".join(
            " ".join(word.value for word in line.words)
            for block in document.pages[0].blocks
            for line in block.lines
            if line.words
        )
        actual_text = ours.read(page).text or ""
        checks.append(Check(f"OCR text equals doctr's on {name}", repr(actual_text[:40]), actual_text == expected_text))
    return checks


def _pooled(output: torch.Tensor | object) -> np.ndarray:
    # transformers 5 returns a model output whose pooler_output holds the projected features.
    features = output if isinstance(output, torch.Tensor) else getattr(output, "pooler_output")  # noqa: B009
    return l2_normalise(features.numpy())


def _single(embed: Callable[[list[str]], np.ndarray]) -> Callable[[str], np.ndarray]:
    return lambda text: l2_normalise(embed([text]))[0]


def _texts_by(first: Callable[[str], np.ndarray], second: Callable[[str], np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    return tuple(np.stack([embed(text) for text in fixtures.TEXTS]) for embed in (first, second))  # type: ignore[return-value]


def _cosine_check(name: str, expected: np.ndarray, actual: np.ndarray, minimum: float) -> Check:
    cosines = (l2_normalise(expected) * l2_normalise(actual)).sum(axis=1)
    worst = float(cosines.min())
    return Check(f"{name} (min over {len(cosines)}, ≥ {minimum})", round(worst, 6), worst >= minimum)
