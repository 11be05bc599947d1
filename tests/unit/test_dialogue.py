"""The generated dialogue as a pure function (docs/design.md "The generated dialogue"): no database.

Every expected message is written out literally here, never rebuilt from the module's
constants, so a typo in the module cannot hide behind the same typo in the test.
"""

from __future__ import annotations

from typing import Any

import pytest

from resolvers.dialogue import (
    Book,
    Material,
    dialogue_characters,
    dialogue_text,
    render_dialogue,
    summarize,
)

BOOKS_INTRO = (
    "These are the textbooks I study with, one per message, written as 'Author - Title'. "
    "Base your answers on them. I will write 'End of textbooks.' when the list is complete."
)
MATERIALS_INTRO = (
    "Next come my reference materials, one per message, each wrapped in triple quotes as "
    '"""Title: ... Content: ...""". '
    "I will write 'End of reference materials.' when they are complete."
)
TUTOR_CS_1 = (
    "You are a tutor for a university student majoring in Computer Science. "
    "Explain everything at the level of a first-year undergraduate."
)
CLOSING = "That is all the context about me and my materials."
ENGLISH = "From now on, answer only in English, whatever language I write in."
KOREAN = "From now on, answer only in Korean, whatever language I write in."


def render(**overrides: Any) -> list[str]:
    values: dict[str, Any] = {
        "major": "Computer Science",
        "understanding_level": 1,
        "language": "EN",
        "only_use_reference_data": False,
        "data_sequence": False,
        "books": [],
        "materials": [],
    }
    values.update(overrides)
    return render_dialogue(**values)


def test_without_links_only_the_frame_is_rendered() -> None:
    # given no books and no materials / when rendered / then the frame only
    assert render() == [TUTOR_CS_1, CLOSING, ENGLISH]


def test_books_only_lists_each_book_in_link_order() -> None:
    # given two books in a deliberate order
    books = [Book("Knuth", "TAOCP"), Book("Abelson", "SICP")]
    # when rendered
    messages = render(books=books)
    # then the intro, one message per book in that order, and the end marker
    assert messages == [
        TUTOR_CS_1,
        BOOKS_INTRO,
        "'Knuth - TAOCP'",
        "'Abelson - SICP'",
        "End of textbooks.",
        CLOSING,
        ENGLISH,
    ]


def test_materials_only_wraps_each_material_in_triple_quotes() -> None:
    materials = [Material("Lecture 1", "Sets and maps"), Material("Lecture 2", "Graphs")]
    messages = render(materials=materials)
    assert messages == [
        TUTOR_CS_1,
        MATERIALS_INTRO,
        '"""Title: Lecture 1\nContent: Sets and maps"""',
        '"""Title: Lecture 2\nContent: Graphs"""',
        "End of reference materials.",
        CLOSING,
        ENGLISH,
    ]


def test_books_come_before_materials() -> None:
    messages = render(books=[Book("A", "B")], materials=[Material("T", "C")])
    assert messages == [
        TUTOR_CS_1,
        BOOKS_INTRO,
        "'A - B'",
        "End of textbooks.",
        MATERIALS_INTRO,
        '"""Title: T\nContent: C"""',
        "End of reference materials.",
        CLOSING,
        ENGLISH,
    ]


@pytest.mark.parametrize(
    ("data_sequence", "only_use_reference_data", "intro"),
    [
        (
            True,
            False,
            "Next come my reference materials, one per message, each wrapped in triple quotes "
            'as """Title: ... Content: ...""". I will write \'End of reference materials.\' '
            "when they are complete. They are in order: read them as a sequence.",
        ),
        (
            False,
            True,
            "Next come my reference materials, one per message, each wrapped in triple quotes "
            'as """Title: ... Content: ...""". I will write \'End of reference materials.\' '
            "when they are complete. Answer primarily from these materials.",
        ),
        (
            True,
            True,
            "Next come my reference materials, one per message, each wrapped in triple quotes "
            'as """Title: ... Content: ...""". I will write \'End of reference materials.\' '
            "when they are complete. They are in order: read them as a sequence. "
            "Answer primarily from these materials.",
        ),
    ],
    ids=["dataSequence", "onlyUseReferenceData", "both-in-order"],
)
def test_flags_are_appended_to_the_materials_intro(
    data_sequence: bool, only_use_reference_data: bool, intro: str
) -> None:
    # given materials and the flags / when rendered
    messages = render(
        materials=[Material("T", "C")],
        data_sequence=data_sequence,
        only_use_reference_data=only_use_reference_data,
    )
    # then the flags' sentences are appended to the same intro message, in the design's order
    assert messages[1] == intro
    assert len(messages) == 6


def test_flags_without_materials_change_nothing() -> None:
    # given both flags but only books
    books = [Book("A", "B")]
    flagged = render(books=books, data_sequence=True, only_use_reference_data=True)
    # then the messages are those of no flags at all
    assert flagged == render(books=books)
    assert render(data_sequence=True, only_use_reference_data=True) == [
        TUTOR_CS_1,
        CLOSING,
        ENGLISH,
    ]


@pytest.mark.parametrize(
    ("level", "text"),
    [
        (1, "first-year undergraduate"),
        (2, "second-year undergraduate"),
        (3, "third-year undergraduate"),
        (4, "fourth-year undergraduate"),
        (5, "graduate student"),
    ],
)
def test_every_understanding_level(level: int, text: str) -> None:
    messages = render(major="Physics", understanding_level=level)
    assert messages[0] == (
        "You are a tutor for a university student majoring in Physics. "
        f"Explain everything at the level of a {text}."
    )


