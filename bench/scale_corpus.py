"""A deterministic benchmark corpus at a lab's scale: 1M works (`--works 100000` for quick runs).

What makes it realistic enough to measure paperscope on:

- people of many cultures with Zipf-distributed family and given names, so that common names
  ("Wei Wang", "Y. Li") are shared by many people; names printed differently by each source
  (initials, family name first, diacritics dropped), ORCIDs for a quarter of the people;
- labs that persist: a lab has a head, members who join over the years and keep publishing
  (productive people publish more: preferential attachment), a topic focus and a home
  institution; a few authors of a work come from other labs of the same field;
- a heavy-tailed citation graph: each work cites earlier works, mostly of its own category,
  chosen in proportion to how often they were cited already;
- 30 years of dates growing about 12% a year, arXiv categories weighted as in cs.*, venues;
- titles and abstracts composed from each lab's topic terms and many sentence forms: no two
  abstracts are the same, and works of one topic share words;
- three source formats with overlapping records to merge: every arXiv work in the Kaggle
  arXiv snapshot format, 70% of works in OpenAlex's snapshot format (with reference lists),
  30% in Semantic Scholar's bulk `papers` dataset (with a `citations` shard); records of one
  work share a DOI or an arXiv id, except a tenth of the arXiv/OpenAlex pairs, which only
  the normalised title, first author's surname and year tie together.

Everything is a function of (`--seed`, `--works`): the same command writes the same bytes.
Alongside the source files it writes `truth/` (the person behind every authorship and the ids
of every work) for checking disambiguation and merging at scale. Generation streams: the
graph is built first in compact arrays, then each work's text is made from its own seed and
written, so memory stays around 1.5 GB at 1M works.

Usage: python bench/scale_corpus.py OUT_DIR [--works 1000000] [--seed 7] [--part-size 100000]
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import math
import random
import time
import unicodedata
from array import array
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, TextIO

from scale_corpus_words import (
    ADJECTIVES,
    CLOSINGS,
    CULTURES,
    INSTITUTIONS,
    METRICS,
    MIDDLES,
    OPENINGS,
    PROPERTIES,
    RESULTS,
    TITLE_FORMS,
    TOPICS,
)

FIRST_YEAR, YEARS = 1996, 30
GROWTH = 0.12
WORKS_PER_LAB = 40
NEW_MEMBER = 0.22
"""Chance that an authorship slot of a lab goes to a newcomer (a new student)."""
GUEST = 0.15
ARXIV_SHARE, OPENALEX_SHARE, S2_SHARE = 0.65, 0.70, 0.30
TITLE_ONLY_SHARE = 0.10
"""Of the works in both arXiv and OpenAlex, those whose OpenAlex record shares no id."""
MEAN_REFERENCES = 10.0
SAME_CATEGORY = 0.75
UNIFORM_PICK = 0.3
"""Chance that a reference is drawn uniformly, not in proportion to citations so far."""
AUTHOR_COUNTS = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 15)
AUTHOR_WEIGHTS = (4, 11, 17, 18, 15, 11, 8, 5, 4, 3, 2, 2)
VENUES = {
    "cs.LG": ("NeurIPS", "ICML", "ICLR", "JMLR"),
    "cs.CV": ("CVPR", "ICCV", "ECCV", "IEEE TPAMI"),
    "cs.CL": ("ACL", "EMNLP", "NAACL", "TACL"),
    "cs.AI": ("AAAI", "IJCAI", "Artificial Intelligence"),
    "cs.RO": ("ICRA", "IROS", "RSS"),
    "cs.IR": ("SIGIR", "WSDM", "CIKM"),
    "cs.CR": ("USENIX Security", "IEEE S&P", "CCS"),
    "cs.DC": ("OSDI", "EuroSys", "SoCC"),
    "cs.SE": ("ICSE", "FSE", "ASE"),
    "cs.DB": ("SIGMOD", "VLDB", "ICDE"),
    "cs.HC": ("CHI", "UIST", "CSCW"),
    "cs.NI": ("SIGCOMM", "NSDI", "INFOCOM"),
    "stat.ML": ("AISTATS", "UAI", "Annals of Statistics"),
    "eess.IV": ("ICIP", "IEEE TIP", "ICASSP"),
}


@dataclass(slots=True)
class Lab:
    category: str
    culture: str
    institution: str
    focus: tuple[int, int, int]
    """Indices of the lab's own method, object and task in its category's lists."""
    members: array = field(default_factory=lambda: array("i"))  # type: ignore[type-arg]
    tickets: array = field(default_factory=lambda: array("i"))  # type: ignore[type-arg]
    """One entry per authorship of a member: drawing from it favours productive members."""


@dataclass(slots=True)
class Graph:
    """Everything but the text, in compact arrays indexed by work or person."""

    days: array  # type: ignore[type-arg]
    lab_of: array  # type: ignore[type-arg]
    category_of: array  # type: ignore[type-arg]
    author_offsets: array  # type: ignore[type-arg]
    authors: array  # type: ignore[type-arg]
    reference_offsets: array  # type: ignore[type-arg]
    references: array  # type: ignore[type-arg]
    cited: array  # type: ignore[type-arg]
    labs: list[Lab]
    person_culture: array  # type: ignore[type-arg]
    person_family: array  # type: ignore[type-arg]
    person_given: array  # type: ignore[type-arg]
    person_lab: array  # type: ignore[type-arg]
    categories: list[str]


def _zipf(count: int, exponent: float) -> list[float]:
    return [1.0 / (rank + 1) ** exponent for rank in range(count)]


def _days(works: int, rng: random.Random) -> array:  # type: ignore[type-arg]
    """Publication days, oldest first, the yearly volume growing by GROWTH."""
    weights = [math.exp(GROWTH * year) for year in range(YEARS)]
    total = sum(weights)
    start = date(FIRST_YEAR, 1, 1).toordinal()
    out = array("i")
    for year, weight in enumerate(weights):
        count = round(works * weight / total) if year < YEARS - 1 else works - len(out)
        first = date(FIRST_YEAR + year, 1, 1).toordinal()
        out.extend(sorted(first + rng.randrange(365) for _ in range(count)))
    assert out[0] >= start and len(out) == works
    return out


class _People:
    """People, created as labs take newcomers; names drawn by culture, Zipf within it."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.cultures = list(CULTURES)
        self.family_weights = {c: _zipf(len(CULTURES[c][1]), 0.9) for c in self.cultures}
        self.given_weights = {c: _zipf(len(CULTURES[c][2]), 0.6) for c in self.cultures}
        self.culture = array("b")
        self.family = array("h")
        self.given = array("h")
        self.lab = array("i")

    def new(self, lab_index: int, home: str) -> int:
        rng = self.rng
        culture = home if rng.random() < 0.7 else rng.choices(self.cultures, _CULTURE_W)[0]
        self.culture.append(self.cultures.index(culture))
        families, givens = CULTURES[culture][1], CULTURES[culture][2]
        self.family.append(rng.choices(range(len(families)), self.family_weights[culture])[0])
        self.given.append(rng.choices(range(len(givens)), self.given_weights[culture])[0])
        self.lab.append(lab_index)
        return len(self.lab) - 1


