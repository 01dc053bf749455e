"""MiniLM through ONNX Runtime: the same model as ``minilm``, exported locally, batched by length.

The bundled all-MiniLM-L6-v2 weights are exported once (torch's ONNX exporter, ~20 s) into
``data_dir/models/minilm-onnx/`` and, for ``minilm-int8``, quantised there with ONNX
Runtime's dynamic int8 quantisation. Texts are tokenised with the model's own fast
tokenizer, sorted by token length and cut into batches of similar length, so a batch
carries almost no padding; the sentence vector is MiniLM's mean pooling, normalised.

fp32 (``minilm-onnx``) gives MiniLM's vectors (cosine 1.0000 to sentence-transformers') at
1.2x its speed here; int8 (``minilm-int8``) 2.5x at a mean cosine of 0.94 to them
(bench/embed_speed.py). The static ``tokenlearn`` encoder is the fast one; this module is
its teacher and the way to MiniLM-quality vectors without sentence-transformers' overhead.
"""

from __future__ import annotations

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
from paperscope.progress import SILENT, Progress

MAX_TOKENS = 256  # all-MiniLM-L6-v2's max_seq_length: a shorter cap changes the vectors
_META = "paperscope-onnx.json"
_INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def onnx_dir(data_dir: Path) -> Path:
    return data_dir / "models" / "minilm-onnx"


def export_minilm(target: Path) -> None:
    """Export the bundled MiniLM to ``target``/model.onnx and its int8 twin (needs torch).

    Written to a temporary folder then renamed: a crash or a concurrent export never leaves
    half a model behind.
    """
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from transformers import AutoModel

    class LastHiddenState(torch.nn.Module):
        def __init__(self, model: Any) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            output = self.model(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            )
            return output.last_hidden_state

    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".onnx-", dir=target.parent))
    model = LastHiddenState(AutoModel.from_pretrained(str(minilm_path())).eval())
    example = tuple(torch.ones((2, 8), dtype=torch.long) for _ in _INPUTS)
    axes = {name: {0: "batch", 1: "tokens"} for name in (*_INPUTS, "last_hidden_state")}
    torch.onnx.export(
        model,
        example,
        str(staging / "model.onnx"),
        input_names=list(_INPUTS),
        output_names=["last_hidden_state"],
        dynamic_axes=axes,
        opset_version=17,
        dynamo=False,
    )
    quantize_dynamic(
        str(staging / "model.onnx"), str(staging / "model-int8.onnx"), weight_type=QuantType.QInt8
    )
    shutil.copy(minilm_path() / "tokenizer.json", staging / "tokenizer.json")
    meta = {"source": minilm_version()}
    (staging / _META).write_text(json.dumps(meta), encoding="utf-8")
    try:
        staging.rename(target)
    except OSError:  # another process finished first: keep theirs
        shutil.rmtree(staging, ignore_errors=True)


