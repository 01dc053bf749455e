"""A static encoder trained on the corpus's own text from MiniLM's outputs (``tokenlearn``).

A static model is one vector per token, averaged over a text's tokens: no network runs at
encoding time, so it embeds some 1,000 abstracts/s on 2 cores where MiniLM manages 15.
model2vec's plain distillation (``model2vec``) takes each token's vector from MiniLM run on
that token *alone*; this encoder learns them from MiniLM run on the corpus instead:

1. teacher pass: MiniLM (ONNX, ``embeddings/onnx.py``) embeds a sample of the corpus's
   texts (``TRAIN_TEXTS``); for every token id it also sums the token's contextual vectors
   (MiniLM's last layer, whose mean over a text *is* MiniLM's sentence vector);
2. start: each token's vector is its mean contextual vector in the corpus, shrunk towards
   its isolated-token vector (MiniLM run on the token alone, as model2vec's distillation
   does) when the token is rare;
3. fine-tune: tokenlearn's trainer (``tokenlearn.pretrain.train_supervised``) fits the
   token vectors and per-token weights so that the mean over a text's tokens regresses
   MiniLM's sentence vector of that text (MSE); its final linear layer is folded into the
   token vectors, so the model's outputs live in MiniLM's own 384-d space.

Every step writes to ``data_dir/models/tokenlearn/`` (the teacher's vectors are saved as
it goes, so an interrupted training resumes), and the finished model is renamed into place
atomically. ``paperscope enrich --model tokenlearn`` trains it on first use from the works
in the database; its version is the hash of its weights, so a retrained model re-embeds.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import shutil
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from paperscope.embeddings.base import Matrix, minilm_path, minilm_version, normalise
from paperscope.embeddings.onnx import OnnxMiniLMEncoder, TokenSums, onnx_dir
from paperscope.errors import ConfigError
from paperscope.progress import SILENT, Progress

TRAIN_TEXTS = 4_096  # measured (docs/search.md); the teacher pass is most of the training time
TEACHER_TOKENS = 128  # the teacher sees each text's first 128 tokens (half MiniLM's cost)
SHRINK = 2.0  # pseudo-count of the isolated-token vector in a token's mean
EPOCHS = 20
BATCH = 128
LEARNING_RATE = 1e-3
_META = "paperscope-tokenlearn.json"
_CHUNK = 256


def tokenlearn_dir(data_dir: Path) -> Path:
    return data_dir / "models" / "tokenlearn"


def contextual_vectors(
    tokens: Sequence[str],
    isolated: Matrix,
    vocabulary: dict[str, int],
    sums: npt.NDArray[np.float64],
    counts: npt.NDArray[np.int64],
    shrink: float = SHRINK,
) -> Matrix:
    """Per static-model token: its mean contextual vector, shrunk towards ``isolated``.

    ``vocabulary`` maps a token to its MiniLM id, the row of ``sums`` / ``counts``; a token
    MiniLM's tokenizer does not have keeps its isolated vector.
    """
    out = np.array(isolated, dtype=np.float64)
    for row, token in enumerate(tokens):
        teacher_id = vocabulary.get(token)
        if teacher_id is not None and counts[teacher_id]:
            seen = float(counts[teacher_id])
            out[row] = (sums[teacher_id] + shrink * out[row]) / (seen + shrink)
    return out.astype(np.float32)


class TokenlearnEncoder:
    """The trained static model; ``encode`` fails with a ConfigError until it is trained."""

    dim = 384

    def __init__(
        self,
        directory: Path,
        name: str = "tokenlearn",
        trained_by: str = "`paperscope enrich --model tokenlearn` (it trains on the works in "
        "the database, then embeds them)",
    ) -> None:
        self.directory = directory
        self.name = name  # "tokenlearn-titles": resolve's title encoder (identity.topics)
        self.trained_by = trained_by
        self._model: Any = None
        self._lock = threading.Lock()
        # model2vec re-sets its tokenizer's truncation on every call, and a Rust tokenizer
        # changed while another thread encodes raises "Already borrowed": one at a time.
        self._encoding = threading.Lock()

    @property
    def trained(self) -> bool:
        return (self.directory / _META).is_file()

    @property
    def version(self) -> str:
        meta = self._meta()
        return f"tokenlearn weights:{meta['weights'][:16]} teacher {meta['teacher']}"

    def _meta(self) -> dict[str, Any]:
        if not self.trained:
            raise ConfigError(f"the {self.name} encoder is not trained yet: run {self.trained_by}")
        meta: dict[str, Any] = json.loads((self.directory / _META).read_text(encoding="utf-8"))
        return meta

    def _loaded(self) -> Any:
        with self._lock:
            if self._model is None:
                self._meta()
                from model2vec import StaticModel

                self._model = StaticModel.from_pretrained(str(self.directory))
            return self._model

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> Matrix:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        model = self._loaded()
        with self._encoding:
            vectors = model.encode(
                list(texts), batch_size=max(batch_size, 1024), show_progress_bar=False
            )
        return normalise(vectors)

    def train(self, texts: Sequence[str], progress: Progress = SILENT) -> None:
        """Train on ``texts`` (a sample of the corpus) unless trained; see the module doc."""
        if self.trained:
            return
        train_tokenlearn(texts, self.directory, progress)
        with self._lock:
            self._model = None


def train_tokenlearn(texts: Sequence[str], target: Path, progress: Progress = SILENT) -> None:
    """Steps 1-3 of the module doc, into ``target`` (atomically)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    work = target.with_name(f"{target.name}.work")
    work.mkdir(parents=True, exist_ok=True)
    teacher_vectors, sums, counts, seen = teacher_pass(list(texts), work, progress)
    isolated = isolated_model(work, progress)
    from tokenizers import Tokenizer

    teacher_vocabulary = Tokenizer.from_file(str(minilm_path() / "tokenizer.json")).get_vocab()
    start = contextual_vectors(
        isolated.tokens, isolated.embedding, teacher_vocabulary, sums, counts
    )
    progress.note("tokenlearn: fine-tuning on the teacher's sentence vectors")
    model = fine_tune(isolated, start, seen, teacher_vectors)
    staging = Path(tempfile.mkdtemp(prefix=".tokenlearn-", dir=target.parent))
    model.save_pretrained(str(staging))
    weights = hashlib.sha256((staging / "model.safetensors").read_bytes()).hexdigest()
    meta = {
        "teacher": minilm_version(),
        "texts": len(texts),
        "teacher_tokens": TEACHER_TOKENS,
        "weights": weights,
        "tokenlearn": importlib.metadata.version("tokenlearn"),
    }
    (staging / _META).write_text(json.dumps(meta), encoding="utf-8")
    try:
        staging.rename(target)
    except OSError:  # another process finished first: keep theirs
        shutil.rmtree(staging, ignore_errors=True)
    shutil.rmtree(work, ignore_errors=True)


