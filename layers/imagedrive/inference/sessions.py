"""One ONNX Runtime session per model file per process, with explicit thread counts.

Sessions are expensive (hundreds of MB, seconds to optimise) and thread-safe for `run`, so every
embedder in a Lambda container shares them.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import onnxruntime as ort

from imagedrive.log import logger
from imagedrive.settings import get_settings

_sessions: dict[Path, ort.InferenceSession] = {}
_lock = threading.Lock()


def resolve_threads(threads: int | None = None) -> int:
    """An explicit count, else IMAGEDRIVE_ONNX_THREADS, else one per core."""
    chosen = threads or get_settings().onnx_threads
    return chosen if chosen > 0 else (os.cpu_count() or 1)


def session_options(threads: int | None = None) -> ort.SessionOptions:
    """The layout benchmarks/models.py measured best for the static int8 CLIP vision tower on 2 cores.

    - intra-op threads = cores: one thread ran it at ~0.57x the speed of two.
    - inter-op 1, sequential: one graph runs at a time per request; parallel execution with 2 inter-op
      threads made the same cores fight over the same layers (~0.4-0.55x).
    - ORT_ENABLE_ALL: the static int8 tower's QuantizeLinear/DequantizeLinear pairs become QLinear
      kernels through the QDQ fusions (EXTENDED does those too: ~0.95x); at BASIC it runs as fp32 with
      fake quantisation (~0.26x). Optimising costs ~0.3 s per session at load, so no pre-optimised file
      is saved: an ALL-level file is specific to the CPU it was written on (NCHWc layouts).
    """
    options = ort.SessionOptions()
    options.intra_op_num_threads = resolve_threads(threads)
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    # Idle intra-op threads sleep instead of spinning: a search runs the text tower and then FAISS on the
    # same two cores, and FAISS's scan ran 9x slower against spinning ONNX threads (index_kinds.py).
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return options


def get_session(model_file: Path, threads: int | None = None) -> ort.InferenceSession:
    """The process-wide session for `model_file`; `threads` only applies when it is first created."""
    key = model_file.resolve()
    with _lock:
        session = _sessions.get(key)
        if session is None:
            session = ort.InferenceSession(
                str(key), sess_options=session_options(threads), providers=["CPUExecutionProvider"]
            )
            _sessions[key] = session
            logger.info("onnx session created", extra={"model_file": str(key), "threads": resolve_threads(threads)})
    return session
