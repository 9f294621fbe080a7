from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from papers.arxiv import InvalidArxivCategory, InvalidArxivId, normalize_arxiv_id, normalize_categories
from papers.arxiv import parse_arxiv_id, split_id_list
from papers.arxiv.ids import OLD_STYLE_ARCHIVES

# More examples than the default 100: each test runs in well under a second.
# No per-example deadline: the machines that run the suite are shared and
# noisy, and a slow example is not a wrong one.
thorough = settings(max_examples=300, deadline=None)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2407.08132", ("2407.08132", None)),
        ("2407.08132v3", ("2407.08132", 3)),
        ("arXiv:2407.08132", ("2407.08132", None)),
        ("https://arxiv.org/abs/2407.08132v2", ("2407.08132", 2)),
        ("http://arxiv.org/abs/2407.08132", ("2407.08132", None)),
        ("https://arxiv.org/pdf/2505.15184", ("2505.15184", None)),
        ("https://arxiv.org/pdf/2505.15184v2.pdf", ("2505.15184", 2)),
        ("https://export.arxiv.org/abs/2505.15184", ("2505.15184", None)),
        ("https://www.arxiv.org/abs/2505.15184", ("2505.15184", None)),
        ("https://arxiv.org/html/2505.15184v1", ("2505.15184", 1)),
        ("https://arxiv.org/abs/2505.15184?context=cs#comments", ("2505.15184", None)),
        ("hep-th/9901001", ("hep-th/9901001", None)),
        ("hep-th/9901001v2", ("hep-th/9901001", 2)),
        ("math.GT/0309136", ("math/0309136", None)),
        ("https://arxiv.org/abs/math.GT/0309136v1", ("math/0309136", 1)),
        ("  \t2407.08132\n", ("2407.08132", None)),
        ("0704.0001", ("0704.0001", None)),
        ("1412.9999", ("1412.9999", None)),
        ("1501.00001", ("1501.00001", None)),
    ],
)
def test_accepts_every_written_form(text: str, expected: tuple[str, int | None]) -> None:
    assert parse_arxiv_id(text) == expected
    assert normalize_arxiv_id(text) == expected[0]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "abc",
        "2407.0813",  # too few digits
        "2407.081321",  # too many
        "0000.0000",  # arXiv answers this with an empty result, not an error
        "2413.08132",  # month 13
        "2400.08132",  # month 00
        "1412.00001",  # five digits before 2015
        "1501.0001",  # four digits from 2015 on
        "0703.0001",  # new style before April 2007
        "2407.08132v0",
        "foo/9901001",  # unknown archive
        "hep-th/0704001",  # old style after March 2007
        "hep-th/9901000",
        "hep-th/990100",
        "arXiv: 2407.08132",
        "https://example.org/abs/2407.08132",
        "https://arxiv.org/list/2407.08132",
        "２４０７.０８１３２",  # full-width digits
        "2407.08132 2407.08133",
    ],
)
def test_refuses_what_cannot_be_an_id(text: str) -> None:
    with pytest.raises(InvalidArxivId) as raised:
        normalize_arxiv_id(text)
    assert raised.value.texts == (text,)
    assert f"“{text}”" in str(raised.value)


def test_message_quotes_only_the_start_of_long_junk() -> None:
    with pytest.raises(InvalidArxivId) as raised:
        normalize_arxiv_id("x" * 5000)
    assert len(str(raised.value)) < 300


def test_split_id_list_normalises_and_deduplicates_in_order() -> None:
    pasted = "2407.08132v2, arXiv:2505.15184\nhttps://arxiv.org/abs/2407.08132\n\n  hep-th/9901001,"
    assert split_id_list(pasted) == ["2407.08132", "2505.15184", "hep-th/9901001"]


def test_split_id_list_names_every_invalid_id_at_once() -> None:
    with pytest.raises(InvalidArxivId) as raised:
        split_id_list("2407.08132 abc, 2413.00001\nabc")
    assert raised.value.texts == ("abc", "2413.00001")
    assert "“abc”, “2413.00001” are not arXiv identifiers" in str(raised.value)


def test_split_id_list_of_nothing_is_empty() -> None:
    assert split_id_list(" \n, ") == []


def test_categories_are_checked_and_deduplicated() -> None:
    assert normalize_categories([" cs.LG", "eess.IV", "cs.LG", "hep-th", "cond-mat.str-el"]) == [
        "cs.LG",
        "eess.IV",
        "hep-th",
        "cond-mat.str-el",
    ]
    with pytest.raises(InvalidArxivCategory) as raised:
        normalize_categories(["cs.LG", "cs LG", "cs.LG+stat.ML"])
    assert raised.value.texts == ("cs LG", "cs.LG+stat.ML")


# Property-based: every id in every wrapper comes back as its canonical form.

versions = st.none() | st.integers(min_value=1, max_value=999)


@st.composite
def four_digit_ids(draw: st.DrawFn) -> str:
    year = draw(st.integers(2007, 2014))
    month = draw(st.integers(4 if year == 2007 else 1, 12))
    return f"{year % 100:02d}{month:02d}.{draw(st.integers(1, 9999)):04d}"


