"""The fast encoders: MiniLM on ONNX Runtime (fp32 and int8) and the corpus-trained static
``tokenlearn`` model (its token statistics, its fine-tuning, its untrained state)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from paperscope.embeddings import static
from paperscope.embeddings.base import minilm_path
from paperscope.embeddings.encoders import get_encoder
from paperscope.embeddings.onnx import OnnxMiniLMEncoder, TokenSums, onnx_dir
from paperscope.embeddings.static import TokenlearnEncoder, contextual_vectors, fine_tune
from paperscope.embeddings.vectors import prepare_encoder, training_sample
from paperscope.errors import ConfigError
from paperscope.store import Store

TEXTS = [
    "Graph neural networks for molecular property prediction.",
    "A survey of query optimisation in relational database systems, covering cost models, "
    "join ordering, cardinality estimation and adaptive execution over two decades.",
    "Speech translation",
    "Protein folding with deep learning: attention over residue pairs predicts contacts "
    "and distances, from which three-dimensional structures are assembled and refined. " * 4,
]


def test_token_sums_add_each_unmasked_tokens_vector_to_its_id() -> None:
    sums = TokenSums(vocabulary=5, dim=2)
    ids = np.array([[1, 2, 0], [2, 2, 3]], dtype=np.int64)
    mask = np.array([[1, 1, 0], [1, 1, 1]], dtype=np.int64)
    hidden = np.arange(12, dtype=np.float32).reshape(2, 3, 2)
    sums.add(ids, mask, hidden)
    assert sums.counts.tolist() == [0, 1, 3, 1, 0]  # the padded position (id 0) not counted
    assert sums.sums[2].tolist() == [2 + 6 + 8, 3 + 7 + 9]
    assert sums.sums[0].tolist() == [0, 0]


def test_contextual_vectors_shrink_rare_tokens_towards_their_isolated_vector() -> None:
    isolated = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], dtype=np.float32)
    vocabulary = {"often": 0, "once": 1}  # "unknown" is not in the teacher's vocabulary
    sums = np.array([[0.0, 98.0], [4.0, 0.0]])
    counts = np.array([98, 1])
    out = contextual_vectors(["often", "once", "unknown"], isolated, vocabulary, sums, counts)
    assert np.allclose(out[0], [2 / 100, 98 / 100])  # 98 sightings outweigh the prior
    assert np.allclose(out[1], [4 / 3, 2 / 3])  # one sighting: a third of the way
    assert np.allclose(out[2], isolated[2])


def test_fine_tune_learns_token_vectors_whose_mean_points_at_the_targets(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A teacher whose sentence vector is the mean of hidden token vectors: fine-tuning from
    random vectors gets much closer to it on held-out texts (the folded layer included)."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(minilm_path() / "tokenizer.json"))
    tokenizer.no_padding()  # MiniLM's file pads to 128 tokens
    vocabulary = tokenizer.get_vocab_size()
    rng = np.random.default_rng(0)
    truth = rng.normal(size=(vocabulary, 8)).astype(np.float32)
    words = [
        "graph",
        "neural",
        "network",
        "protein",
        "folding",
        "query",
        "database",
        "speech",
        "cache",
        "index",
    ]
    texts = [" ".join(rng.choice(words, 6)) for _ in range(2_000)]
    monkeypatch.setattr(static, "LEARNING_RATE", 0.03)  # few steps on a tiny problem

    def mean_of(table: np.ndarray, batch: list[str]) -> np.ndarray:
        rows = [table[tokenizer.encode(t, add_special_tokens=False).ids].mean(0) for t in batch]
        matrix = np.array(rows, dtype=np.float32)
        return matrix / np.linalg.norm(matrix, axis=1, keepdims=True)

    class Isolated:
        def __init__(self) -> None:
            self.tokenizer = tokenizer
            self.config: dict[str, object] = {}

    start = rng.normal(size=(vocabulary, 8)).astype(np.float32)
    model = fine_tune(Isolated(), start, texts, mean_of(truth, texts), epochs=30)
    held_out = [" ".join(rng.choice(words, 5)) for _ in range(50)]
    wanted = mean_of(truth, held_out)
    learned = model.encode(held_out)
    learned /= np.linalg.norm(learned, axis=1, keepdims=True)
    assert (learned * wanted).sum(axis=1).min() > 0.9
    assert (mean_of(start, held_out) * wanted).sum(axis=1).mean() < 0.5


def test_tokenlearn_before_training_is_a_config_error_naming_the_command(tmp_path: Path) -> None:
    encoder = get_encoder("tokenlearn", tmp_path)
    assert isinstance(encoder, TokenlearnEncoder) and not encoder.trained
    with pytest.raises(ConfigError, match="paperscope enrich --model tokenlearn"):
        encoder.encode(["a text"])


def test_training_sample_is_seeded_and_a_smaller_one_is_its_prefix(sample_store: Store) -> None:
    every = training_sample(sample_store, 1_000)
    assert every == training_sample(sample_store, 1_000) and len(set(every)) == len(every) > 5
    assert all(training_sample(sample_store, n) == every[:n] for n in range(len(every)))


def test_prepare_encoder_leaves_encoders_that_need_no_training_alone(
    sample_store: Store, tmp_path: Path
) -> None:
    prepare_encoder(sample_store, get_encoder("hashing", tmp_path))
    assert not (tmp_path / "models").exists()


@pytest.fixture(scope="session")
def onnx_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data_dir whose MiniLM is exported to ONNX once for the session (about 20 s)."""
    return tmp_path_factory.mktemp("onnx-data")


