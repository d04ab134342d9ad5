"""The torch-free model runtime: CLIP embeddings and OCR over exported ONNX model folders.

Import from the modules: `clip.ClipEmbedder`, `ocr.open_text_reader`, `loader.load_models`. Nothing is
re-exported here, so the query function's CLIP path never pays onnxtr's ~1 s import.
"""
