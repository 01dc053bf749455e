"""Expert finding on held-out papers: do a paper's own authors rank high for its text?

For a seeded sample of papers of AAN (../shared/data/aan) and ACM-CR (../shared/data/acm-cr),
each paper in turn is hidden (the ranking never sees it: it is left out of both search lists,
its citations are taken off the cited works' counts, and the baseline's documents are
rebuilt without it) and its text is the query: ACM-CR papers' abstracts; AAN has titles only,
so its titles. A paper's **findable** authors are those with at least one other work in the
corpus (nobody can find an author whose only paper is hidden); only papers with a findable
author are sampled. Per paper:

  recall@10      share of its findable authors among the top 10 people
  recall@10 all  share of all its authors among the top 10
  MRR            1 / rank of its best-ranked findable author (0 below rank 100)

Two rankings run on the same papers in the same process:

  paperscope     search.experts as the /experts page ranks: keyword (BM25) and semantic
                 (model2vec) lists of DEPTH works fused by RRF; each author of a matching
                 work gets match x (1 + IMPACT x ln(1 + citations)) from it, and a person's
                 score adds up their best contributions with the weights BEST_WORKS
  bm25-people    BM25 over people: each person's titles and abstracts concatenated into
                 one document (SQLite FTS5, the product's tokenizer: porter unicode61), the
                 same query words (the first 30 distinct non-stop words, any of them)

People are the `resolve` stage's (run with PAPERSCOPE_IDENTITY_TOPICS=none), or, for a
corpus named in --people-by-name, provisional people (one per printed name key, what the
pages show before `paperscope resolve`); the same people for both rankings. Two disjoint
samples are drawn with the seed: `dev`, on which the variants below were compared and the
product's configuration chosen (the best dev MRR, averaged over the corpora, among the
variants weighed by impact), and `test`, reported for that fixed configuration. The
variants (which lists, how deep, the impact weight, summing all of a person's works, their
best 1, 2, 3 or 5, or their best 3 or 5 with weights 1, 1/2, 1/3, ...) are recomputed from
the same retrieved lists.

    python bench/experts.py --aan ../shared/data/aan --acm-cr ../shared/data/acm-cr \
        [--workdir /tmp/paperscope-experts-bench] [--n 300] [--seed 18] [--reuse] \
        [--acm-n 200] [--people-by-name acm]

The first run builds one SQLite database per corpus in --workdir (ingest, resolve, enrich
with model2vec: about 10 minutes for AAN and an hour for ACM-CR on 2 cores) and reuses it;
each corpus's measurements are saved there too, and --reuse reads them back.
Results go to bench/results/experts.json.
"""

from __future__ import annotations

import argparse
import functools
import json
import math
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np
from sqlalchemy import select

from paperscope.config import Settings
from paperscope.read.person_records import PersonRef
from paperscope.read.works import in_corpus_citations, reported_counts
from paperscope.search.bm25 import Bm25Index, bm25_index
from paperscope.search.experts import (
    BEST_WORKS,
    DEPTH,
    IMPACT,
    MAX_TEXT_CHARS,
    WorkMatch,
    find_experts,
    fuse,
    keyword_matches,
    query_terms,
    rank_experts,
    rank_people,
    semantic_matches,
)
from paperscope.search.query import fts5_expression
from paperscope.store import Store
from paperscope.store.schema import authorships, references, works

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "experts.json"
DEEPEST = 200  # the deepest list a variant uses
CUTOFF = 100  # ranks below this count as not found (MRR 0)
MIN_ABSTRACT = 100  # ACM-CR: a paper needs an abstract of at least this many characters


# --- the corpora ----------------------------------------------------------------------------