def teacher_pass(
    texts: list[str], work: Path, progress: Progress
) -> tuple[Matrix, npt.NDArray[np.float64], npt.NDArray[np.int64], list[str]]:
    """MiniLM's sentence vectors of ``texts``, its per-token contextual sums, and each text
    cut where the teacher's token cap cut it (the text each vector is of).

    Saved every chunk with the digest of the texts done so far, so a killed run resumes
    where it stopped, and so does a run on a larger or smaller sample of the same draw
    (``training_sample`` draws prefixes) as long as it holds every text already done.
    """
    teacher = teacher_encoder(work)
    state = work / "teacher.npz"
    vectors = np.zeros((len(texts), teacher.dim), dtype=np.float32)
    sums = TokenSums(teacher.vocabulary_size, teacher.dim)
    done = 0
    if state.is_file():
        saved = np.load(state)
        saved_done = int(saved["done"])
        if saved_done <= len(texts) and str(saved["digest"]) == prefix_digest(texts[:saved_done]):
            done = saved_done
            vectors[:done], sums.sums, sums.counts = (
                saved["vectors"][:done],
                saved["sums"],
                saved["counts"],
            )
    progress.start("tokenlearn: MiniLM on the training sample", len(texts))
    progress.advance(done)
    for start in range(done, len(texts), _CHUNK):
        chunk = texts[start : start + _CHUNK]
        vectors[start : start + len(chunk)] = teacher.encode_observed(chunk, 32, sums)
        done = start + len(chunk)
        partial = work / "teacher.tmp.npz"
        with partial.open("wb") as handle:
            np.savez(
                handle,
                digest=prefix_digest(texts[:done]),
                done=done,
                vectors=vectors[:done],
                sums=sums.sums,
                counts=sums.counts,
            )
        os.replace(partial, state)
        progress.advance(len(chunk))
    return vectors, sums.sums, sums.counts, teacher.seen_texts(texts)


