from __future__ import annotations

from pathlib import Path

import pytest

from paperscope.domain import AuthorRecord, CodeLink, ExternalId, WorkRecord
from paperscope.enrich.codelinks import code_links_for, find_code_links, normalise_code_url
from paperscope.sources.base import Parsed
from paperscope.sources.listing_text import parse_listing


def _urls(text: str | None) -> list[str]:
    return [link.url for link in find_code_links(text, "abstract")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Code will be published on https://github.com/Yzk1114/PGPO.",
            ["https://github.com/Yzk1114/PGPO"],
        ),
        ("Our code: github.com/naver-ai/RRR, see there.", ["https://github.com/naver-ai/RRR"]),
        ("(code at http://www.github.com/a/b)", ["https://github.com/a/b"]),
        ("Clone https://github.com/a/b.git to start.", ["https://github.com/a/b"]),
        ("Code: https://github.com/a/b/tree/main/src/model.py.", ["https://github.com/a/b"]),
        (
            "Code: https://github.com/a/b/, https://github.com/a/b#readme",
            ["https://github.com/a/b"],
        ),
        (
            "see [our repo](https://github.com/owner/repo-name_v2.0)",
            ["https://github.com/owner/repo-name_v2.0"],
        ),
        (r"\url{https://github.com/foo/bar}", ["https://github.com/foo/bar"]),
        (r"\href{https://github.com/foo/bar}{github.com/foo/bar}", ["https://github.com/foo/bar"]),
        (
            r"\footnote{Code: \url{https://github.com/foo\_bar/baz\_qux}}",
            ["https://github.com/foo_bar/baz_qux"],
        ),
        ("https://gitlab.com/grp/sub/proj/-/tree/main", ["https://gitlab.com/grp/sub/proj"]),
        ("gitlab.inria.fr/team/tool/blob/master/x.py", ["https://gitlab.inria.fr/team/tool"]),
        ("https://bitbucket.org/user/repo/src/master/", ["https://bitbucket.org/user/repo"]),
        ("codeberg.org/forge/thing", ["https://codeberg.org/forge/thing"]),
        (
            "https://sourceforge.net/projects/foo/files/latest",
            ["https://sourceforge.net/projects/foo"],
        ),
        ("sourceforge.net/p/foo/code/", ["https://sourceforge.net/projects/foo"]),
        ("https://gitee.com/mind/spore", ["https://gitee.com/mind/spore"]),
        (
            "demo: huggingface.co/spaces/org/demo-app",
            ["https://huggingface.co/spaces/org/demo-app"],
        ),
        (
            "weights: https://huggingface.co/meta/llama-7b/tree/main",
            ["https://huggingface.co/meta/llama-7b"],
        ),
        ("https://hf.co/org/model", ["https://huggingface.co/org/model"]),
        ("https://raw.githubusercontent.com/o/r/main/README.md", ["https://github.com/o/r"]),
        ("https://gist.github.com/someone/0123abcd", ["https://gist.github.com/someone/0123abcd"]),
        (
            "Code is available at https://example.org/~me/tool.zip.",
            ["https://example.org/~me/tool.zip"],
        ),
        ("Our implementation: www.lab.edu/software", ["https://www.lab.edu/software"]),
        (
            "Code at https://github.com/a/one and https://github.com/b/two.",
            ["https://github.com/a/one", "https://github.com/b/two"],
        ),
        (
            "Same repo: https://github.com/Owner/Repo and github.com/owner/repo",
            ["https://github.com/Owner/Repo"],
        ),
    ],
)
def test_finds_and_normalises_code_links(text: str, expected: list[str]) -> None:
    assert _urls(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "We host everything on github.com.",
        "see github.com/ for details",
        "Contact the authors at someone@github.com or noreply@gitlab.com.",
        "git@github.com:owner/repo.git",
        "Preprint at https://arxiv.org/abs/2104.12255v2 and arXiv:2104.12255.",
        "Code is available at https://doi.org/10.5281/zenodo.1234567.",
        "https://doi.org/10.1000/github.com/owner/repo",
        "Project page: https://showlab.github.io/H2R-Grounder/",
        "Project page: https://liyaowei-stu.github.io/project/IC_Custom",
        "Our org: https://github.com/naver-ai",
        "https://github.com/features/actions and https://github.com/orgs/x/repositories",
        "https://github.com/topics/deep-learning https://github.com/sponsors/someone",
        "Data: https://huggingface.co/datasets/org/corpus",
        "Paper page: https://huggingface.co/papers/2401.00001",
        "https://huggingface.co/docs/transformers",
        "Results at https://paperswithcode.com/sota and https://example.org/leaderboard.",
        "All codes, data, and models will be released to facilitate future research.",
        "mygithub.com/owner/repo",
        "",
    ],
)
def test_ignores_what_is_not_a_code_link(text: str) -> None:
    assert _urls(text) == []


def test_none_text_has_no_links() -> None:
    assert find_code_links(None, "abstract") == ()


def test_origin_is_kept() -> None:
    assert find_code_links("github.com/a/b", "comments") == (
        CodeLink("https://github.com/a/b", "comments"),
    )


def test_normalise_code_url() -> None:
    assert normalise_code_url("http://www.GitHub.com/a/b.git/") == "https://github.com/a/b"
    assert normalise_code_url("https://example.org/a/b") is None
    assert normalise_code_url("https://github.com/a") is None


