"""Model folders from the hub's ready ONNX exports, in the same manifest format as our own exports.

Torch-free (onnx, onnxruntime, safetensors, tokenizers), so the run command and the container builds
install real CLIP weights without the exporters' dependencies. What each installer does:
- clip: Xenova's vision and text towers as they are, `vocab.json` + `merges.txt` from its
  `tokenizer.json`, int8 variants quantised here exactly as our exporter does (reduce_range).
- clip-multilingual: the DistilBERT encoder with mean pooling and the Dense 768→512 baked into the
  graph, so its inputs and output are those of our exported multilingual tower; int8 likewise.
Every tower is then opened with onnxruntime and run once: a file whose inputs, outputs or result
shape are not what the runtime feeds and reads is refused here, not at the first search.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from model_export.folders import precision_variants, quantize_variants, write_manifest
from model_export.hub_catalog import HubRepo
from model_export.hub_download import HubDownloadError, download
from model_export.manifest_specs import END_ID, START_ID, preprocessing, tokenizer_spec, wordpiece_spec
from model_export.options import ExportOptions

EMBEDDING_DIM = 512


def install_clip(folder: Path, repo: HubRepo, timeout: float) -> dict[str, Any]:
    digests = _download_all(folder, repo, {"vision": "vision.onnx", "text": "text.onnx", "tokenizer": "tokenizer.json"},
                            timeout)
    _write_bpe_assets(folder / "tokenizer.json")
    variants = precision_variants(_tag(repo), {"vision": "vision.onnx", "text": "text.onnx"}, int8=True)
    quantize_variants(folder, variants)
    _smoke_test(folder, variants, {"vision": VISION_SMOKE, "text": CLIP_TEXT_SMOKE})
    return _manifest(folder, repo, digests, kind="clip", variants=variants, architecture={"name": "ViT-B/32"},
                     preprocessing=preprocessing(), tokenizer=tokenizer_spec())


def install_multilingual(folder: Path, repo: HubRepo, timeout: float) -> dict[str, Any]:
    names = {
        "encoder": "encoder.onnx", "dense": "dense.safetensors", "tokenizer": "tokenizer.json", "vocab": "vocab.txt"
    }
    digests = _download_all(folder, repo, names, timeout)
    bake_pooling_and_projection(folder / "encoder.onnx", folder / "dense.safetensors", folder / "text.onnx")
    (folder / "encoder.onnx").unlink()  # text.onnx holds all of it
    variants = precision_variants(_tag(repo), {"text": "text.onnx"}, int8=True)
    quantize_variants(folder, variants)
    _smoke_test(folder, variants, {"text": WORDPIECE_SMOKE})
    vocab = (folder / "vocab.txt").read_text(encoding="utf-8").splitlines()
    return _manifest(folder, repo, digests, kind="clip-multilingual", variants=variants,
                     aligned_with="openai/clip-vit-base-patch32",
                     architecture={"name": "DistilBERT + mean pooling + Dense"},
                     tokenizer=wordpiece_spec(vocab, "hub"))


INSTALLERS: dict[str, Callable[[Path, HubRepo, float], dict[str, Any]]] = {
    "clip": install_clip,
    "clip-multilingual": install_multilingual,
}


def bake_pooling_and_projection(encoder: Path, dense: Path, target: Path) -> None:
    """encoder (input_ids, attention_mask → last_hidden_state) + masked mean + Dense → text_embeds."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    from safetensors.numpy import load_file

    model = onnx.load(str(encoder))
    graph = model.graph
    encoder_inputs = {"input_ids", "attention_mask"}
    _require(encoder, {i.name for i in graph.input}, encoder_inputs, {o.name for o in graph.output},
             "last_hidden_state")
    weights = load_file(str(dense))
    weight = weights["linear.weight"]  # [512, 768]: sentence-transformers' Dense stores out × in
    if weight.shape[0] != EMBEDDING_DIM:
        raise HubDownloadError(f"{dense}: the Dense layer maps to {weight.shape[0]} dimensions, not {EMBEDDING_DIM}")
    opset = next(o.version for o in model.opset_import if o.domain in ("", "ai.onnx"))

    def with_axes(op: str, inputs: list[str], output: str, axes: list[int], **attributes: Any) -> list[Any]:
        # Unsqueeze and ReduceSum take their axes as an input from opset 13 on, as an attribute before.
        if opset >= 13:
            constant = helper.make_node("Constant", [], [f"{output}_axes"],
                                        value=numpy_helper.from_array(np.array(axes, np.int64)))
            return [constant, helper.make_node(op, [*inputs, f"{output}_axes"], [output], **attributes)]
        return [helper.make_node(op, inputs, [output], axes=axes, **attributes)]

    graph.initializer.extend([
        numpy_helper.from_array(np.ascontiguousarray(weight.T, np.float32), "dense_weight"),
        numpy_helper.from_array(np.array(1e-9, np.float32), "pool_min_count"),
    ])
    nodes = [
        helper.make_node("Cast", ["attention_mask"], ["pool_mask"], to=TensorProto.FLOAT),
        *with_axes("Unsqueeze", ["pool_mask"], "pool_mask3", [2]),
        helper.make_node("Mul", ["last_hidden_state", "pool_mask3"], ["pool_masked"]),
        *with_axes("ReduceSum", ["pool_masked"], "pool_sum", [1], keepdims=0),
        *with_axes("ReduceSum", ["pool_mask3"], "pool_count", [1], keepdims=0),
        helper.make_node("Max", ["pool_count", "pool_min_count"], ["pool_count_safe"]),
        helper.make_node("Div", ["pool_sum", "pool_count_safe"], ["pooled"]),
        helper.make_node("MatMul", ["pooled", "dense_weight"], ["text_embeds_raw"]),
    ]
    last = "text_embeds_raw"
    if "linear.bias" in weights:
        graph.initializer.append(numpy_helper.from_array(weights["linear.bias"].astype(np.float32), "dense_bias"))
        nodes.append(helper.make_node("Add", [last, "dense_bias"], ["text_embeds_biased"]))
        last = "text_embeds_biased"
    nodes.append(helper.make_node("Identity", [last], ["text_embeds"]))
    graph.node.extend(nodes)
    del graph.output[:]
    graph.output.append(helper.make_tensor_value_info("text_embeds", TensorProto.FLOAT, ["batch", EMBEDDING_DIM]))
    onnx.save(model, str(target))