@pytest.mark.parametrize(("language", "last"), [("EN", ENGLISH), ("KO", KOREAN)])
def test_both_languages(language: str, last: str) -> None:
    assert render(language=language)[-1] == last


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ('"""', '\\"\\"\\"'),
        # Four quotes: the first three are one triple, the fourth stays as it is.
        ('""""', '\\"\\"\\""'),
        # Six quotes: two triples, left to right without overlap.
        ('""""""', '\\"\\"\\"\\"\\"\\"'),
        ('a""b', 'a""b'),
        ('say """hi""" now', 'say \\"\\"\\"hi\\"\\"\\" now'),
        ("back\\slash and 'single'", "back\\slash and 'single'"),
    ],
    ids=["three", "four", "six", "two", "inside", "nothing-else"],
)
def test_triple_quotes_in_title_and_content_are_escaped(raw: str, escaped: str) -> None:
    # given a material whose title and content hold quotes
    messages = render(materials=[Material(f"T{raw}", f"C{raw}")])
    # then each """ is written as \"\"\" in both, and nothing else changes
    assert messages[2] == f'"""Title: T{escaped}\nContent: C{escaped}"""'


def test_book_text_is_not_escaped() -> None:
    # The escape belongs to the triple-quoted materials only.
    assert render(books=[Book('"""A', "B'")])[2] == "'\"\"\"A - B''"


def test_korean_and_emoji_pass_through_unchanged() -> None:
    messages = render(
        major="컴퓨터공학 🤖",
        understanding_level=5,
        language="KO",
        books=[Book("김철수", "자료구조 📚")],
        materials=[Material("강의 1 🎓", "그래프 이론\n두 번째 줄 ✅")],
        data_sequence=True,
    )
    assert messages == [
        "You are a tutor for a university student majoring in 컴퓨터공학 🤖. "
        "Explain everything at the level of a graduate student.",
        BOOKS_INTRO,
        "'김철수 - 자료구조 📚'",
        "End of textbooks.",
        MATERIALS_INTRO + " They are in order: read them as a sequence.",
        '"""Title: 강의 1 🎓\nContent: 그래프 이론\n두 번째 줄 ✅"""',
        "End of reference materials.",
        CLOSING,
        KOREAN,
    ]


def test_summary_keeps_up_to_100_code_points() -> None:
    assert summarize("") == ""
    assert summarize("short") == "short"
    exactly = "x" * 100
    assert summarize(exactly) == exactly


def test_summary_cuts_101_to_100_and_appends_ellipsis() -> None:
    assert summarize("y" * 101) == "y" * 100 + "..."
    assert summarize("z" * 250) == "z" * 100 + "..."


def test_summary_counts_an_emoji_as_one_code_point() -> None:
    # given 100 emoji (400 bytes of UTF-8, 200 UTF-16 units): unchanged
    assert summarize("😀" * 100) == "😀" * 100
    # given 101 emoji: cut after the 100th whole emoji
    assert summarize("😀" * 101) == "😀" * 100 + "..."
    assert summarize("가" * 99 + "😀" + "끝") == "가" * 99 + "😀" + "..."


# ---- the text to paste, and its length ------------------------------------------------------


def test_the_text_is_the_messages_joined_with_a_blank_line() -> None:
    # given the frame of a dialogue / when joined / then each message on its own paragraph
    assert dialogue_text(render()) == f"{TUTOR_CS_1}\n\n{CLOSING}\n\n{ENGLISH}"
    assert dialogue_text(["one"]) == "one"
    assert dialogue_text([]) == ""


def test_a_message_with_its_own_newlines_keeps_them() -> None:
    # given a material whose message spans lines
    messages = render(materials=[Material("T", "line 1\n\nline 2")])
    # then the joined text holds every message unchanged, in order
    text = dialogue_text(messages)
    assert '"""Title: T\nContent: line 1\n\nline 2"""' in text
    assert text.startswith(TUTOR_CS_1 + "\n\n") and text.endswith("\n\n" + ENGLISH)


@pytest.mark.parametrize(
    ("messages", "expected"),
    [
        ([], 0),
        (["abc"], 3),
        (["abc", "de"], 7),
        (["", ""], 2),
        # Korean syllables are one code point each
        (["한국어"], 3),
        # one emoji, one code point (two UTF-16 units, four UTF-8 bytes)
        (["🎓"], 1),
        # a family emoji: three people joined by two zero-width joiners, five code points
        (["👨\u200d👩\u200d👧"], 5),
        # e + combining acute accent: two code points, one letter on screen
        (["e\u0301"], 2),
    ],
)
def test_characters_are_code_points_of_the_joined_text(messages: list[str], expected: int) -> None:
    assert dialogue_characters(messages) == expected
    assert dialogue_characters(messages) == len(dialogue_text(messages))


def test_characters_of_a_whole_dialogue_match_its_text() -> None:
    # given a dialogue with Korean and emoji in books and materials
    messages = render(
        language="KO",
        books=[Book("김철수", "자료구조 📚")],
        materials=[Material("강의 🎓", 'say """hi"""')],
    )
    # then the count is the text's, in code points, not UTF-16 units or bytes
    text = dialogue_text(messages)
    assert dialogue_characters(messages) == len(text)
    assert len(text.encode("utf-16-le")) // 2 == len(text) + 2  # two emoji, two surrogates more