def test_code_links_for_scans_every_field_and_keeps_own_links_first() -> None:
    record = WorkRecord(
        ids=(ExternalId("arxiv", "2401.00001"),),
        title="PGPO (github.com/t/title-repo)",
        abstract="Code: https://github.com/a/abstract-repo. Also https://github.com/own/repo",
        comments=r"12 pages; code at \url{https://gitlab.com/c/comments-repo}",
        url="https://github.com/u/url-repo",
        venue="Workshop, https://bitbucket.org/v/venue-repo",
        keywords=("rl", "huggingface.co/spaces/k/kw-space"),
        code_links=(CodeLink("https://github.com/own/repo.git", "githubRepo"),),
    )
    assert code_links_for(record) == (
        CodeLink("https://github.com/own/repo", "githubRepo"),
        CodeLink("https://github.com/t/title-repo", "title"),
        CodeLink("https://github.com/a/abstract-repo", "abstract"),
        CodeLink("https://gitlab.com/c/comments-repo", "comments"),
        CodeLink("https://github.com/u/url-repo", "url"),
        CodeLink("https://bitbucket.org/v/venue-repo", "venue"),
        CodeLink("https://huggingface.co/spaces/k/kw-space", "keywords"),
    )


def test_code_links_for_keeps_own_links_it_cannot_normalise() -> None:
    record = WorkRecord(
        ids=(ExternalId("hf", "2401.00001"),),
        title="T",
        code_links=(CodeLink("https://lab.example.org/tool", "githubRepo"),),
    )
    assert code_links_for(record) == (CodeLink("https://lab.example.org/tool", "githubRepo"),)


HOSTILE_OWN_LINKS = (
    "javascript:alert(document.cookie)",
    "JavaScript:alert(1)//github.com/a/b",
    " javascript:alert(1)",
    "java\tscript:alert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "vbscript:msgbox(1)",
    "file:///etc/passwd",
    "//evil.example/x",
    "/relative/path",
    "ftp://example.org/code",
    "https://",
)


@pytest.mark.parametrize("url", HOSTILE_OWN_LINKS)
def test_code_links_for_drops_own_links_that_are_not_http(url: str) -> None:
    record = WorkRecord(
        ids=(ExternalId("hf", "2401.00001"),),
        title="T",
        code_links=(CodeLink(url, "githubRepo"), CodeLink("https://github.com/a/b", "githubRepo")),
    )
    assert code_links_for(record) == (CodeLink("https://github.com/a/b", "githubRepo"),)


@pytest.mark.parametrize(
    "text",
    [
        "our code is at https://example.com:99999/x",
        "code: https://example.com:abc/x",
        "code at https://[::1/x and more",
        "code: javascript:alert(1) and data:text/html,<b>x</b>",
    ],
)
def test_broken_urls_in_text_are_no_links_and_no_errors(text: str) -> None:
    assert _urls(text) == []


def test_code_links_for_a_record_without_links() -> None:
    assert code_links_for(WorkRecord(ids=(ExternalId("doi", "10.1/x"),), title="Plain")) == ()


# --- the real pages in ../shared --------------------------------------------------------


def _page_works(path: Path) -> list[WorkRecord]:
    with path.open("rb") as stream:
        records = [r.record for r in parse_listing(stream, 2026) if isinstance(r, Parsed)]
    works: list[WorkRecord] = []
    for record in records:
        if isinstance(record, AuthorRecord):
            works.extend(record.papers)
        elif isinstance(record, WorkRecord):
            works.append(record)
    return works


def _links_by_title(works: list[WorkRecord]) -> dict[str, list[str]]:
    found = {w.title: [link.url for link in code_links_for(w)] for w in works}
    return {title: urls for title, urls in found.items() if urls}


@pytest.mark.shared
def test_real_profile_code_links(shared_dir: Path) -> None:
    works = _page_works(shared_dir / "fixtures/pages/author-profile-haoyu-ren.txt")
    assert _links_by_title(works) == {
        "Not All Tokens See Equally: Perception-Grounded Policy Optimization for Large "
        "Vision-Language Models": ["https://github.com/Yzk1114/PGPO"],
        "How to Manage Tiny Machine Learning at Scale: An Industrial Perspective": [
            "https://github.com/Haoyu-R/How-to-Manage-TinyML-at-Scale"
        ],
    }
    assert all(link.origin == "abstract" for w in works for link in code_links_for(w))


@pytest.mark.shared
def test_real_daily_page_code_links(shared_dir: Path) -> None:
    works = _page_works(shared_dir / "fixtures/pages/daily-papers-search.txt")
    links = _links_by_title(works)
    assert {title.split(":")[0]: urls for title, urls in links.items()} == {
        "Preference-free Alignment Learning with Regularized Relevance Reward": [
            "https://github.com/naver-ai/RRR"
        ],
        "OrigamiNet": ["https://github.com/IntuitionMachines/OrigamiNet"],
        "Self-NPO": ["https://github.com/G-U-N/Diffusion-NPO"],
        "Efficient Few-shot Learning for Multi-label Classification of Scientific Documents "
        "with Many Classes": ["https://github.com/sebischair/FusionSent"],
        "Diff-Instruct*": ["https://github.com/pkulwj1994/diff_instruct_star"],
        "Online Analytic Exemplar-Free Continual Learning with Large Models for Imbalanced "
        "Autonomous Driving Task": ["https://github.com/ZHUANGHP/Analytic-continual-learning"],
        "CODA-Prompt": ["https://github.com/GT-RIPL/CODA-Prompt"],
        "Knowledge Grafting of Large Language Models": ["https://github.com/duguodong7/GraftLLM"],
        "Training for Identity, Inference for Controllability": [
            "https://github.com/lyuPang/UniID"
        ],
        "Gloss-free Sign Language Translation": ["https://github.com/zhoubenjia/GFSLT-VLP"],
    }