_CULTURE_W = [CULTURES[c][0] for c in CULTURES]


def _new_lab(rng: random.Random, categories: list[str], weights: list[float]) -> Lab:
    category = rng.choices(categories, weights)[0]
    _, methods, objects, tasks = TOPICS[category]
    focus = (rng.randrange(len(methods)), rng.randrange(len(objects)), rng.randrange(len(tasks)))
    culture = rng.choices(list(CULTURES), _CULTURE_W)[0]
    return Lab(category, culture, rng.choice(INSTITUTIONS), focus)


def _team(
    rng: random.Random, index: int, lab: Lab, people: _People, guests: list[int]
) -> list[int]:
    """A work's authors: the lab's members (favouring the productive), newcomers, guests,
    and the lab's head last on most works."""
    size = rng.choices(AUTHOR_COUNTS, AUTHOR_WEIGHTS)[0]
    team: list[int] = []
    if not lab.members:
        head = people.new(index, lab.culture)
        lab.members.append(head)
        lab.tickets.append(head)
    for _ in range(size - 1):
        if guests and rng.random() < GUEST / 2:
            person = rng.choice(guests)
        elif rng.random() < NEW_MEMBER:
            person = people.new(index, lab.culture)
            lab.members.append(person)
        else:
            person = lab.tickets[rng.randrange(len(lab.tickets))]
        if person not in team:
            team.append(person)
    head = lab.members[0]
    if head in team:
        team.remove(head)
    if rng.random() < 0.7 or not team:
        team.append(head)
    else:
        team.insert(rng.randrange(len(team) + 1), head)
    for person in team:
        lab.tickets.append(person)
    return team


