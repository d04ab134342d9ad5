"""Turns CLIP ViT-B/32, a multilingual CLIP text tower and doctr into ONNX files plus a manifest.

Needs torch; nothing at run time imports this package. Run it as `python -m model_export --help`.
"""

from model_export import torchvision_compat

# Bump whenever an exported file or the manifest would change: `ensure` re-exports on a mismatch and
# the test cache lives under this version.
EXPORTER_VERSION = "2"

torchvision_compat.install()