def build_store(
    name: str, sources: Sequence[Path], workdir: Path, resolve: bool
) -> tuple[Store, Settings, str]:
    """The corpus's database in `workdir`, built once by the pipeline's own stages, and how
    it was built (the `.ready` file's line). Without `resolve`, authors stay provisional
    people (one per printed name key), as the pages show them before `paperscope resolve`."""
    from paperscope.pipeline.runner import run_stages
    from paperscope.pipeline.stages import Run, RunOptions

    path = workdir / f"{name}.db"
    ready = workdir / f"{name}.ready"
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        data_dir=workdir,
        database_url=f"sqlite:///{path}",
        identity_topics="none",
        embedding_model="model2vec",
    )
    if not ready.exists():
        for leftover in workdir.glob(f"{name}.db*"):  # a half-built database: start again
            leftover.unlink()
        stages = ["ingest", "resolve", "enrich"] if resolve else ["ingest", "enrich"]
        print(f"  {name}: {', '.join(stages)} ...", flush=True)
        store = Store.open(settings.resolved_database_url())
        options = RunOptions(paths=tuple(sources), model="model2vec", batch_size=256)
        run_stages(Run(store, settings, options), stages)
        people = "resolve (identity_topics=none)" if resolve else "people by printed name"
        ready.write_text(f"ingest, {people}, enrich (model2vec)\n")
        return store, settings, ready.read_text().strip()
    return Store.open(settings.resolved_database_url()), settings, ready.read_text().strip()


@dataclass(slots=True)
class Corpus:
    name: str
    store: Store
    settings: Settings
    text: dict[int, str]
    """The query text of each work (title or abstract)."""
    document: dict[int, str]
    """What BM25 over people concatenates per work (title and abstract)."""
    credited: dict[int, tuple[PersonRef, ...]]
    keys: dict[int, tuple[str, ...]]
    """The person keys each work credits."""
    works_of: dict[str, int]
    """How many works each person (by key) is credited on."""
    counted: dict[int, int]
    """In-corpus citations of each work."""
    reported: dict[int, int]
    """The largest count a source reports, per work."""
    cites: dict[int, set[int]]
    """Works each work cites (in corpus)."""
    bm25: Bm25Index | None
    """The BM25 index beside the database, in step (None: PAPERSCOPE_KEYWORD_ENGINE=native)."""


def load_corpus(name: str, store: Store, settings: Settings, use_abstract: bool) -> Corpus:
    text: dict[int, str] = {}
    document: dict[int, str] = {}
    credited: dict[int, dict[str, PersonRef]] = {}
    works_of: dict[str, int] = {}
    cites: dict[int, set[int]] = {}
    with store.connect() as connection:
        for work_id, title, abstract in connection.execute(
            select(works.c.id, works.c.title, works.c.abstract)
        ):
            document[work_id] = f"{title or ''} {abstract or ''}".strip()
            if use_abstract:
                if abstract and len(abstract) >= MIN_ABSTRACT:
                    text[work_id] = abstract[:MAX_TEXT_CHARS]
            elif title:
                text[work_id] = title
        query = select(
            authorships.c.work_id, authorships.c.person_id, authorships.c.name_key
        ).order_by(authorships.c.work_id, authorships.c.position)
        for work_id, person_id, key in connection.execute(query):
            ref = PersonRef(person_id, "" if person_id is not None else key)
            if ref.key not in credited.setdefault(work_id, {}):
                credited[work_id][ref.key] = ref
                works_of[ref.key] = works_of.get(ref.key, 0) + 1
        linked = select(references.c.citing_work_id, references.c.cited_work_id).where(
            references.c.citing_work_id.is_not(None),
            references.c.cited_work_id.is_not(None),
            references.c.citing_work_id != references.c.cited_work_id,
        )
        for citing, cited in connection.execute(linked.distinct()):
            cites.setdefault(citing, set()).add(cited)
        ids = list(document)
        counted = in_corpus_citations(connection, ids)
        reported = reported_counts(connection, ids)
    bm25 = bm25_index(store, settings)
    if bm25 is not None:
        assert bm25.rebuild() is not None
    return Corpus(
        name,
        store,
        settings,
        text,
        document,
        {w: tuple(refs.values()) for w, refs in credited.items()},
        {w: tuple(refs) for w, refs in credited.items()},
        works_of,
        counted,
        reported,
        cites,
        bm25,
    )


