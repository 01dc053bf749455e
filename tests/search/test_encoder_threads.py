"""The static encoders answer queries from many web threads at once.

Their tokenizer (Hugging Face `tokenizers`, Rust) refuses to be changed while another thread
uses it ("RuntimeError: Already borrowed"), and model2vec sets its truncation on every call:
semantic search under four concurrent clients answered some requests with a 500.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
from model2vec import StaticModel
from tokenizers import Tokenizer

from paperscope.embeddings.base import minilm_path
from paperscope.embeddings.static import TokenlearnEncoder

TEXTS = [
    "graph neural networks for molecule property prediction",
    "a survey of query optimisation " * 40,
    "speech",
    "protein folding with attention over residue pairs " * 10,
]


def _small_static_model(directory: Path) -> None:
    """A static model over MiniLM's vocabulary with random vectors (the weights don't matter:
    the tokenizer is what threads share)."""
    tokenizer = Tokenizer.from_file(str(minilm_path() / "tokenizer.json"))
    vectors = np.random.default_rng(3).normal(size=(tokenizer.get_vocab_size(), 384))
    StaticModel(vectors.astype(np.float32), tokenizer, normalize=True).save_pretrained(
        str(directory)
    )
    meta = {"weights": "0" * 64, "teacher": "test"}
    (directory / "paperscope-tokenlearn.json").write_text(json.dumps(meta), encoding="utf-8")


def test_tokenlearn_encodes_from_many_threads_at_once(tmp_path: Path) -> None:
    _small_static_model(tmp_path)
    encoder = TokenlearnEncoder(tmp_path)
    expected = {text: encoder.encode([text])[0] for text in TEXTS}

    def encode(n: int) -> tuple[str, np.ndarray]:
        text = TEXTS[n % len(TEXTS)]
        return text, encoder.encode([text])[0]

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(encode, range(2000)))
    assert len(results) == 2000
    for text, vector in results:
        np.testing.assert_array_equal(vector, expected[text])