def session_threads() -> int:
    """ONNX Runtime threads: the cores this process may use (``PAPERSCOPE_THREADS`` caps it)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    wanted = os.environ.get("PAPERSCOPE_THREADS")
    return max(1, min(int(wanted), cores or 1) if wanted else (cores or 1))


class TokenSums:
    """Per token id: the sum of its contextual vectors (MiniLM's last layer) and its count."""

    def __init__(self, vocabulary: int, dim: int) -> None:
        self.sums = np.zeros((vocabulary, dim), dtype=np.float64)
        self.counts = np.zeros(vocabulary, dtype=np.int64)

    def add(self, ids: npt.NDArray[np.int64], mask: npt.NDArray[np.int64], hidden: Matrix) -> None:
        keep = mask.astype(bool)
        flat_ids = ids[keep]
        np.add.at(self.sums, flat_ids, hidden[keep].astype(np.float64))
        self.counts += np.bincount(flat_ids, minlength=len(self.counts))


class OnnxMiniLMEncoder:
    """all-MiniLM-L6-v2 on ONNX Runtime (fp32 or int8), length-bucketed batches."""

    dim = 384

    def __init__(
        self, directory: Path, quantised: bool = False, max_tokens: int = MAX_TOKENS
    ) -> None:
        self.directory = directory
        self.quantised = quantised
        self.max_tokens = max_tokens
        self.name = "minilm-int8" if quantised else "minilm-onnx"
        self._session: Any = None
        self._tokenizer: Any = None
        self._lock = threading.Lock()

    @property
    def version(self) -> str:
        self._loaded()
        meta = json.loads((self.directory / _META).read_text(encoding="utf-8"))
        kind = "int8" if self.quantised else "fp32"
        return f"onnx {kind} max{self.max_tokens} of {meta['source']}"

    def _loaded(self) -> tuple[Any, Any]:
        with self._lock:
            if self._session is None:
                if not (self.directory / _META).is_file():
                    export_minilm(self.directory)
                import onnxruntime
                from tokenizers import Tokenizer

                options = onnxruntime.SessionOptions()
                options.intra_op_num_threads = session_threads()
                options.inter_op_num_threads = 1
                level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
                options.graph_optimization_level = level
                name = "model-int8.onnx" if self.quantised else "model.onnx"
                self._session = onnxruntime.InferenceSession(
                    str(self.directory / name), options, providers=_providers(onnxruntime)
                )
                tokenizer = Tokenizer.from_file(str(self.directory / "tokenizer.json"))
                tokenizer.enable_truncation(self.max_tokens)
                tokenizer.no_padding()
                self._tokenizer = tokenizer
            return self._session, self._tokenizer

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> Matrix:
        return self.encode_observed(texts, batch_size, None)

    @property
    def vocabulary_size(self) -> int:
        _, tokenizer = self._loaded()
        return int(tokenizer.get_vocab_size())

    def token_vectors(self, progress: Progress = SILENT, batch_size: int = 1024) -> Matrix:
        """Every token id's last-layer state when it is the whole input ([CLS] id [SEP])."""
        session, tokenizer = self._loaded()
        cls, sep = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
        size = tokenizer.get_vocab_size()
        out = np.zeros((size, self.dim), dtype=np.float32)
        progress.start("tokenlearn: MiniLM on each token alone", size)
        for start in range(0, size, batch_size):
            token_ids = np.arange(start, min(size, start + batch_size), dtype=np.int64)
            ids = np.stack(
                [np.full_like(token_ids, cls), token_ids, np.full_like(token_ids, sep)], 1
            )
            feeds = {"input_ids": ids, "attention_mask": np.ones_like(ids)}
            feeds["token_type_ids"] = np.zeros_like(ids)
            out[token_ids] = session.run(None, feeds)[0][:, 1]
            progress.advance(len(token_ids))
        return out

    def seen_texts(self, texts: Sequence[str]) -> list[str]:
        """Each text cut where the model's token cap cuts it (what its vector is of)."""
        _, tokenizer = self._loaded()
        ends = [max(end for _, end in e.offsets) for e in tokenizer.encode_batch(list(texts))]
        return [text[:end] for text, end in zip(texts, ends, strict=True)]

    def encode_observed(
        self, texts: Sequence[str], batch_size: int, tokens: TokenSums | None
    ) -> Matrix:
        """``encode``, also adding every token's contextual vector to ``tokens`` if given."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        session, tokenizer = self._loaded()
        encodings = [encoding.ids for encoding in tokenizer.encode_batch(list(texts))]
        order = np.argsort([-len(ids) for ids in encodings], kind="stable")
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for start in range(0, len(order), batch_size):
            rows = order[start : start + batch_size]
            width = max(len(encodings[row]) for row in rows)
            ids = np.zeros((len(rows), width), dtype=np.int64)
            mask = np.zeros_like(ids)
            for line, row in enumerate(rows):
                ids[line, : len(encodings[row])] = encodings[row]
                mask[line, : len(encodings[row])] = 1
            feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
            hidden = session.run(None, feeds)[0]
            pooled = (hidden * mask[..., None]).sum(axis=1) / mask.sum(axis=1, keepdims=True)
            if tokens is not None:
                tokens.add(ids, mask, hidden)
            out[rows] = pooled
        return normalise(out)


def _providers(onnxruntime: Any) -> list[str]:
    """CUDA first when this ONNX Runtime build has it (onnxruntime-gpu), else the CPU."""
    available = onnxruntime.get_available_providers()
    return [p for p in ("CUDAExecutionProvider", "CPUExecutionProvider") if p in available]