def findable(corpus: Corpus, work_id: int) -> set[str]:
    return {ref.key for ref in corpus.credited.get(work_id, ()) if corpus.works_of[ref.key] > 1}


def samples(corpus: Corpus, n: int, seed: int) -> tuple[list[int], list[int], int]:
    """Two disjoint seeded samples (dev, test) of papers with text and a findable author."""
    eligible = sorted(w for w in corpus.text if findable(corpus, w))
    rng = random.Random(seed)
    rng.shuffle(eligible)
    return eligible[:n], eligible[n : 2 * n], len(eligible)


# --- rankings -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Variant:
    lists: str = "hybrid"  # hybrid, keyword, semantic
    depth: int = DEPTH
    strength: float = IMPACT  # a work weighs 1 + strength x ln(1 + citations)
    best: tuple[float, ...] | None = BEST_WORKS  # position weights of a person's best works

    @property
    def name(self) -> str:
        return f"{self.lists}-{self.depth}-impact{self.strength:g}-{self.aggregate}"

    @property
    def aggregate(self) -> str:
        if self.best is None:
            return "sum"
        if all(w == 1.0 for w in self.best):
            return f"top{len(self.best)}"
        return f"decay{len(self.best)}"


PRODUCT = Variant()
DEPTHS = (50, 100, 200)
STRENGTHS = (0.0, 0.05, 0.1, 0.25, 0.5, 1.0)
BESTS: tuple[tuple[float, ...] | None, ...] = (
    None,
    (1.0,),
    (1.0, 1.0),
    (1.0, 1.0, 1.0),
    (1.0, 1.0, 1.0, 1.0, 1.0),
    (1.0, 1 / 2, 1 / 3),
    (1.0, 1 / 2, 1 / 3, 1 / 4, 1 / 5),
)


def variant_rankings(
    corpus: Corpus, keyword: list[int], semantic: list[int], citations: Citations
) -> dict[str, list[str]]:
    """Every variant's top people, from the same two retrieved lists (numpy per variant)."""
    out: dict[str, list[str]] = {}
    for lists in ("hybrid", "keyword", "semantic"):
        for depth in DEPTHS:
            matches = fuse(
                keyword[:depth] if lists != "semantic" else [],
                semantic[:depth] if lists != "keyword" else [],
            )
            rows, names, match, logs = [], [], [], []
            index: dict[str, int] = {}
            for row, found in enumerate(matches):
                match.append(found.match)
                logs.append(math.log1p(max(citations.get(found.work_id, 0), 0)))
                for key in corpus.keys.get(found.work_id, ()):
                    rows.append(row)
                    names.append(index.setdefault(key, len(index)))
            people = list(index)
            r, c = np.array(rows, dtype=np.int64), np.array(names, dtype=np.int64)
            m, log = np.array(match), np.array(logs)
            for strength in STRENGTHS:
                for best in BESTS:
                    v = Variant(lists, depth, strength, best)
                    out[v.name] = _top(people, r, c, m * (1.0 + strength * log), best)
    return out


def _top(
    people: list[str],
    rows: np.ndarray,
    cols: np.ndarray,
    per_work: np.ndarray,
    best: tuple[float, ...] | None,
) -> list[str]:
    """rank_people's order with numpy: each person's values, largest first, weighted by
    position with `best` (all, weight 1: None), then more matching works, then the key."""
    if not len(people):
        return []
    values = per_work[rows]
    counts = np.bincount(cols, minlength=len(people))
    if best is None:
        totals = np.bincount(cols, weights=values, minlength=len(people))
    else:
        order = np.lexsort((-values, cols))
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        position = np.arange(len(order)) - np.repeat(starts, counts)
        kept = position < len(best)
        weights = np.array(best)[position[kept]]
        chosen = order[kept]
        totals = np.bincount(cols[chosen], weights=values[chosen] * weights, minlength=len(people))
    keys = np.array(people)
    order = np.lexsort((keys, -counts, -np.round(totals, 12)))
    return [people[i] for i in order[:CUTOFF]]


