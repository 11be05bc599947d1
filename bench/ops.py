"""The benchmarked operations: a GraphQL document, its variables, who sends it, its floor route."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Literal

from bench.floor import encode_cursor as encode_default_cursor
from bench.seed import Seeded
from resolvers.cursors import encode_cursor
from resolvers.entities import SYSTEM_INFO
from schema.manifests import sha256_id

REF_BOOKS = """
query RefBooks($first: Int!, $after: String) {
  refBooks(first: $first, after: $after) {
    edges { cursor node { id author title createdAt updatedAt } }
    pageInfo { hasNextPage hasPreviousPage endCursor }
  }
}
"""
REF_BOOKS_ORDERED = """
query RefBooksOrdered($first: Int!, $after: String, $search: String, $orderBy: RefBookOrder) {
  refBooks(first: $first, after: $after, search: $search, orderBy: $orderBy) {
    edges { cursor node { id author title createdAt updatedAt } }
    pageInfo { hasNextPage hasPreviousPage endCursor }
  }
}
"""
BY_TITLE = {"field": "TITLE", "direction": "ASC"}
# ~9% of the deep user's books (88 of 977 authors): a page of 20 is found within ~230 rows.
COMMON_SEARCH = "author 9"
SYSTEM_INFOS = """
query SystemInfos($first: Int!) {
  systemInfos(first: $first) {
    edges {
      cursor
      node {
        id description language major understandingLevel onlyUseReferenceData dataSequence
        createdAt refBooks { id title } refDatas { id title }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}
"""
DIALOGUE = """
query Dialogue($id: ID!) { systemInfo(id: $id) { id major generatedDialogue } }
"""
SIGN_IN = """
mutation SignIn($input: SignInInput!) {
  signIn(input: $input) { accessToken refreshToken expiresIn user { id username } }
}
"""
CREATE_REF_BOOK = """
mutation CreateRefBook($input: CreateRefBookInput!) {
  createRefBook(input: $input) { id author title createdAt }
}
"""
PUBLIC_SCRIPTS = """
query PublicScripts($first: Int!) {
  publicScripts(first: $first) {
    edges { cursor node { id name descriptionSummary createdAt scripts { number text } } }
    pageInfo { hasNextPage endCursor }
  }
}
"""
# Not load-tested: proves statements per request do not grow with page size or links.
SYSTEM_INFOS_FULL = """
query SystemInfosFull($first: Int!) {
  systemInfos(first: $first) {
    edges {
      node {
        id major refBooks { id author title } refDatas { id title content } generatedDialogue
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}
"""

Caller = Literal["main", "deep", "none"]


@dataclass(frozen=True)
class Operation:
    name: str
    label: str
    query: str
    variables: dict[str, Any]
    caller: Caller
    # Reads must be answered identically by the floor; writes differ in ids and tokens.
    read: bool
    # A fragment every correct answer contains.
    expect: str
    # Sent by its trusted-document id (Apollo's extensions.persistedQuery), not as text.
    by_hash: bool = False
    # The floor route answering the same (the text operation's, for a by-hash one).
    floor: str = ""

    @property
    def floor_name(self) -> str:
        return self.floor or self.name

    def body(self) -> dict[str, Any]:
        if not self.by_hash:
            return {"query": self.query, "variables": self.variables}
        digest = sha256_id(self.query).removeprefix("sha256:")
        persisted = {"version": 1, "sha256Hash": digest}
        return {"extensions": {"persistedQuery": persisted}, "variables": self.variables}


# The reads measured both ways: by text (parsed and validated through strawberry's caches)
# and by hash (prepared at start-up; neither step per request).
BY_HASH = ("refBooks6", "systemInfos6", "dialogue", "publicScripts20")


def hashed(op: Operation) -> Operation:
    return replace(
        op, name=f"{op.name}Hash", label=f"{op.label}, by hash", by_hash=True, floor=op.name
    )


def manifest(ops: list[Operation]) -> dict[str, str]:
    """The trusted-documents manifest the benchmarked service loads: every by-hash document."""
    return {sha256_id(op.query): op.query for op in ops if op.by_hash}


def operations(seeded: Seeded) -> list[Operation]:
    keys = seeded.deep_book_keys
    # `after` the cursor of row 1 (the newest book) and of row 99,980, whose page holds
    # rows 99,981 to 100,000: both pages are full and both need the hasPreviousPage check.
    row1 = encode_default_cursor(*keys[0])
    deep = encode_default_cursor(*keys[len(keys) - 21])
    # The same two positions in title order (A to Z).
    titles = seeded.deep_title_keys
    title_row1 = encode_cursor("TITLE", False, "", *titles[0])
    title_deep = encode_cursor("TITLE", False, "", *titles[len(titles) - 21])
    # The newest book's title: no other title contains it, so the page has one row and
    # every row of the user is looked at to show there is no second.
    rare_pk = keys[0][1]
    rare = f"deep book {rare_pk}"
    info_id = SYSTEM_INFO.global_id(seeded.system_info_ids[0])
    sign_in = {"username": seeded.main_username, "password": seeded.password}
    by_text = [
        Operation(
            "refBooks6", "refBooks(first: 6)", REF_BOOKS, {"first": 6}, "main", True, '"refBooks"'
        ),
        Operation(
            "systemInfos6",
            "systemInfos(first: 6) + linked titles",
            SYSTEM_INFOS,
            {"first": 6},
            "main",
            True,
            '"refDatas"',
        ),
        Operation(
            "dialogue",
            "systemInfo.generatedDialogue (5 books + 5 materials)",
            DIALOGUE,
            {"id": info_id},
            "main",
            True,
            '"generatedDialogue"',
        ),
        Operation(
            "publicScripts20",
            "publicScripts(first: 20) + scripts",
            PUBLIC_SCRIPTS,
            {"first": 20},
            "none",
            True,
            '"scripts"',
        ),
        Operation(
            "pageRow1",
            "refBooks(first: 20, after: row 1)",
            REF_BOOKS,
            {"first": 20, "after": row1},
            "deep",
            True,
            '"hasPreviousPage":true',
        ),
        Operation(
            "pageRow100k",
            "refBooks(first: 20, after: row 99,980) (rows to 100,000)",
            REF_BOOKS,
            {"first": 20, "after": deep},
            "deep",
            True,
            '"hasNextPage":false',
        ),
        Operation(
            "titleRow1",
            "refBooks(first: 20, orderBy: TITLE ASC, after: row 1)",
            REF_BOOKS_ORDERED,
            {"first": 20, "after": title_row1, "orderBy": BY_TITLE},
            "deep",
            True,
            '"hasPreviousPage":true',
        ),
        Operation(
            "titleRow100k",
            "refBooks(first: 20, orderBy: TITLE ASC, after: row 99,980) (rows to 100,000)",
            REF_BOOKS_ORDERED,
            {"first": 20, "after": title_deep, "orderBy": BY_TITLE},
            "deep",
            True,
            '"hasNextPage":false',
        ),
        Operation(
            "searchCommon",
            f'refBooks(first: 20, search: "{COMMON_SEARCH}") (~9% of {len(keys):,} match)',
            REF_BOOKS_ORDERED,
            {"first": 20, "search": COMMON_SEARCH},
            "deep",
            True,
            '"author":"Author 9',
        ),
        Operation(
            "searchRare",
            f'refBooks(first: 20, search: "{rare}") (1 of {len(keys):,} matches)',
            REF_BOOKS_ORDERED,
            {"first": 20, "search": rare},
            "deep",
            True,
            f'"title":"Deep book {rare_pk}"',
        ),
        Operation(
            "signIn",
            "signIn (argon2id m=19 MiB, t=2, p=1)",
            SIGN_IN,
            {"input": sign_in},
            "none",
            False,
            '"accessToken"',
        ),
        Operation(
            "createRefBook",
            "createRefBook",
            CREATE_REF_BOOK,
            {"input": {"author": "Bench Author", "title": "Bench Title"}},
            "main",
            False,
            '"createRefBook"',
        ),
    ]
    # Each by-hash read right after its text twin: measured in the same conditions.
    return [each for op in by_text for each in ((op, hashed(op)) if op.name in BY_HASH else (op,))]
