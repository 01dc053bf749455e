"""Find links to source code in free text (abstracts, comments, notes) and in whole records.

What counts as code, and how a link is written back:

- Repository hosts: GitHub (also gists and raw.githubusercontent.com), GitLab (gitlab.com and
  self-hosted `gitlab.*` hosts, nested groups kept), Bitbucket, Codeberg, Gitee, SourceForge
  projects, and Hugging Face models and Spaces (a model repo ships the weights and usually the
  inference code; a Space is a runnable app). Hugging Face datasets and paper pages are data and
  metadata, not code, so they do not count; neither do user or organisation pages
  (`github.com/naver-ai`), site pages (`github.com/features`) or `*.github.io` project pages.
- Any other `http(s)://` URL counts only when the same sentence announces code before it
  ("code is available at", "our implementation:", "repository"), because a bare URL is as
  likely to be a project page or a dataset. arXiv and DOI links never count.

A repository link is normalised to `https://<host>/<owner>/<repo>`: scheme forced to https,
`www.` dropped, `hf.co` spelled `huggingface.co`, `.git` and trailing punctuation removed,
and deeper paths (`/tree/main/src`, `/blob/...`, `/issues`) cut back to the repository root,
so that the same repository found in two fields, or printed two ways, is one link. Links are
deduplicated case-insensitively (hosts treat owner/repo case-insensitively) and keep the
spelling and origin of their first occurrence.

Only safe http(s) URLs (`untrusted.safe_url`) are ever returned: a source's own code link
(Hugging Face `githubRepo`, a BibTeX field) that is `javascript:`, `data:` or anything but
http(s) is dropped, so it is never stored as a link.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from urllib.parse import urlsplit

from paperscope.domain import CodeLink, WorkRecord
from paperscope.untrusted import safe_url

# Not preceded by a word character, `@` (emails), `.` (other subdomains) or `/` (a host
# inside another URL's path, e.g. a DOI).
_START = r"(?<![\w@./-])"
_URL_CHARS = r"[^\s<>\"'{}|\\^`\[\]]"

_KNOWN_HOST_URL = re.compile(
    _START + r"(?:(?:https?|git)://)?(?:www\.)?"
    r"(?P<host>gist\.github\.com|raw\.githubusercontent\.com|github\.com|gitlab(?:\.[a-z0-9-]+)+"
    r"|bitbucket\.org|codeberg\.org|gitee\.com|sourceforge\.net|huggingface\.co|hf\.co)"
    r"(?P<path>/" + _URL_CHARS + r"*)",
    re.IGNORECASE,
)
_ANY_URL = re.compile(_START + r"(?:https?://|www\.)" + _URL_CHARS + r"+", re.IGNORECASE)

_SEGMENT = re.compile(r"[A-Za-z0-9._-]+")
_TRAILING_PUNCTUATION = ".,;:!?'\")]}"
_LATEX_ESCAPED = re.compile(r"\\(?=[_%#&~])")

_CODE_CUE = re.compile(
    r"\b(?:codes?|implementations?|repositor(?:y|ies)|repo|software|github)\b", re.IGNORECASE
)


def _may_hold_link(text: str) -> bool:
    """Cheap test that spares most texts the full scan (ingest runs it on every field of
    every record): a code host's name, or a URL together with a word that can announce code."""
    lowered = text.lower()
    if (
        "git" in lowered
        or "bitbucket" in lowered
        or "codeberg" in lowered
        or "sourceforge" in lowered
        or "hugging" in lowered
        or "hf.co" in lowered
    ):
        return True
    return ("http" in lowered or "www." in lowered) and (
        "code" in lowered
        or "implementation" in lowered
        or "repo" in lowered
        or "software" in lowered
    )


_SENTENCE_END = re.compile(r"[.!?]\s+(?=[A-Z])")
_CUE_WINDOW = 120
_NEVER_CODE_HOSTS = ("arxiv.org", "doi.org")