def product_ranking(
    corpus: Corpus, keyword: list[int], semantic: list[int], citations: Citations
) -> list[str]:
    """search.experts' own functions on the product's depth of both lists."""
    matches: tuple[WorkMatch, ...] = fuse(keyword[:DEPTH], semantic[:DEPTH])
    ranked = rank_people(matches, corpus.credited, citations)
    return [person.key for person in ranked[:CUTOFF]]


class Citations(dict[int, int]):
    """Citations as WorkSummary counts them (the larger of the in-corpus and the reported
    count), the hidden paper's own citations taken off the in-corpus count; computed for the
    works a ranking asks about."""

    def __init__(self, corpus: Corpus, hidden: int) -> None:
        super().__init__()
        self.corpus = corpus
        self.cited = corpus.cites.get(hidden, set())

    def __missing__(self, work_id: int) -> int:
        counted = self.corpus.counted.get(work_id, 0) - (work_id in self.cited)
        count = max(counted, self.corpus.reported.get(work_id) or 0)
        self[work_id] = count
        return count

    def get(self, work_id: int, default: int = 0) -> int:  # type: ignore[override]
        return self[work_id]


class PeopleBM25:
    """BM25 over people: one FTS5 document per person, the titles and abstracts of their
    works (the product's tokenizer); a hidden paper is taken out of its authors' documents
    inside a transaction that is rolled back after the query."""

    def __init__(self, corpus: Corpus, path: Path) -> None:
        self.corpus = corpus
        fresh = not path.exists()
        self.db = sqlite3.connect(path, isolation_level=None)
        self.rows: dict[str, int] = {}
        self.works: dict[str, list[int]] = {}
        for work_id, refs in corpus.credited.items():
            for ref in refs:
                self.works.setdefault(ref.key, []).append(work_id)
        for row, key in enumerate(sorted(self.works), 1):
            self.rows[key] = row
        self.keys = {row: key for key, row in self.rows.items()}
        if fresh:
            self._build()

    def _document(self, key: str, without: int | None = None) -> str:
        return " ".join(self.corpus.document[w] for w in self.works[key] if w != without)

    def _build(self) -> None:
        self.db.execute(
            "CREATE VIRTUAL TABLE people USING fts5(body, "
            "tokenize = 'porter unicode61 remove_diacritics 2')"
        )
        self.db.execute("BEGIN")
        for key, row in self.rows.items():
            self.db.execute(
                "INSERT INTO people (rowid, body) VALUES (?, ?)", (row, self._document(key))
            )
        self.db.execute("COMMIT")

    def rank(self, text: str, hidden: int) -> list[str]:
        expression = fts5_expression(query_terms(text), "OR")
        self.db.execute("BEGIN")
        try:
            for ref in self.corpus.credited.get(hidden, ()):
                self.db.execute(
                    "UPDATE people SET body = ? WHERE rowid = ?",
                    (self._document(ref.key, hidden), self.rows[ref.key]),
                )
            rows = self.db.execute(
                "SELECT rowid FROM people WHERE people MATCH ? ORDER BY bm25(people) LIMIT ?",
                (expression, CUTOFF),
            ).fetchall()
        finally:
            self.db.execute("ROLLBACK")
        return [self.keys[row] for (row,) in rows]


# --- measuring ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Scores:
    recall_at_10: float
    recall_all_at_10: float
    mrr: float
    n: int


def scores(rankings: Sequence[list[str]], truths: Sequence[tuple[set[str], set[str]]]) -> Scores:
    recalls, recalls_all, reciprocal = [], [], []
    for ranked, (found, everyone) in zip(rankings, truths, strict=True):
        top = set(ranked[:10])
        recalls.append(len(found & top) / len(found))
        recalls_all.append(len(everyone & top) / len(everyone))
        ranks = [rank for rank, key in enumerate(ranked[:CUTOFF], 1) if key in found]
        reciprocal.append(1 / ranks[0] if ranks else 0.0)
    return Scores(
        100 * statistics.fmean(recalls),
        100 * statistics.fmean(recalls_all),
        statistics.fmean(reciprocal),
        len(rankings),
    )


