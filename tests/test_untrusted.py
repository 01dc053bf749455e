"""The two shared rules for untrusted text: which URLs may be links, which strings are ids."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from paperscope.untrusted import MAX_ID, is_category, is_safe_url, parse_id, safe_url


@pytest.mark.parametrize(
    "url",
    [
        "https://github.com/a/b",
        "http://example.org",
        "HTTPS://Example.ORG/path?q=1#frag",
        "https://例え.jp/コード",
        "https://[2001:db8::1]:8443/x",
        "https://user@example.org/x",
    ],
)
def test_http_urls_are_safe(url: str) -> None:
    assert safe_url(url) == url and is_safe_url(url)


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JAVASCRIPT:alert(1)",
        " javascript:alert(1)",
        "java\tscript:alert(1)",
        "java\nscript:alert(1)",
        "\x01javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "file:///etc/passwd",
        "ftp://example.org/x",
        "mailto:a@example.org",
        "//example.org/x",
        "/paper/1",
        "example.org",
        "https://",
        "http:///x",
        "https:\\\\example.org",
        "https://example.org/ x",
        'https://example.org/"onmouseover="alert(1)',
        "https://[::1/x",
        "https://example.org/" + "a" * 5000,
        "",
        None,
        42,
    ],
)
def test_everything_else_is_not(url: object) -> None:
    assert safe_url(url) is None and not is_safe_url(url)


@given(st.text())
def test_a_safe_url_always_starts_with_http(text: str) -> None:
    url = safe_url(text)
    assert url is None or url.lower().startswith(("http://", "https://"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0", 0),
        ("42", 42),
        ("007", 7),
        (str(MAX_ID), MAX_ID),
        (str(MAX_ID + 1), None),
        ("9" * 400, None),
        ("2147483648", None),
        ("9223372036854775807", None),
        ("-1", None),
        ("+1", None),
        ("1_000", None),
        (" 1", None),
        ("1\n", None),
        ("²", None),
        ("٣", None),
        ("１", None),
        ("", None),
        ("1.0", None),
        (None, None),
        (7, None),
    ],
)
def test_parse_id(text: object, expected: int | None) -> None:
    assert parse_id(text) == expected


def test_categories_are_arxiv_categories_their_tags_or_fields_of_study() -> None:
    for text in ("cs.CL", "CL", "q-bio.NC", "Signal Processing", "Human-Computer Interaction"):
        assert is_category(text), text
    for text in ("cs.LG!", "c%", "Signal  Processing", " CL", "CL ", "a" * 40, "a b c d e f g h i"):
        assert not is_category(text), text