_GITHUB_RESERVED = frozenset(
    {
        "about",
        "apps",
        "blog",
        "collections",
        "contact",
        "customer-stories",
        "enterprise",
        "events",
        "explore",
        "features",
        "issues",
        "join",
        "login",
        "marketplace",
        "new",
        "notifications",
        "orgs",
        "organizations",
        "pricing",
        "pulls",
        "search",
        "security",
        "settings",
        "site",
        "sponsors",
        "topics",
        "trending",
        "users",
    }
)
_GITLAB_RESERVED = frozenset(
    {
        "explore",
        "users",
        "help",
        "dashboard",
        "groups",
        "search",
        "projects",
        "admin",
    }
)
_GITLAB_ACTIONS = frozenset(
    {
        "tree",
        "blob",
        "raw",
        "issues",
        "merge_requests",
        "commits",
        "commit",
        "wikis",
        "wiki",
        "releases",
        "tags",
        "branches",
        "pipelines",
        "snippets",
        "activity",
        "network",
        "graphs",
        "compare",
        "archive",
        "files",
        "edit",
    }
)
_HF_RESERVED = frozenset(
    {
        "papers",
        "docs",
        "blog",
        "models",
        "join",
        "login",
        "settings",
        "pricing",
        "learn",
        "collections",
        "organizations",
        "tasks",
        "new",
        "chat",
        "api",
        "posts",
        "enterprise",
        "welcome",
        "terms-of-service",
        "privacy",
    }
)
# Site pages that sit where an owner name would be.
_OTHER_HOSTS_RESERVED = {
    "bitbucket.org": frozenset({"account", "dashboard", "product", "blog", "support"}),
    "codeberg.org": frozenset({"explore", "user", "repo", "admin", "about"}),
    "gitee.com": frozenset({"explore", "help", "login", "signup", "enterprises", "about"}),
}


def find_code_links(text: str | None, origin: str) -> tuple[CodeLink, ...]:
    """Code links named in `text`, normalised and deduplicated, in order of appearance."""
    if not text or not _may_hold_link(text):
        return ()
    return _unique(CodeLink(url, origin) for url in _code_urls(text))


def code_links_for(record: WorkRecord) -> tuple[CodeLink, ...]:
    """The record's own code links, then every link found in its text fields, deduplicated."""
    own = (
        CodeLink(url, link.origin)
        for link in record.code_links
        if (url := _own_link_url(link.url)) is not None
    )
    found = [
        link
        for name, text in _text_fields(record)
        if text and _may_hold_link(text)
        for link in find_code_links(text, name)
    ]
    if not found and not record.code_links:
        return ()
    return _unique([*own, *found])


def normalise_code_url(url: str) -> str | None:
    """The canonical repository URL for a link on a known code host, else None."""
    match = _KNOWN_HOST_URL.fullmatch(url.strip())
    if match is None:
        return None
    return _repository_url(match["host"], match["path"])


def _own_link_url(url: str) -> str | None:
    """A source's own code link: normalised on a known host, else kept if it is a safe
    http(s) URL (`www.` ones get https), else None."""
    url = url.strip()
    normalised = normalise_code_url(url)
    if normalised is not None:
        return normalised
    if url.lower().startswith("www."):
        url = "https://" + url
    return safe_url(url)


def _text_fields(record: WorkRecord) -> Iterator[tuple[str, str | None]]:
    yield "title", record.title
    yield "abstract", record.abstract
    yield "comments", record.comments
    yield "url", record.url
    yield "venue", record.venue
    for keyword in record.keywords:
        yield "keywords", keyword


def _unique(links: Iterable[CodeLink]) -> tuple[CodeLink, ...]:
    seen: set[str] = set()
    unique: list[CodeLink] = []
    for link in links:
        key = link.url.lower().rstrip("/")
        if key not in seen and safe_url(link.url) is not None:
            seen.add(key)
            unique.append(link)
    return tuple(unique)


def _code_urls(text: str) -> Iterator[str]:
    text = _LATEX_ESCAPED.sub("", text)
    found: list[tuple[int, str]] = []
    covered: list[tuple[int, int]] = []
    for match in _KNOWN_HOST_URL.finditer(text):
        covered.append(match.span())
        url = _repository_url(match["host"], match["path"])
        if url is not None:
            found.append((match.start(), url))
    for match in _ANY_URL.finditer(text):
        if any(start <= match.start() < end for start, end in covered):
            continue
        url = _announced_url(text, match.start(), match.group())
        if url is not None:
            found.append((match.start(), url))
    for _, url in sorted(found):
        yield url


