"""The dialogue script as a pure function of plain values.

docs/design.md, "The generated dialogue".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

LEVELS = {
    1: "first-year undergraduate",
    2: "second-year undergraduate",
    3: "third-year undergraduate",
    4: "fourth-year undergraduate",
    5: "graduate student",
}
LANGUAGES = {"EN": "English", "KO": "Korean"}

BOOKS_INTRO = (
    "These are the textbooks I study with, one per message, written as 'Author - Title'. "
    "Base your answers on them. I will write 'End of textbooks.' when the list is complete."
)
BOOKS_END = "End of textbooks."
MATERIALS_INTRO = (
    "Next come my reference materials, one per message, each wrapped in triple quotes as "
    '"""Title: ... Content: ...""". '
    "I will write 'End of reference materials.' when they are complete."
)
IN_SEQUENCE = " They are in order: read them as a sequence."
PRIMARILY = " Answer primarily from these materials."
MATERIALS_END = "End of reference materials."
CLOSING = "That is all the context about me and my materials."


@dataclass(frozen=True, slots=True)
class Book:
    author: str
    title: str


@dataclass(frozen=True, slots=True)
class Material:
    title: str
    content: str


def escape_triple_quotes(text: str) -> str:
    # str.replace scans left to right without overlap, exactly as the design asks.
    return text.replace('"""', '\\"\\"\\"')


def render_dialogue(
    *,
    major: str,
    understanding_level: int,
    language: str,
    only_use_reference_data: bool,
    data_sequence: bool,
    books: Sequence[Book],
    materials: Sequence[Material],
) -> list[str]:
    messages = [
        f"You are a tutor for a university student majoring in {major}. "
        f"Explain everything at the level of a {LEVELS[understanding_level]}."
    ]
    if books:
        messages.append(BOOKS_INTRO)
        messages.extend(f"'{book.author} - {book.title}'" for book in books)
        messages.append(BOOKS_END)
    if materials:
        intro = MATERIALS_INTRO
        if data_sequence:
            intro += IN_SEQUENCE
        if only_use_reference_data:
            intro += PRIMARILY
        messages.append(intro)
        messages.extend(
            f'"""Title: {escape_triple_quotes(m.title)}\n'
            f'Content: {escape_triple_quotes(m.content)}"""'
            for m in materials
        )
        messages.append(MATERIALS_END)
    messages.append(CLOSING)
    messages.append(
        f"From now on, answer only in {LANGUAGES[language]}, whatever language I write in."
    )
    return messages


# A blank line between messages: one paste reads as the messages did, one after another.
MESSAGE_SEPARATOR = "\n\n"


def dialogue_text(messages: Sequence[str]) -> str:
    """The messages as one text, joined with a blank line, for a single paste."""
    return MESSAGE_SEPARATOR.join(messages)


def dialogue_characters(messages: Sequence[str]) -> int:
    """The length of `dialogue_text(messages)` in Unicode code points, without building it."""
    if not messages:
        return 0
    return sum(len(message) for message in messages) + len(MESSAGE_SEPARATOR) * (len(messages) - 1)


def summarize(description: str, limit: int = 100) -> str:
    """The description cut to `limit` code points, with '...' when it was longer."""
    return description if len(description) <= limit else description[:limit] + "..."
