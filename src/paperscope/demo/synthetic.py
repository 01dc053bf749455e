"""A synthetic corpus for the demo when nothing real can be harvested: clearly marked as such.

The distributions are chosen to look like arXiv CS: a few prolific authors and many
occasional ones (preferential attachment), 1-15 authors per paper (mode 3-4), citations to
earlier papers that favour the same category and already-cited papers (a heavy tail),
a third of the papers with a code link, publication dates growing towards today, and a
Daily Papers feed for the last two weeks (about 20 papers a day, today included) with
log-normal upvotes. Every record is written to a JSON Lines file first, then ingested through
the normal pipeline as format `synthetic-demo`, so its provenance says what it is.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from paperscope.demo.vocabulary import (
    AUTHOR_COUNTS,
    AUTHOR_WEIGHTS,
    CATEGORY_WEIGHTS,
    CLOSINGS,
    FAMILY,
    GIVEN,
    GROUP,
    INSTITUTIONS,
    MIDDLES,
    OPENINGS,
    SECONDARY,
    TOPICS,
    VENUES,
)


@dataclass(frozen=True, slots=True)
class SyntheticCorpus:
    path: Path
    works: int
    today: date


def _lab(person: int) -> str:
    """The affiliation of a person's lab (stable: people are grouped by index)."""
    lab = person // GROUP
    return f"Lab {lab + 1}, {INSTITUTIONS[lab % len(INSTITUTIONS)]}"