def _download_all(folder: Path, repo: HubRepo, names: dict[str, str], timeout: float) -> dict[str, dict[str, Any]]:
    """Each role's file into `folder` under our name; returns the hub path → {sha256, size} got."""
    digests = {}
    for role, name in names.items():
        file = repo.files[role]
        sha256 = download(repo, file, folder / name, timeout)
        size = (folder / name).stat().st_size
        digests[file.path] = {"sha256": sha256, "size": size, "pinned": file.sha256 is not None}
    return digests


def _write_bpe_assets(tokenizer_json: Path) -> None:
    """vocab.json + merges.txt (what the runtime's CLIP tokenizer reads) from an HF BPE tokenizer.json."""
    model = json.loads(tokenizer_json.read_text(encoding="utf-8"))["model"]
    vocab: dict[str, int] = model["vocab"]
    if vocab.get("<|startoftext|>") != START_ID or vocab.get("<|endoftext|>") != END_ID:
        raise HubDownloadError(f"{tokenizer_json}: not CLIP's vocabulary (start/end ids differ)")
    # tokenizers writes merges as "a b" strings (older files) or ["a", "b"] pairs (newer ones).
    merges = [m if isinstance(m, str) else " ".join(m) for m in model["merges"]]
    folder = tokenizer_json.parent
    (folder / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    (folder / "merges.txt").write_text("#version: 0.2\n" + "\n".join(merges) + "\n", encoding="utf-8")


def _vision_feed(_: Path) -> dict[str, np.ndarray]:
    return {"pixel_values": np.random.default_rng(0).normal(size=(2, 3, 224, 224)).astype(np.float32)}


def _clip_text_feed(_: Path) -> dict[str, np.ndarray]:
    ids = np.array([[START_ID, 320, 1125, 539, 320, 2368, END_ID]], np.int64)  # "a photo of a cat"
    return {"input_ids": ids, "attention_mask": np.ones_like(ids)}  # the mask only where a graph takes one


def _wordpiece_feed(folder: Path) -> dict[str, np.ndarray]:
    from tokenizers import Tokenizer

    encoding = Tokenizer.from_file(str(folder / "tokenizer.json")).encode("一只猫的照片 a photo of a cat")
    return {
        "input_ids": np.array([encoding.ids], np.int64),
        "attention_mask": np.array([encoding.attention_mask], np.int64),
    }


# role → (sample inputs, the inputs the graph must take, the output the runtime reads)
Smoke = tuple[Callable[[Path], dict[str, np.ndarray]], set[str], str]
VISION_SMOKE: Smoke = (_vision_feed, {"pixel_values"}, "image_embeds")
CLIP_TEXT_SMOKE: Smoke = (_clip_text_feed, {"input_ids"}, "text_embeds")
WORDPIECE_SMOKE: Smoke = (_wordpiece_feed, {"input_ids", "attention_mask"}, "text_embeds")


def _smoke_test(folder: Path, variants: dict[str, Any], checks: dict[str, Smoke]) -> None:
    """Open every tower file and run it once: the inputs the runtime feeds, a finite [n, 512] out."""
    import onnxruntime as ort

    for variant in variants.values():
        for role, name in variant["files"].items():
            path = folder / name
            make_feed, required, output = checks[role]
            feed = make_feed(folder)
            session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
            inputs = {i.name for i in session.get_inputs()}
            outputs = {o.name for o in session.get_outputs()}
            _require(path, inputs, required, outputs, output, fed=set(feed))
            (result,) = session.run([output], {k: v for k, v in feed.items() if k in inputs})
            rows = next(iter(feed.values())).shape[0]
            if result.shape != (rows, EMBEDDING_DIM) or not np.isfinite(result).all() or not np.abs(result).sum():
                raise HubDownloadError(f"{path}: {output} came out {result.shape}, not finite [{rows}, 512]")


def _require(
    path: Path, inputs: set[str], required: set[str], outputs: set[str], output: str, fed: set[str] | None = None
) -> None:
    """The graph takes the required inputs, nothing the runtime cannot feed, and has the output."""
    if not required <= inputs or not inputs <= (fed or required) or output not in outputs:
        raise HubDownloadError(
            f"{path}: unexpected ONNX signature, inputs {sorted(inputs)} → outputs {sorted(outputs)}; "
            f"expected {sorted(required)} → {output}"
        )


def _tag(repo: HubRepo) -> str:
    """model_version stem: vectors of these files never share an index with another source's."""
    return f"{repo.repo}@{repo.revision[:10]}"


def _manifest(
    folder: Path, repo: HubRepo, digests: dict[str, dict[str, Any]], *, kind: str, **fields: Any
) -> dict[str, Any]:
    manifest = {
        "kind": kind,
        # The real checkpoint with its int8 variant, as a torch export of it would record: `verify`
        # rebuilds the PyTorch reference from these options.
        "source": ExportOptions(int8=True).source(),
        "provenance": repo.provenance,
        "hub": {"repo": repo.repo, "revision": repo.revision, "files": digests},
        "dims": {"embedding": EMBEDDING_DIM},
        **fields,
    }
    write_manifest(folder, manifest)
    return manifest