def percentiles(times: Sequence[float]) -> dict[str, float]:
    ordered = sorted(times)
    return {
        "p50_ms": 1000 * statistics.median(ordered),
        "p95_ms": 1000 * ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)],
        "n": len(ordered),
    }


def timed(function: Callable[[], Any]) -> tuple[Any, float]:
    started = time.perf_counter()
    value = function()
    return value, time.perf_counter() - started


def evaluate_sample(
    corpus: Corpus, baseline: PeopleBM25, papers: list[int], label: str
) -> dict[str, Any]:
    runs: dict[str, list[list[str]]] = {}
    product: list[list[str]] = []
    bm25: list[list[str]] = []
    truths = []
    times: dict[str, list[float]] = {"paperscope_lists": [], "bm25_people": []}
    for done, paper in enumerate(papers, 1):
        text = corpus.text[paper]
        hidden = frozenset({paper})
        everyone = {ref.key for ref in corpus.credited[paper]}
        truths.append((findable(corpus, paper), everyone))

        def retrieve(
            text: str = text, hidden: frozenset[int] = hidden
        ) -> tuple[list[int], list[int]]:
            with corpus.store.connect() as connection:
                keyword = keyword_matches(connection, text, DEEPEST, hidden, corpus.bm25)
            semantic = semantic_matches(corpus.store, corpus.settings, text, DEEPEST, hidden)
            return keyword, semantic or []

        (keyword, semantic), seconds = timed(retrieve)
        times["paperscope_lists"].append(seconds)
        citations = Citations(corpus, paper)
        product.append(product_ranking(corpus, keyword, semantic, citations))
        for name, ranked in variant_rankings(corpus, keyword, semantic, citations).items():
            runs.setdefault(name, []).append(ranked)
        mismatch = runs[PRODUCT.name][-1] != product[-1]
        if mismatch and runs[PRODUCT.name][-1][:10] != product[-1][:10]:
            raise AssertionError(f"the bench's variant code drifted from rank_people: {paper}")
        ranked, seconds = timed(functools.partial(baseline.rank, text, paper))
        bm25.append(ranked)
        times["bm25_people"].append(seconds)
        if done % 50 == 0:
            print(f"    {label}: {done}/{len(papers)}", flush=True)
    return {
        "paperscope": asdict(scores(product, truths)),
        "bm25_people": asdict(scores(bm25, truths)),
        "variants": {name: asdict(scores(run, truths)) for name, run in runs.items()},
        "latency": {name: percentiles(values) for name, values in times.items()},
    }


def check_product_path(corpus: Corpus, papers: list[int]) -> int:
    """rank_experts (the page's path: retrieval at DEPTH, citations from WorkSummary) gives
    what the bench computes from its deeper lists; returns how many papers agreed."""
    agreed = 0
    for paper in papers:
        text = corpus.text[paper]
        hidden = frozenset({paper})
        _, ranked = rank_experts(corpus.store, corpus.settings, text, hidden=hidden)
        with corpus.store.connect() as connection:
            keyword = keyword_matches(connection, text, DEEPEST, hidden, corpus.bm25)
        semantic = semantic_matches(corpus.store, corpus.settings, text, DEEPEST, hidden) or []
        expected = product_ranking(corpus, keyword, semantic, Citations(corpus, paper))
        agreed += [p.key for p in ranked[:CUTOFF]] == expected
    return agreed


def page_latency(corpus: Corpus, papers: list[int]) -> dict[str, float]:
    """find_experts as /experts calls it: the ranking and the first page of 20 people with
    their summaries and top works (nothing hidden)."""
    find_experts(corpus.store, corpus.settings, corpus.text[papers[0]])  # load model, index
    times = [
        timed(functools.partial(find_experts, corpus.store, corpus.settings, corpus.text[p]))[1]
        for p in papers
    ]
    return percentiles(times)