def _people(rng: random.Random, count: int) -> list[tuple[str, str]]:
    """(name, home category); a few names are shared by two people of different fields."""
    people: list[tuple[str, str]] = []
    categories = list(CATEGORY_WEIGHTS)
    weights = list(CATEGORY_WEIGHTS.values())
    names = [f"{given} {family}" for given in GIVEN for family in FAMILY]
    initials = "ABCDEFGHJKLMNPRSTW"
    while len(names) < count:  # more people than plain names: add middle initials
        given, family = rng.choice(GIVEN), rng.choice(FAMILY)
        names.append(f"{given} {rng.choice(initials)}. {family}")
    chosen = rng.sample(sorted(set(names)), count)
    group_home = [rng.choices(categories, weights)[0] for _ in range(count // GROUP + 1)]
    for index, name in enumerate(chosen):  # a lab of GROUP people shares a field
        people.append((name, group_home[index // GROUP]))
    for index in range(0, count // 25):  # namesakes: same name, another lab and field
        name, home = people[index * GROUP]
        other = rng.choice([c for c in categories if c != home])
        people.append((name, other))
    return people


@dataclass(frozen=True, slots=True)
class _Topic:
    method: str
    method2: str
    objects: str
    task: str


def _topic(rng: random.Random, category: str) -> _Topic:
    methods, objects, tasks = TOPICS[category]
    method, method2 = rng.sample(methods, 2)
    return _Topic(method, method2, rng.choice(objects), rng.choice(tasks))


def _title(rng: random.Random, topic: _Topic, acronym: str) -> str:
    shapes = (
        "{A}: {M} for {T}",
        "{A}: {M} Makes {O} Better at {T}",
        "Rethinking {T} with {M} ({A})",
        "{A}: Efficient {T} via {M} and {M2}",
        "{A}: Scaling {M} for {O}",
    )
    text = rng.choice(shapes).format(
        A=acronym, M=topic.method, M2=topic.method2, T=topic.task, O=topic.objects
    )
    return text[0].upper() + text[1:]


def _abstract(rng: random.Random, topic: _Topic, acronym: str, code: str | None) -> str:
    values = {
        "task": topic.task,
        "Task": topic.task.capitalize(),
        "objects": topic.objects,
        "method": topic.method,
        "method2": topic.method2,
        "name": acronym,
        "k": rng.randint(3, 12),
        "gain": round(rng.uniform(0.5, 9.5), 1),
    }
    parts = [rng.choice(s).format(**values) for s in (OPENINGS, MIDDLES, CLOSINGS)]
    if code:
        parts.append(f"Code is available at {code}.")
    return " ".join(parts)


def _acronym(rng: random.Random) -> str:
    letters = "ABCDEFGHIKLMNOPRSTVXZ"
    return "".join(rng.choice(letters) for _ in range(rng.randint(3, 5))) + rng.choice(
        ("", "", "Net", "-2", "Former", "GPT")
    )


def _dates(rng: random.Random, count: int, today: date) -> list[date]:
    """Dates over three years, denser towards today (the field grows)."""
    span = 3 * 365
    return sorted(
        today - timedelta(days=int(span * (1 - rng.random() ** 0.6))) for _ in range(count)
    )


def generate(
    target: Path, *, works: int = 1500, seed: int = 7, today: date | None = None
) -> SyntheticCorpus:
    """Write the synthetic corpus as JSON Lines to `target` (deterministic for a seed)."""
    rng = random.Random(seed)
    today = today or date.today()
    people = _people(rng, max(50, works // 3))
    productivity = [1.0] * len(people)
    categories = list(CATEGORY_WEIGHTS)
    weights = list(CATEGORY_WEIGHTS.values())
    days = _dates(rng, works - 14 * 20, today)
    days += [today - timedelta(days=d) for d in range(14) for _ in range(20)]
    days.sort()
    cited_weight: list[float] = []
    records: list[dict[str, Any]] = []
    for index, day in enumerate(days):
        key = f"synthetic-{index + 1:05d}"
        acronym = _acronym(rng)
        featured = day if (today - day).days < 14 else None
        lead = rng.choices(range(len(people)), productivity)[0]
        category = people[lead][1] if rng.random() < 0.85 else rng.choices(categories, weights)[0]
        size = rng.choices(AUTHOR_COUNTS, AUTHOR_WEIGHTS)[0]
        team = [lead]
        lab = range((lead // GROUP) * GROUP, min(len(people), (lead // GROUP + 1) * GROUP))
        while len(team) < size:
            if rng.random() < 0.75 and len(team) < len(lab):  # mostly the lead's own lab
                pick = rng.choice(lab)
            else:
                pick = rng.choices(range(len(people)), productivity)[0]
            if pick not in team:
                team.append(pick)
        rng.shuffle(team)
        for member in team:
            productivity[member] += 1.0
        topic = _topic(rng, category)
        has_code = rng.random() < 0.35
        repo = f"https://github.com/{people[lead][0].split()[-1].lower()}-lab/{acronym.lower()}"
        code = repo if has_code else None
        in_abstract = has_code and rng.random() < 0.7
        references: list[str] = []
        if records:
            wanted = min(len(records), rng.randint(3, 25))
            pool = range(len(records))
            bias = [
                cited_weight[i] * (3.0 if records[i]["categories"][0] == category else 1.0)
                for i in pool
            ]
            for target_index in set(rng.choices(pool, bias, k=wanted)):
                references.append(records[target_index]["id"])
                cited_weight[target_index] += 1.0
        # Only a curated daily list counts upvotes; other papers have none (not zero).
        upvotes = int(rng.lognormvariate(2.0, 1.2)) if featured else None
        secondary = [c for c in rng.sample(SECONDARY, rng.randint(0, 2)) if c != category]
        records.append(
            {
                "id": key,
                "title": _title(rng, topic, acronym),
                "abstract": _abstract(rng, topic, acronym, code if in_abstract else None),
                "authors": [people[m][0] for m in team],
                "affiliations": [_lab(m) for m in team],
                "venue": rng.choice(VENUES[category]),
                "published": day.isoformat(),
                "featured": featured.isoformat() if featured else None,
                "categories": [category, *secondary],
                "upvotes": upvotes,
                "code": code if has_code and not in_abstract else None,
                "references": references,
                "reported_extra": rng.random() < 0.5 or None,
            }
        )
        cited_weight.append(1.0)
    incoming: dict[str, int] = {}
    for record in records:
        for ref in record["references"]:
            incoming[ref] = incoming.get(ref, 0) + 1
    for record in records:  # a source also counts citing works outside this corpus
        if record.pop("reported_extra") is not None:
            record["reported_citations"] = incoming.get(record["id"], 0) + int(
                rng.paretovariate(1.3) * 3
            )
    _add_showcase(records, today)
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("w", encoding="utf-8") as out:
        for record in records:
            out.write(json.dumps(record) + "\n")
    return SyntheticCorpus(target, len(records), today)


def _add_showcase(records: list[dict[str, Any]], today: date) -> None:
    """Two papers whose text is hostile or awkward: they must render escaped and readable."""
    base = {"published": today.isoformat(), "featured": today.isoformat(), "references": []}
    records.append(
        base
        | {
            "id": "synthetic-hostile-1",
            "title": "<script>alert('x')</script> Robust <b>HTML</b> & \"quotes\" in titles",
            "abstract": "An abstract with markup <img src=x onerror=alert(1)> and LaTeX "
            "$\\mathcal{O}(n \\log n)$, \\textit{emphasis}, mojibake CafÃ© and \ufffd, a "
            "right-to-left override \u202e, and a control character \x07 here.",
            "authors": ["Ana <i>Tag</i> Smith", "Bo Li"],
            "categories": ["cs.CR"],
            "upvotes": 3,
        }
    )
    records.append(
        base
        | {
            "id": "synthetic-latex-1",
            "title": "Sub-quadratic $O(n^{1.5})$ attention with $\\epsilon$-guarantees",
            "abstract": "We prove a bound of $\\tilde{O}(\\sqrt{n})$ for \\emph{sparse} attention.",
            "authors": ["Chen Li", "Maria Garcia", "Jonas Fischer"],
            "categories": ["cs.LG"],
            "upvotes": 12,
        }
    )
