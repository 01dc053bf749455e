"""The list rows' links built in Python (web/markup.py) send the HTML the Jinja macros they
replaced sent: written out here as the reference, compared on hostile names."""

# ruff: noqa: E501  (the reference macros are the template lines, kept whole)

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st
from jinja2 import Environment

from paperscope.read.works import AuthorRef, WorkSummary, category_tag
from paperscope.web.markup import authors_line, category_link, person_link, readable, venue_link

# The macros as _entries.html held them before they moved to Python.
MACROS = """
{% macro person_link(name, person_id, key=none) -%}
{%- if person_id is not none -%}<a href="/author/{{ person_id }}">{{ name|readable }}</a>
{%- elif key -%}<a href="/author?person={{ key|urlencode }}">{{ name|readable }}</a>
{%- else -%}<a href="/author?name={{ name|urlencode }}">{{ name|readable }}</a>{%- endif -%}
{%- endmacro %}
{% macro category_link(category) -%}
<a class="tag" href="/category/{{ category|urlencode }}" title="{{ category }}: its most cited papers, people and rising topics">{{ category|tag }}</a>
{%- endmacro %}
{% macro venue_link(venue) -%}
<a class="venue" href="/venue?name={{ venue|urlencode }}">{{ venue|readable }}</a>
{%- endmacro %}
{% macro authors_line(entry) -%}
{%- for author in entry.authors -%}
{{ person_link(author.name, author.person_id) }}
{%- if not loop.last %}, {% endif -%}
{%- endfor -%}
{%- if entry.authors and entry.author_count > entry.authors|length %} et al.{% endif -%}
{%- endmacro %}
"""


def _reference() -> object:
    environment = Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True)
    environment.filters["readable"] = readable
    environment.filters["tag"] = lambda category: category_tag(category) or ""
    return environment.from_string(MACROS).module


REFERENCE = _reference()
# Printable text with the characters HTML and URLs treat specially, and ones `readable` drops.
HOSTILE = st.text(
    alphabet=st.one_of(
        st.sampled_from("<>&\"' /?#%+=;é\u202e\x07"),
        st.characters(blacklist_categories=("Cs",)),
    ),
    max_size=30,
)


def _work(authors: list[tuple[str, int | None]], author_count: int) -> WorkSummary:
    refs = tuple(AuthorRef(name, person_id, name.lower()) for name, person_id in authors)
    return WorkSummary(
        work_id=1, title="t", abstract=None, authors=refs, author_count=author_count,
        authors_truncated=False, published=date(2020, 1, 1), year=2020, day=None, venue=None,
        primary_category=None, code_urls=(), code_badge=False, upvotes=None,
        in_corpus_citations=0, reported_citations=None, citations=0, citation_source="corpus",
        recent=False, ai_score=None, score=None, novelty_pct=None, citation_pct=None,
    )  # fmt: skip


@given(HOSTILE, st.one_of(st.none(), st.integers(1, 10**12)), st.one_of(st.none(), HOSTILE))
def test_person_link_is_the_macro(name: str, person_id: int | None, key: str | None) -> None:
    assert str(person_link(name, person_id, key)) == str(
        REFERENCE.person_link(name, person_id, key)  # type: ignore[attr-defined]
    )


@given(HOSTILE)
def test_category_and_venue_links_are_the_macros(text: str) -> None:
    assert str(category_link(text)) == str(REFERENCE.category_link(text))  # type: ignore[attr-defined]
    assert str(venue_link(text)) == str(REFERENCE.venue_link(text))  # type: ignore[attr-defined]


@given(
    st.lists(st.tuples(HOSTILE, st.one_of(st.none(), st.integers(1, 99))), max_size=5),
    st.integers(0, 9),
)
def test_authors_line_is_the_macro(authors: list[tuple[str, int | None]], extra: int) -> None:
    work = _work(authors, len(authors) + extra)
    assert str(authors_line(work)) == str(REFERENCE.authors_line(work))  # type: ignore[attr-defined]


def test_links_escape_and_encode_what_they_are_given() -> None:
    assert str(person_link('<b>"Ann"</b>', None)) == (
        '<a href="/author?name=%3Cb%3E%22Ann%22%3C/b%3E">&lt;b&gt;&#34;Ann&#34;&lt;/b&gt;</a>'
    )
    assert str(person_link("A & B", 7)) == '<a href="/author/7">A &amp; B</a>'
    assert (
        str(venue_link("ACL '24"))
        == '<a class="venue" href="/venue?name=ACL%20%2724">ACL &#39;24</a>'
    )
    work = _work([("Ann", 1), ("Bo", None)], 5)
    assert str(authors_line(work)) == (
        '<a href="/author/1">Ann</a>, <a href="/author?name=Bo">Bo</a> et al.'
    )
