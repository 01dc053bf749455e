from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from paperscope.sources.latex import decode_latex


@pytest.mark.parametrize(
    ("latex", "expected"),
    [
        (r"Daille, B\'{e}atrice", "Daille, Béatrice"),
        (r"{\"u}ber", "über"),
        (r"\"{u}ber", "über"),
        (r"\"uber", "über"),
        (r"\" uber", "über"),
        (r"{\'e}t{\'e}", "été"),
        (r"\'{e}t\'e", "été"),
        (r"Fran\c{c}ois", "François"),
        (r"Fran\c cois", "François"),
        (r"Dvo\v{r}\'{a}k", "Dvořák"),
        (r"Espa\~na", "España"),
        (r"Espa\~{n}a", "España"),
        (r"\aa{}se", "åse"),
        (r"{\AA}ngstr\"om", "Ångström"),
        (r"Bj{\o}rn", "Bjørn"),
        (r"Bj\o rn", "Bjørn"),
        (r"Stra\ss e", "Straße"),
        (r"{\L}ukasz {\l}", "Łukasz ł"),
        (r"Erd\H{o}s", "Erdős"),
        (r"Wi\c{s}niewski \k{a}\k e", "Wişniewski ąę"),
        (r"Erdo\u{g}an", "Erdoğan"),
        (r"\={a}", "ā"),
        (r"\.{z}\.Z", "żŻ"),
        (r"{\'\i}", "í"),
        (r"\'{\i}", "í"),
        (r"\"{\i}", "ï"),
        (r"{\i}", "ı"),
        (r"\`{a} \^{o}", "à ô"),
        (r"\r{u}", "ů"),
        (r"\ae{}ther \OE uvre", "æther Œuvre"),
        (r"\textbf{Deep} \emph{learning} \textit{now}", "Deep learning now"),
        (r"{BERT}: Pre-training of {D}eep", "BERT: Pre-training of Deep"),
        (r"Q\&A, 50\% \$5 a\_b \#1", "Q&A, 50% $5 a_b #1"),
        ("pages 1--10", "pages 1–10"),
        ("yes---no", "yes—no"),
        ("1990\\textendash 1995", "1990–1995"),
        ("J.~Smith", "J. Smith"),
        (r"$O(n^2)$ time", "O(n^2) time"),
        (r"$\alpha$-helix and $\beta$", "α-helix and β"),
        (r"$\mathcal{O}(\log n)$", "O(log n)"),
        (r"\unknowncommand{kept text}", "kept text"),
        (r"\url{http://example.org/~user}", "http://example.org/~user"),
        (r"\href{http://x.org}{the site}", "the site"),
        (r"\~{}user", "~user"),
        (r"literal \{brace\}", "literal {brace}"),
        (r"``quoted'' words", "“quoted” words"),
        (r"\LaTeX{} and \TeX", "LaTeX and TeX"),
        (r"a \ldots b", "a … b"),
    ],
)
def test_decodes(latex: str, expected: str) -> None:
    assert decode_latex(latex) == expected


def test_output_is_nfc() -> None:
    decoded = decode_latex(r"\"a")
    assert decoded == "\u00e4"
    assert unicodedata.is_normalized("NFC", decode_latex("cafe\u0301 {x}"))


def test_decomposed_plain_text_is_composed() -> None:
    assert decode_latex("cafe\u0301") == "caf\u00e9"


def test_plain_text_is_returned_as_is() -> None:
    text = "Large-Scale Evaluation of Keyphrase Extraction Models"
    assert decode_latex(text) is text


@pytest.mark.parametrize(
    "broken", ["\\", "{", "}", '\\"', "\\'{", "$", "\\c", "\\v{", "{{{", "\\\\\\"]
)
def test_broken_latex_does_not_raise(broken: str) -> None:
    assert isinstance(decode_latex(broken), str)


@given(st.text())
def test_never_raises_and_is_nfc(text: str) -> None:
    decoded = decode_latex(text)
    assert unicodedata.is_normalized("NFC", decoded)


_PLAIN = st.text(
    alphabet=st.characters(blacklist_characters="\\{}$~-`'", blacklist_categories=("Cs",))
).map(lambda text: unicodedata.normalize("NFC", text))


@given(_PLAIN)
def test_plain_text_is_unchanged(text: str) -> None:
    assert decode_latex(text) == text
    assert decode_latex(decode_latex(text)) == text