def build_graph(works: int, seed: int) -> Graph:
    """Who wrote what and who cites whom, oldest work first."""
    rng = random.Random(seed)
    days = _days(works, rng)
    categories = list(TOPICS)
    weights = [TOPICS[c][0] for c in categories]
    labs = [_new_lab(rng, categories, weights) for _ in range(max(1, works // WORKS_PER_LAB))]
    lab_weights = [rng.paretovariate(1.4) for _ in labs]
    labs_of_category: dict[str, list[int]] = {}
    for number, lab in enumerate(labs):
        labs_of_category.setdefault(lab.category, []).append(number)
    people = _People(rng)
    graph = Graph(days, array("i"), array("b"), array("q", [0]), array("i"), array("q", [0]),
                  array("i"), array("i", bytes(4 * works)), labs, people.culture,
                  people.family, people.given, people.lab, categories)  # fmt: skip
    by_category: dict[int, array] = {c: array("i") for c in range(len(categories))}  # type: ignore[type-arg]
    tickets: dict[int, array] = {c: array("i") for c in range(len(categories))}  # type: ignore[type-arg]
    chosen_labs = rng.choices(range(len(labs)), lab_weights, k=works)
    for index in range(works):
        lab_number = chosen_labs[index]
        lab = labs[lab_number]
        own = categories.index(lab.category)
        category = own if rng.random() < 0.85 else rng.randrange(len(categories))
        graph.lab_of.append(lab_number)
        graph.category_of.append(category)
        same_field = labs_of_category[lab.category]
        guest_lab = labs[rng.choice(same_field)]
        team = _team(rng, lab_number, lab, people, list(guest_lab.members[:8]))
        graph.authors.extend(team)
        graph.author_offsets.append(len(graph.authors))
        for target in _references(rng, index, days, category, by_category, tickets):
            graph.references.append(target)
            graph.cited[target] += 1
            tickets[graph.category_of[target]].append(target)
        graph.reference_offsets.append(len(graph.references))
        by_category[category].append(index)
    return graph


def _references(
    rng: random.Random,
    index: int,
    days: array,  # type: ignore[type-arg]
    category: int,
    by_category: dict[int, array],  # type: ignore[type-arg]
    tickets: dict[int, array],  # type: ignore[type-arg]
) -> list[int]:
    """Earlier works this one cites: mostly its own category, most-cited favoured."""
    if index < 20:
        return []
    age = (days[index] - days[0]) / (365.0 * YEARS)
    wanted = min(60, int(rng.lognormvariate(math.log(MEAN_REFERENCES * (0.4 + age)), 0.6)))
    found: set[int] = set()
    for _ in range(wanted * 2):
        if len(found) >= wanted:
            break
        pool_category = category if rng.random() < SAME_CATEGORY else rng.randrange(len(tickets))
        pool = tickets[pool_category]
        if rng.random() < UNIFORM_PICK or not pool:
            pool = by_category[pool_category]
        if pool:
            found.add(pool[rng.randrange(len(pool))])
    return sorted(found)


# --- text --------------------------------------------------------------------------------


def _acronym(rng: random.Random) -> str:
    syllables = ("Ne", "Flex", "Ra", "Tri", "Lu", "Mo", "Sy", "Ka", "Ve", "Zo", "Pi", "Dra")
    ending = rng.choice(("Net", "Former", "GPT", "Fusion", "Bench", "Flow", "Gen", "Lens", ""))
    return rng.choice(syllables) + rng.choice(syllables).lower() + ending


def _slots(rng: random.Random, graph: Graph, index: int) -> dict[str, str]:
    lab = graph.labs[graph.lab_of[index]]
    category = graph.categories[graph.category_of[index]]
    _, methods, objects, tasks = TOPICS[category]

    def pick(items: tuple[str, ...], own: int) -> str:
        same_lab = category == lab.category and rng.random() < 0.6
        return items[own % len(items)] if same_lab else rng.choice(items)

    method, obj, task = (
        pick(methods, lab.focus[0]),
        pick(objects, lab.focus[1]),
        pick(tasks, lab.focus[2]),
    )
    acronym = _acronym(rng)
    return {
        "method": method,
        "method2": rng.choice([m for m in methods if m != method] or list(methods)),
        "object": obj,
        "object2": rng.choice(objects),
        "task": task,
        "task2": rng.choice(tasks),
        "acronym": acronym,
        "count": str(rng.randrange(3, 40)),
        "gain": f"{rng.uniform(0.3, 12):.1f}",
        "speed": f"{rng.uniform(1.2, 9):.1f}",
        "metric": rng.choice(METRICS),
        "adjective": rng.choice(ADJECTIVES),
        "property": rng.choice(PROPERTIES),
        "code": f"https://github.com/lab{graph.lab_of[index]}/{acronym.lower()}",
    }


def _fill(form: str, slots: dict[str, str]) -> str:
    values = dict(slots)
    for key, value in slots.items():
        values[key.capitalize()] = value[:1].upper() + value[1:]
    return form.format(**values)


def _title_case(text: str) -> str:
    small = {"for", "with", "of", "in", "on", "and", "via", "at", "the", "a"}
    words = text.split(" ")
    return " ".join(
        w if (i and w.lower() in small) or not w[:1].islower() else w[:1].upper() + w[1:]
        for i, w in enumerate(words)
    )


def text_of(graph: Graph, index: int, seed: int) -> tuple[str, str, bool]:
    """(title, abstract, has code) of one work, from the work's own seed."""
    rng = random.Random(seed * 1_000_003 + index)
    slots = _slots(rng, graph, index)
    title = _title_case(_fill(rng.choice(TITLE_FORMS), slots))
    has_code = rng.random() < 0.33
    sentences = [
        _fill(rng.choice(OPENINGS), slots),
        _fill(rng.choice(MIDDLES), slots),
        *(_fill(form, slots) for form in rng.sample(RESULTS, rng.randrange(1, 4))),
    ]
    closing = rng.choice(CLOSINGS)
    if has_code and "{code}" not in closing:
        closing = CLOSINGS[0]
    if closing and ("{code}" not in closing or has_code):
        sentences.append(_fill(closing, slots))
    return title, " ".join(sentences), has_code


# --- names as each source prints them ---------------------------------------------------


def _name_parts(graph: Graph, person: int) -> tuple[str, str, bool]:
    culture = list(CULTURES)[graph.person_culture[person]]
    _, families, givens, family_first = CULTURES[culture]
    return givens[graph.person_given[person]], families[graph.person_family[person]], family_first


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def printed(graph: Graph, person: int, source: str, rng: random.Random) -> tuple[str, str]:
    """(name as printed, (family, given)) for one authorship in one source."""
    given, family, family_first = _name_parts(graph, person)
    roll = rng.random()
    if source == "arxiv" and roll < 0.3:
        initials = " ".join(part[0] + "." for part in given.replace("-", " ").split())
        return f"{initials} {family}", f"{family}|{initials}"
    if source == "s2" and roll < 0.5:
        given, family = _plain(given), _plain(family)
    if family_first and roll > 0.9:
        return f"{family} {given}", f"{family}|{given}"
    return f"{given} {family}", f"{family}|{given}"


def orcid_of(person: int) -> str | None:
    digest = hashlib.blake2b(person.to_bytes(8, "little"), digest_size=8).digest()
    if digest[0] >= 64:  # a quarter of the people
        return None
    number = int.from_bytes(digest[1:], "little") % 10**15
    digits = f"{number:015d}"
    total = 0
    for digit in digits:
        total = (total + int(digit)) * 2
    check = (12 - total % 11) % 11
    body = digits + ("X" if check == 10 else str(check))
    return "-".join(body[i : i + 4] for i in range(0, 16, 4))


# --- which sources hold a work, and its ids ------------------------------------------------


@dataclass(frozen=True, slots=True)
class Presence:
    arxiv: str | None
    doi: str | None
    openalex: str | None
    s2: int | None
    title_only: bool
    """Its OpenAlex record shares no id with its arXiv record (merged by title key only)."""


def presence(graph: Graph, index: int, seed: int, arxiv_numbers: dict[int, int]) -> Presence:
    rng = random.Random(seed * 7_919 + index)
    day = date.fromordinal(graph.days[index])
    on_arxiv = day.year >= 1998 and rng.random() < ARXIV_SHARE * (0.5 + (day.year - 1996) / 60)
    in_openalex = rng.random() < OPENALEX_SHARE
    in_s2 = rng.random() < S2_SHARE
    if not (on_arxiv or in_openalex or in_s2):
        in_openalex = True
    published = rng.random() < 0.6 or not on_arxiv
    arxiv = None
    if on_arxiv:
        month = day.year * 100 + day.month
        arxiv_numbers[month] = arxiv_numbers.get(month, 0) + 1
        number = arxiv_numbers[month]
        stamp = f"{day.year % 100:02d}{day.month:02d}"
        if day.year < 2007:  # old-style ids until March 2007
            arxiv = f"cs/{stamp}{number:03d}"
        else:
            arxiv = f"{stamp}.{number:0{5 if day.year >= 2015 else 4}d}"
    doi = f"10.{5000 + graph.lab_of[index] % 400}/ps.{index}" if published else None
    title_only = on_arxiv and in_openalex and rng.random() < TITLE_ONLY_SHARE
    return Presence(
        arxiv,
        doi,
        f"W{3_000_000_000 + index}" if in_openalex else None,
        100_000_000 + index if in_s2 else None,
        title_only,
    )


# --- records, as each source writes them -------------------------------------------------

SUBFIELDS = {
    "cs.LG": "Artificial Intelligence", "cs.CV": "Computer Vision and Pattern Recognition",
    "cs.CL": "Artificial Intelligence", "cs.AI": "Artificial Intelligence",
    "cs.RO": "Control and Systems Engineering", "cs.IR": "Information Systems",
    "cs.CR": "Computer Networks and Communications",
    "cs.DC": "Computer Networks and Communications",
    "cs.SE": "Software", "cs.DB": "Information Systems", "cs.HC": "Human-Computer Interaction",
    "cs.NI": "Computer Networks and Communications", "stat.ML": "Statistics and Probability",
    "eess.IV": "Signal Processing",
}  # fmt: skip
_RFC_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_RFC_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True, slots=True)
class Work:
    """One work with its text, as every source record of it is made from."""

    index: int
    day: date
    category: str
    venue: str | None
    title: str
    abstract: str
    has_code: bool
    authors: tuple[int, ...]
    references: tuple[int, ...]
    ids: Presence


def _authors_of(graph: Graph, index: int) -> tuple[int, ...]:
    return tuple(graph.authors[graph.author_offsets[index] : graph.author_offsets[index + 1]])


def _references_of(graph: Graph, index: int) -> tuple[int, ...]:
    start, end = graph.reference_offsets[index], graph.reference_offsets[index + 1]
    return tuple(graph.references[start:end])


def _source_author_id(person: int, prefix: str) -> str:
    """A source's own author id: one per person, except that a tenth of the people have a
    second one on some works (sources split people too; they never merge two)."""
    return f"{prefix}{5_000_000_000 + person}"


def kaggle_record(graph: Graph, work: Work, rng: random.Random) -> dict[str, Any]:
    names = [printed(graph, person, "arxiv", rng) for person in work.authors]
    day = work.day
    created = f"{_RFC_DAYS[day.weekday()]}, {day.day} {_RFC_MONTHS[day.month - 1]} {day.year}"
    extra = [] if rng.random() < 0.6 else [rng.choice(graph.categories)]
    return {
        "id": work.ids.arxiv,
        "submitter": names[0][0],
        "authors": ", ".join(name for name, _ in names[:-1])
        + (" and " if len(names) > 1 else "")
        + names[-1][0],
        "title": work.title,
        "comments": f"{rng.randrange(6, 40)} pages" if rng.random() < 0.5 else None,
        "journal-ref": work.venue if work.ids.doi and rng.random() < 0.3 else None,
        "doi": work.ids.doi,
        "report-no": None,
        "categories": " ".join(dict.fromkeys([work.category, *extra])),
        "license": None,
        "abstract": work.abstract,
        "versions": [{"version": "v1", "created": f"{created} 12:00:00 GMT"}],
        "update_date": (day + timedelta(days=rng.randrange(0, 200))).isoformat(),
        "authors_parsed": [[*key.split("|"), ""] for _, key in names],
    }


def _inverted(abstract: str) -> dict[str, list[int]]:
    index: dict[str, list[int]] = {}
    for position, word in enumerate(abstract.split()):
        index.setdefault(word, []).append(position)
    return index


def openalex_record(graph: Graph, work: Work, rng: random.Random, lab: Lab) -> dict[str, Any]:
    ids = work.ids
    doi = None if ids.title_only else ids.doi
    count = len(work.authors)
    authorships = []
    for position, person in enumerate(work.authors):
        name, _ = printed(graph, person, "openalex", rng)
        orcid = orcid_of(person)
        home = graph.labs[graph.person_lab[person]].institution
        authorships.append(
            {
                "author_position": "first"
                if position == 0
                else "last"
                if position == count - 1
                else "middle",
                "author": {
                    "id": f"https://openalex.org/{_source_author_id(person, 'A')}",
                    "display_name": name,
                    "orcid": f"https://orcid.org/{orcid}" if orcid else None,
                },
                "raw_author_name": name,
                "institutions": [{"display_name": home}],
            }
        )
    locations = []
    if ids.arxiv and not ids.title_only:
        locations.append({"landing_page_url": f"https://arxiv.org/abs/{ids.arxiv}"})
    return {
        "id": f"https://openalex.org/{ids.openalex}",
        "doi": f"https://doi.org/{doi}" if doi else None,
        "title": work.title,
        "display_name": work.title,
        "publication_year": work.day.year,
        "publication_date": work.day.isoformat(),
        "ids": {"openalex": f"https://openalex.org/{ids.openalex}"},
        "authorships": authorships,
        "primary_location": {"source": {"display_name": work.venue} if work.venue else None},
        "locations": locations,
        "primary_topic": {"subfield": {"display_name": SUBFIELDS[work.category]}},
        "cited_by_count": int(graph.cited[work.index] * rng.uniform(1.0, 2.5)),
        "abstract_inverted_index": _inverted(work.abstract) if rng.random() < 0.8 else None,
        "referenced_works": [f"https://openalex.org/W{3_000_000_000 + r}" for r in work.references],
    }  # fmt: skip


def _sha(number: int | None) -> str:
    return hashlib.sha1(str(number).encode()).hexdigest()


def _s2_author(graph: Graph, person: int, rng: random.Random) -> dict[str, str]:
    return {"authorId": _source_author_id(person, ""), "name": printed(graph, person, "s2", rng)[0]}


def s2_record(graph: Graph, work: Work, rng: random.Random) -> dict[str, Any]:
    ids = work.ids
    corpus = ids.s2
    externals = {"DOI": ids.doi, "ArXiv": ids.arxiv, "CorpusId": str(corpus), "MAG": None}
    return {
        "corpusid": corpus,
        "externalids": externals,
        "url": f"https://www.semanticscholar.org/paper/{_sha(corpus)}",
        "title": work.title,
        "authors": [_s2_author(graph, person, rng) for person in work.authors],
        "venue": work.venue or "",
        "year": work.day.year,
        "referencecount": len(work.references),
        "citationcount": int(graph.cited[work.index] * rng.uniform(1.0, 3.0)),
        "influentialcitationcount": 0,
        "isopenaccess": bool(ids.arxiv),
        "s2fieldsofstudy": [{"category": "Computer Science", "source": "s2-fos-model"}],
        "publicationtypes": ["JournalArticle"] if work.venue else None,
        "publicationdate": work.day.isoformat(),
        "journal": {"name": work.venue} if work.venue else None,
    }  # fmt: skip


# --- writing -----------------------------------------------------------------------------


class _Parts:
    """Gzip JSON Lines files of at most `size` works each, one series per source."""

    def __init__(self, root: Path, size: int) -> None:
        self.root = root
        self.size = size
        self.handles: dict[str, TextIO] = {}
        self.counts: dict[str, int] = {}

    def write(self, series: str, part: int, record: dict[str, Any]) -> None:
        name = f"{series}-{part:03d}"
        handle = self.handles.get(name)
        if handle is None:
            for old in [key for key in self.handles if key.startswith(series + "-")]:
                self.handles.pop(old).close()
            path = self.root / f"{name}.jsonl.gz"
            path.parent.mkdir(parents=True, exist_ok=True)
            handle = gzip.open(path, "wt", encoding="utf-8", compresslevel=4)  # noqa: SIM115
            self.handles[name] = handle
        handle.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n")
        self.counts[series] = self.counts.get(series, 0) + 1

    def close(self) -> None:
        for handle in self.handles.values():
            handle.close()


def write_corpus(graph: Graph, out: Path, seed: int, part_size: int) -> dict[str, int]:
    parts = _Parts(out, part_size)
    truth = gzip.open(out / "truth" / "authorships.tsv.gz", "wt", encoding="utf-8")  # noqa: SIM115
    truth_works = gzip.open(out / "truth" / "works.tsv.gz", "wt", encoding="utf-8")  # noqa: SIM115
    arxiv_numbers: dict[int, int] = {}
    works = len(graph.days)
    for index in range(works):
        rng = random.Random(seed * 104_729 + index)
        title, abstract, has_code = text_of(graph, index, seed)
        lab = graph.labs[graph.lab_of[index]]
        category = graph.categories[graph.category_of[index]]
        ids = presence(graph, index, seed, arxiv_numbers)
        venue = random.Random(index).choice(VENUES[category]) if ids.doi else None
        work = Work(index, date.fromordinal(graph.days[index]), category, venue, title,
                    abstract, has_code, _authors_of(graph, index), _references_of(graph, index),
                    ids)  # fmt: skip
        part = index // part_size
        if ids.arxiv:
            parts.write("arxiv/arxiv", part, kaggle_record(graph, work, rng))
        if ids.openalex:
            parts.write("openalex/works", part, openalex_record(graph, work, rng, lab))
        if ids.s2 is not None:
            parts.write("s2/papers", part, s2_record(graph, work, rng))
        truth_works.write(
            f"{index}\t{ids.arxiv or ''}\t{ids.doi or ''}\t{ids.openalex or ''}\t{ids.s2 or ''}\n"
        )
        for position, person in enumerate(work.authors):
            truth.write(f"{index}\t{position}\t{person}\n")
    _write_s2_citations(graph, parts, seed, part_size)
    parts.close()
    truth.close()
    truth_works.close()
    return parts.counts


def _write_s2_citations(graph: Graph, parts: _Parts, seed: int, part_size: int) -> None:
    """Edges between works that both have a Semantic Scholar record (its `citations` shard)."""
    in_s2 = array("b", bytes(len(graph.days)))
    numbers: dict[int, int] = {}
    for index in range(len(graph.days)):
        in_s2[index] = presence(graph, index, seed, numbers).s2 is not None
    for index in range(len(graph.days)):
        if not in_s2[index]:
            continue
        for target in _references_of(graph, index):
            if in_s2[target]:
                line = {
                    "citingcorpusid": str(100_000_000 + index),
                    "citedcorpusid": str(100_000_000 + target),
                    "isinfluential": False,
                    "contexts": None,
                    "intents": None,
                    "updated": "2026-11-01T00:00:00Z",
                }
                parts.write("s2/citations", index // part_size, line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--works", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--part-size", type=int, default=100_000)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "truth").mkdir(exist_ok=True)
    started = time.perf_counter()
    graph = build_graph(args.works, args.seed)
    built = time.perf_counter()
    counts = write_corpus(graph, args.out, args.seed, args.part_size)
    summary = {
        "works": args.works,
        "seed": args.seed,
        "people": len(graph.person_lab),
        "labs": len(graph.labs),
        "authorships": len(graph.authors),
        "references": len(graph.references),
        "records": counts,
        "seconds": {
            "graph": round(built - started, 1),
            "write": round(time.perf_counter() - built, 1),
        },
    }
    (args.out / "corpus.json").write_text(json.dumps(summary, indent=2) + "\n")
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