def prefix_digest(texts: Sequence[str]) -> str:
    """A digest of a list of texts (what the saved teacher state was computed from)."""
    digest = hashlib.blake2b(digest_size=8)
    for text in texts:
        digest.update(text.encode("utf-8"))
        digest.update(b"\x00")
    return digest.hexdigest()


def teacher_encoder(work: Path) -> OnnxMiniLMEncoder:
    """MiniLM on ONNX Runtime (fp32) reading each text's first ``TEACHER_TOKENS`` tokens."""
    return OnnxMiniLMEncoder(onnx_dir(work.parent.parent), max_tokens=TEACHER_TOKENS)


def isolated_model(work: Path, progress: Progress = SILENT) -> Any:
    """Every MiniLM token's vector on its own ([CLS] token [SEP], the token's last-layer
    state), as a static model with MiniLM's tokenizer (cached in ``work``).

    This is what model2vec's distillation computes, read at the token's position so that it
    lives where the contextual sums do; on ONNX Runtime it takes about a minute here where
    model2vec's ``distill`` (sentence-transformers) took over twenty under load.
    """
    from model2vec import StaticModel
    from tokenizers import Tokenizer

    folder = work / "isolated"
    if not folder.is_dir():
        vectors = teacher_encoder(work).token_vectors(progress)
        tokenizer = Tokenizer.from_file(str(minilm_path() / "tokenizer.json"))
        tokenizer.no_padding()
        tokenizer.no_truncation()
        model = StaticModel(vectors=vectors, tokenizer=tokenizer, normalize=True)
        staging = Path(tempfile.mkdtemp(prefix=".isolated-", dir=work))
        model.save_pretrained(str(staging))
        staging.rename(folder)
    return StaticModel.from_pretrained(str(folder))


def fine_tune(
    isolated: Any,
    start: Matrix,
    texts: list[str],
    targets: Matrix,
    epochs: int = EPOCHS,
    patience: int = 2,
) -> Any:
    """tokenlearn's static model trained from ``start``; its output layer folded in.

    tokenlearn's ``StaticModelFineTuner`` (per-token vectors and weights, a weighted mean,
    a linear layer) starts here from the contextual vectors with an identity layer, and
    learns to point each text's mean in the direction of MiniLM's vector (cosine loss, AdamW,
    early stopping on a held-out tenth). The layer is then folded into the token vectors:
    mean_i(w_i W e_i + b) = W mean_i(w_i e_i) + b.
    """
    import torch
    from model2vec import StaticModel
    from tokenlearn.pretrain import StaticModelFineTuner, TextDataset

    torch.manual_seed(0)
    pad = isolated.tokenizer.token_to_id("[PAD]")
    model = StaticModelFineTuner(
        torch.from_numpy(np.array(start)), out_dim=start.shape[1], pad_id=pad
    )
    with torch.no_grad():
        model.out_layer.weight.copy_(torch.eye(start.shape[1]))
        model.out_layer.bias.zero_()
    order = np.random.default_rng(0).permutation(len(texts))
    held = order[: max(1, len(texts) // 10)]
    kept = order[len(held) :]
    train = TextDataset(
        [texts[i] for i in kept], torch.from_numpy(targets[kept]), isolated.tokenizer
    )
    check = TextDataset(
        [texts[i] for i in held], torch.from_numpy(targets[held]), isolated.tokenizer
    )
    optimiser = torch.optim.AdamW(model.parameters(), lr=LEARNING_RATE)

    def loss_of(batch: Any) -> Any:
        ids, wanted = batch
        predicted, _ = model(ids)
        return (1 - torch.nn.functional.cosine_similarity(predicted, wanted)).mean()

    best, best_state, waited = float("inf"), dict(model.state_dict()), 0
    for _ in range(epochs):
        model.train()
        for batch in train.to_dataloader(shuffle=True, batch_size=BATCH):
            optimiser.zero_grad()
            loss_of(batch).backward()
            optimiser.step()
        model.eval()
        with torch.no_grad():
            loss = float(np.mean([loss_of(b).item() for b in check.to_dataloader(False, BATCH)]))
        if loss < best - 1e-5:
            best, waited = loss, 0
            best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
        else:
            waited += 1
            if waited >= patience:
                break
    model.load_state_dict(best_state)
    with torch.no_grad():
        weighted = model.embeddings.weight * model.w[:, None]
        folded = model.out_layer(weighted).numpy()
    folded[pad] = 0.0
    return StaticModel(
        vectors=folded.astype(np.float32), tokenizer=isolated.tokenizer, config=isolated.config
    )
