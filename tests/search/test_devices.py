"""Where the torch-based encoder runs: the GPU when torch sees one, else the CPU."""

from __future__ import annotations

import pytest
import torch

from paperscope.embeddings.base import torch_device


def test_the_cpu_when_torch_sees_no_gpu(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert torch_device() == "cpu"


def test_the_gpu_when_torch_sees_one(monkeypatch: pytest.MonkeyPatch) -> None:
    # No GPU exists on this machine: torch's own answer is the one thing replaced.
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert torch_device() == "cuda"