def _segments(path: str) -> list[str]:
    """Leading path segments, each cut at the first character a repository name cannot hold."""
    path = path.split("?", 1)[0].split("#", 1)[0]
    segments: list[str] = []
    for raw in path.split("/")[1:]:
        match = _SEGMENT.match(raw)
        if match is None:
            break
        segment = match.group().rstrip(".")
        if segment:
            segments.append(segment)
        if match.end() < len(raw) or not segment:
            break
    return segments


def _repo_name(name: str) -> str | None:
    if name.lower().endswith(".git"):
        name = name[:-4]
    name = name.rstrip(".")
    return name or None


def _repository_url(host: str, path: str) -> str | None:
    host = host.lower()
    segments = _segments(path)
    if host.startswith("gitlab."):
        return _gitlab_url(host, segments)
    if host in ("huggingface.co", "hf.co"):
        return _huggingface_url(segments)
    if host == "sourceforge.net":
        if len(segments) >= 2 and segments[0] in ("projects", "p"):
            return f"https://sourceforge.net/projects/{segments[1]}"
        return None
    if host == "gist.github.com":
        return _gist_url(segments)
    reserved = _GITHUB_RESERVED if "github" in host else _OTHER_HOSTS_RESERVED[host]
    if len(segments) < 2 or segments[0].lower() in reserved:
        return None
    repo = _repo_name(segments[1])
    if repo is None:
        return None
    canonical_host = "github.com" if "github" in host else host
    return f"https://{canonical_host}/{segments[0]}/{repo}"


def _gitlab_url(host: str, segments: list[str]) -> str | None:
    if segments and segments[0].lower() in _GITLAB_RESERVED:
        return None
    project: list[str] = []
    for segment in segments:
        if segment == "-" or segment.lower() in _GITLAB_ACTIONS:
            break
        project.append(segment)
    if len(project) < 2:
        return None
    repo = _repo_name(project[-1])
    if repo is None:
        return None
    return f"https://{host}/{'/'.join([*project[:-1], repo])}"


def _huggingface_url(segments: list[str]) -> str | None:
    if segments and segments[0] == "spaces":
        if len(segments) >= 3:
            return f"https://huggingface.co/spaces/{segments[1]}/{segments[2]}"
        return None
    if len(segments) < 2 or segments[0].lower() in _HF_RESERVED or segments[0] == "datasets":
        return None
    return f"https://huggingface.co/{segments[0]}/{segments[1]}"


def _gist_url(segments: list[str]) -> str | None:
    if len(segments) >= 2:
        return f"https://gist.github.com/{segments[0]}/{segments[1]}"
    if len(segments) == 1 and re.fullmatch(r"[0-9a-f]{20,}", segments[0]):
        return f"https://gist.github.com/{segments[0]}"
    return None


def _announced_url(text: str, start: int, raw_url: str) -> str | None:
    """A URL on any host, kept only when its sentence announces code before it."""
    window = text[max(0, start - _CUE_WINDOW) : start]
    sentence = _SENTENCE_END.split(window)[-1]
    if not _CODE_CUE.search(sentence):
        return None
    url = _strip_trailing(raw_url)
    if url.lower().startswith("www."):
        url = "https://" + url
    try:  # a port out of range or a broken IPv6 literal is no link, not an error
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return None
    if not host or "." not in host or _is_never_code(host):
        return None
    path = parts.path.rstrip("/")
    query = f"?{parts.query}" if parts.query else ""
    return safe_url(f"{parts.scheme.lower()}://{host}{port}{path}{query}")


def _is_never_code(host: str) -> bool:
    return any(host == bad or host.endswith("." + bad) for bad in _NEVER_CODE_HOSTS)


def _strip_trailing(url: str) -> str:
    while url and url[-1] in _TRAILING_PUNCTUATION:
        closing = url[-1]
        opening = {")": "(", "]": "[", "}": "{"}.get(closing)
        if opening is not None and url.count(opening) >= url.count(closing):
            break
        url = url[:-1]
    return url
