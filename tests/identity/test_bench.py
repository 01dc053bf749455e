"""bench/disambiguation.py end to end on a few real names: the protocol and its output."""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.shared, pytest.mark.slow]

BENCH = Path(__file__).resolve().parents[2] / "bench" / "disambiguation.py"


def test_train_then_test_prints_the_contract_lines(
    shared_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    dev = sorted((shared_dir / "data/aminer-na/dev").glob("*.xml"))
    small = [p for p in dev if p.stat().st_size < 20_000]
    train, test = tmp_path / "train", tmp_path / "test"
    train.mkdir()
    test.mkdir()
    for path in small[:6]:
        shutil.copy(path, train / path.name)
    for path in small[6:8]:
        shutil.copy(path, test / path.name)
    spec = importlib.util.spec_from_file_location("disambiguation_bench", BENCH)
    assert spec and spec.loader
    bench = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, bench)  # dataclasses look their module up
    spec.loader.exec_module(bench)
    results = tmp_path / "out.json"

    arguments = ["--train", str(train), "--test", str(test), "--results", str(results)]
    options = ["--topics", "hashing", "--cache", str(tmp_path / "cache")]
    assert bench.main([*arguments, *options]) == 0

    lines = capsys.readouterr().out.splitlines()
    assert any(
        line.startswith("B-cubed F1 (macro): 0.") or line.startswith("B-cubed F1 (macro): 1.")
        for line in lines
    )
    assert any(line.startswith("pairwise F1 (macro): ") for line in lines)
    assert any(line.startswith("one name = one person: pairwise F1 (macro): ") for line in lines)
    assert any(line.startswith("each paper its own person: B-cubed F1 (macro): ") for line in lines)
    payload = json.loads(results.read_text())
    assert len(payload["names"]) == 2
    each_own = payload["summaries"]["each paper its own person"]
    assert each_own["macro_pairwise_precision"] == 1.0
    assert payload["summaries"]["one name = one person"]["macro_pairwise_recall"] == 1.0
    auc = payload["topic_cosine_auc"]  # title words shared by one person's papers
    assert 0.5 < auc <= 1.0 and f"ROC AUC {auc:.3f}" in "\n".join(lines)

    assert bench.main([*arguments, *options, "--model-topics", "none"]) == 0
    again = json.loads(results.read_text())
    assert again["protocol"].endswith("models learn from none title vectors, scored with hashing")
    assert again["topic_cosine_auc"] == auc  # the scored names' vectors, not the training's