@pytest.fixture(scope="session")
def onnx_models(onnx_data: Path) -> Path:
    return onnx_dir(onnx_data)


class Advances:
    def __init__(self) -> None:
        self.amounts: list[int] = []

    def start(self, description: str, total: int | None = None) -> None:
        self.amounts.clear()

    def advance(self, amount: int = 1) -> None:
        self.amounts.append(amount)

    def note(self, text: str) -> None:
        pass


@pytest.mark.model
@pytest.mark.slow
def test_teacher_pass_resumes_a_killed_or_a_smaller_run_of_the_same_draw(
    onnx_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(static, "_CHUNK", 1)  # state saved after every text
    work = onnx_data / "models" / "tokenlearn.work"
    work.mkdir(parents=True, exist_ok=True)
    fresh_vectors, fresh_sums, fresh_counts, _ = static.teacher_pass(TEXTS, work, Advances())
    (work / "teacher.npz").unlink()
    static.teacher_pass(TEXTS[:2], work, Advances())  # as if stopped after two texts
    progress = Advances()
    vectors, sums, counts, seen = static.teacher_pass(TEXTS, work, progress)
    assert progress.amounts == [2, 1, 1]  # the two done are not run again
    assert np.allclose(vectors, fresh_vectors, atol=1e-5)
    assert np.allclose(sums, fresh_sums, atol=1e-3) and (counts == fresh_counts).all()
    assert len(seen) == 4
    progress = Advances()
    static.teacher_pass([TEXTS[1], *TEXTS[1:]], work, progress)  # another draw: from scratch
    assert progress.amounts == [0, 1, 1, 1, 1]


@pytest.mark.model
@pytest.mark.slow
def test_minilm_on_onnx_gives_minilms_vectors_in_input_order(onnx_models: Path) -> None:
    reference = get_encoder("minilm").encode(TEXTS)
    fp32 = OnnxMiniLMEncoder(onnx_models)
    vectors = fp32.encode(TEXTS, batch_size=2)  # bucketed by length: rows come back in order
    assert vectors.shape == (4, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-5)
    assert (vectors * reference).sum(axis=1).min() > 0.999
    one_by_one = np.vstack([fp32.encode([text]) for text in TEXTS])
    assert np.allclose(vectors, one_by_one, atol=1e-5)
    int8 = OnnxMiniLMEncoder(onnx_models, quantised=True)
    assert (int8.encode(TEXTS) * reference).sum(axis=1).min() > 0.85
    assert fp32.version != int8.version and "fp32" in fp32.version
    assert fp32.seen_texts(TEXTS)[:3] == TEXTS[:3]  # short texts whole; the long one cut
    assert len(fp32.seen_texts(TEXTS)[3]) < len(TEXTS[3])