def run_corpus(
    name: str,
    sources: Sequence[Path],
    workdir: Path,
    sample: tuple[int, int],
    use_abstract: bool,
    reuse: bool,
    resolve: bool = True,
) -> dict[str, Any]:
    """The corpus's measurements, saved in `workdir`. With `reuse`, the sample evaluations of
    an earlier run of the same sample are read back (the variants do not depend on the
    product's constants: every variant is computed from lists of DEEPEST works); if the
    product's configuration changed since, its numbers are that variant's and the page's
    own path (agreement, latency) is measured again."""
    n, seed = sample
    engine = Settings(_env_file=None).keyword_engine  # type: ignore[call-arg]
    saved = workdir / f"{name}-results-n{n}-seed{seed}-{engine}.json"
    if reuse and saved.exists():
        result: dict[str, Any] = json.loads(saved.read_text())
        print(f"  {name}: sample evaluations of an earlier run reused ({saved})")
        if result.get("product") == PRODUCT.name:
            return result
        for label in ("dev", "test"):
            result[label]["paperscope"] = result[label]["variants"][PRODUCT.name]
        with open_corpus(name, sources, workdir, use_abstract, resolve) as (corpus, facts):
            result.update(facts)
            _, test, _ = samples(corpus, n, seed)
            measure_product_path(corpus, test, result)
    else:
        with open_corpus(name, sources, workdir, use_abstract, resolve) as (corpus, facts):
            result = measure_corpus(corpus, facts, workdir, sample, use_abstract)
    saved.write_text(json.dumps(result, indent=2) + "\n")
    return result


@contextmanager
def open_corpus(
    name: str, sources: Sequence[Path], workdir: Path, use_abstract: bool, resolve: bool
) -> Iterator[tuple[Corpus, dict[str, Any]]]:
    """The corpus loaded, and how its database was built (stages, resolved and provisional
    people)."""
    store, settings, built = build_store(name, sources, workdir, resolve)
    try:
        corpus, seconds = timed(lambda: load_corpus(name, store, settings, use_abstract))
        resolved = sum(1 for key in corpus.works_of if key.startswith("person:"))
        facts = {
            "database": built,
            "people": len(corpus.works_of),
            "resolved_people": resolved,
            "provisional_people": len(corpus.works_of) - resolved,
        }
        print(f"  {name}: {len(corpus.document)} works, {facts} ({seconds:.0f}s)")
        yield corpus, facts
    finally:
        store.close()


def measure_corpus(
    corpus: Corpus,
    facts: dict[str, Any],
    workdir: Path,
    sample: tuple[int, int],
    use_abstract: bool,
) -> dict[str, Any]:
    n, seed = sample
    name = corpus.name
    baseline, seconds = timed(lambda: PeopleBM25(corpus, workdir / f"{name}-people-bm25.db"))
    print(f"  {name}: BM25 over {len(baseline.rows)} people ready in {seconds:.0f}s", flush=True)
    dev, test, eligible = samples(corpus, n, seed)
    result: dict[str, Any] = {
        "works": len(corpus.document),
        **facts,
        "query": "abstract" if use_abstract else "title (AAN has no abstracts)",
        "eligible_papers": eligible,
        "papers_with_text": len(corpus.text),
    }
    for label, papers in (("dev", dev), ("test", test)):
        result[label] = evaluate_sample(corpus, baseline, papers, f"{name} {label}")
        for method in ("paperscope", "bm25_people"):
            s = result[label][method]
            print(
                f"  {name} {label:4s} {method:12s} R@10 {s['recall_at_10']:5.1f}  "
                f"R@10(all) {s['recall_all_at_10']:5.1f}  MRR {s['mrr']:.3f}  (n={s['n']})"
            )
    measure_product_path(corpus, test, result)
    return result


def measure_product_path(corpus: Corpus, test: list[int], result: dict[str, Any]) -> None:
    """The page's own path for the product's configuration: agreement and latency."""
    result["product"] = PRODUCT.name
    result["product_path_agreement"] = {
        "papers": 20,
        "agreed": check_product_path(corpus, test[:20]),
    }
    result["find_experts_latency"] = page_latency(corpus, test[:100])
    print(f"  {corpus.name} find_experts (page of 20): {result['find_experts_latency']}")