@st.composite
def five_digit_ids(draw: st.DrawFn) -> str:
    year = draw(st.integers(2015, 2099))
    return f"{year % 100:02d}{draw(st.integers(1, 12)):02d}.{draw(st.integers(1, 99999)):05d}"


@st.composite
def old_style_ids(draw: st.DrawFn) -> tuple[str, str]:
    """The canonical id, and the id as written (perhaps with a subject class)."""
    archive = draw(st.sampled_from(sorted(OLD_STYLE_ARCHIVES)))
    year = draw(st.integers(1991, 2007))
    first_month = 8 if year == 1991 else 1
    last_month = 3 if year == 2007 else 12
    month = draw(st.integers(first_month, last_month))
    canonical = f"{archive}/{year % 100:02d}{month:02d}{draw(st.integers(1, 999)):03d}"
    subject = draw(st.sampled_from(["", ".GT", ".AI", ".acc-ph"]))
    return canonical, canonical.replace("/", f"{subject}/", 1)


canonical_and_written = (
    st.one_of(four_digit_ids(), five_digit_ids()).map(lambda arxiv_id: (arxiv_id, arxiv_id)) | old_style_ids()
)


@st.composite
def wrapped(draw: st.DrawFn, written: str, version: int | None) -> str:
    core = written if version is None else f"{written}v{version}"
    form = draw(st.sampled_from(["bare", "prefix", "abs", "pdf", "pdf-file"]))
    if form == "bare":
        text = core
    elif form == "prefix":
        text = draw(st.sampled_from(["arXiv:", "arxiv:", "ARXIV:"])) + core
    else:
        scheme = draw(st.sampled_from(["https://", "http://", ""]))
        host = draw(st.sampled_from(["arxiv.org", "www.arxiv.org", "export.arxiv.org"]))
        path = "abs" if form == "abs" else "pdf"
        suffix = ".pdf" if form == "pdf-file" else draw(st.sampled_from(["", "/"]))
        text = f"{scheme}{host}/{path}/{core}{suffix}"
    space = st.sampled_from(["", " ", "\t", "\n", "  \n "])
    return draw(space) + text + draw(space)


@thorough
@given(data=st.data(), ids=canonical_and_written, version=versions)
def test_every_form_round_trips_to_the_canonical_id(
    data: st.DataObject, ids: tuple[str, str], version: int | None
) -> None:
    canonical, written = ids
    text = data.draw(wrapped(written, version))
    assert parse_arxiv_id(text) == (canonical, version)
    assert normalize_arxiv_id(canonical) == canonical


@thorough
@given(items=st.lists(st.tuples(canonical_and_written, versions), max_size=20), data=st.data())
def test_split_id_list_keeps_first_occurrences_in_order(
    items: list[tuple[tuple[str, str], int | None]], data: st.DataObject
) -> None:
    texts = [data.draw(wrapped(written, version)) for (_, written), version in items]
    separators = st.sampled_from([",", " ", "\n", ", ", " ,\n"])
    pasted = "".join(text + data.draw(separators) for text in texts)
    assert split_id_list(pasted) == list(dict.fromkeys(canonical for (canonical, _), _ in items))


@thorough
@given(st.text())
def test_junk_is_refused_or_is_a_real_id(text: str) -> None:
    try:
        arxiv_id = normalize_arxiv_id(text)
    except InvalidArxivId as error:
        assert error.texts == (text,)
    else:
        assert normalize_arxiv_id(arxiv_id) == arxiv_id


def implausible_ids() -> st.SearchStrategy[str]:
    """Well-formed to the eye, impossible by arXiv's numbering."""
    new_style = "{:02d}{:02d}.{}".format
    months = st.integers(1, 12)
    four_digits = st.integers(1, 9999).map("{:04d}".format)
    five_digits = st.integers(1, 99999).map("{:05d}".format)
    unknown_archives = st.from_regex(r"[a-z]{2,8}", fullmatch=True).filter(lambda name: name not in OLD_STYLE_ARCHIVES)
    return st.one_of(
        st.builds(new_style, st.integers(8, 99), st.sampled_from([0, 13, 20, 99]), four_digits),  # no such month
        st.builds(new_style, st.integers(15, 99), months, four_digits),  # four digits from 2015 on
        st.builds(new_style, st.integers(7, 14), months, five_digits),  # five digits before 2015
        st.builds(new_style, st.integers(0, 6), months, four_digits),  # new style before 2007
        st.builds("hep-th/{:02d}{:02d}001".format, st.integers(8, 90), months),  # old style after March 2007
        st.builds("{}/9901001".format, unknown_archives),
        st.sampled_from(["2401.00000", "0801.0000", "hep-th/9901000"]),  # paper number zero
    )


@thorough
@given(implausible_ids())
def test_implausible_ids_are_refused(text: str) -> None:
    with pytest.raises(InvalidArxivId):
        normalize_arxiv_id(text)
