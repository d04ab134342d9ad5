"""Turns CLIP ViT-B/32, a multilingual CLIP text tower and doctr into ONNX files plus a manifest.

The exporters need torch; `model_export.hub` (ready ONNX files from the Hugging Face hub) does not,
and nothing at run time imports this package. Run it as `python -m model_export --help`.
"""

import importlib.util

# Bump whenever an exported file or the manifest would change: `ensure` re-exports on a mismatch and
# the test cache lives under this version.
EXPORTER_VERSION = "3"

# torch's absence is normal where only the hub installer runs (containers, a user's run path).
if importlib.util.find_spec("torch") is not None:
    from model_export import torchvision_compat

    torchvision_compat.install()