def dev_table(results: dict[str, Any]) -> list[tuple[str, float, float]]:
    """Every variant's mean dev MRR and recall@10 over the corpora, best MRR first."""
    names = next(iter(results.values()))["dev"]["variants"].keys()
    table = []
    for name in names:
        mrr = statistics.fmean(r["dev"]["variants"][name]["mrr"] for r in results.values())
        recall = statistics.fmean(
            r["dev"]["variants"][name]["recall_at_10"] for r in results.values()
        )
        table.append((name, mrr, recall))
    table.sort(key=lambda row: (-row[1], -row[2], row[0]))
    return table


def weighed_by_impact(name: str) -> bool:
    return "-impact0-" not in name


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--aan", type=Path)
    parser.add_argument("--acm-cr", type=Path)
    parser.add_argument(
        "--workdir", type=Path, default=Path(tempfile.gettempdir()) / "paperscope-experts-bench"
    )
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument(
        "--acm-n", type=int, help="papers per ACM-CR sample (default: --n; its queries are long)"
    )
    parser.add_argument("--seed", type=int, default=18)
    parser.add_argument(
        "--keyword-engine",
        choices=("bm25", "native"),
        default="bm25",
        help="who ranks the keyword lists: the BM25 index beside the database (the product's "
        "default for unfiltered searches) or the database's own index",
    )
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="reuse a corpus's measurements saved in --workdir by a run of the same sample "
        "and product configuration",
    )
    parser.add_argument(
        "--people-by-name",
        action="append",
        default=[],
        choices=("aan", "acm"),
        help="build this corpus without the resolve stage: its people are provisional, one "
        "per printed name key (as the pages show authors before `paperscope resolve`)",
    )
    args = parser.parse_args(argv)
    os.environ["PAPERSCOPE_KEYWORD_ENGINE"] = args.keyword_engine  # what Settings() read here
    if not args.aan and not args.acm_cr:
        parser.error("give --aan and/or --acm-cr")
    args.workdir.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {}
    sample = (args.n, args.seed)
    if args.aan:
        sources = [args.aan]
        resolve = "aan" not in args.people_by_name
        results["aan"] = run_corpus(
            "aan", sources, args.workdir, sample, False, args.reuse, resolve
        )
    if args.acm_cr:
        sources = [args.acm_cr / "acm-dl-bibtex.tar.gz"]
        resolve = "acm" not in args.people_by_name
        acm_sample = (args.acm_n or args.n, args.seed)
        results["acm-cr"] = run_corpus(
            "acm", sources, args.workdir, acm_sample, True, args.reuse, resolve
        )
    table = dev_table(results)
    chosen = next(row for row in table if weighed_by_impact(row[0]))
    print("  best variants on dev (mean MRR, mean R@10 over the corpora):")
    for name, mrr, recall in table[:8]:
        marker = "  <- product" if name == PRODUCT.name else ""
        print(f"    {name:36s} MRR {mrr:.3f}  R@10 {recall:5.1f}{marker}")
    print(f"  best weighed by impact (the rule for the product): {chosen[0]}")
    for label in ("dev", "test"):
        for name, r in results.items():
            s = r[label]["variants"][chosen[0]]
            print(f"    {name} {label}: R@10 {s['recall_at_10']:5.1f}  MRR {s['mrr']:.3f}")
    payload = {
        "protocol": __doc__,
        "product": {"name": PRODUCT.name, **asdict(PRODUCT)},
        "chosen_on_dev": chosen[0],
        "seed": args.seed,
        "n_per_sample": {name: r["dev"]["paperscope"]["n"] for name, r in results.items()},
        "cpu_count": os.cpu_count(),
        "corpora": results,
        "dev_variants_by_mrr": table,
    }
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps(payload, indent=2) + "\n")
    print(f"  wrote {args.results}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
