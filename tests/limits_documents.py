"""The hostile documents of issue 10 and their legitimate neighbours (tests and `make bench`)."""

from __future__ import annotations

from graphql import get_introspection_query

# GraphiQL's and graphql-codegen's introspection query (graphql-core's, every option on).
INTROSPECTION = get_introspection_query(
    descriptions=True,
    specified_by_url=True,
    directive_is_repeatable=True,
    schema_description=True,
    input_value_deprecation=True,
)

# A page of 20 SystemInfos with everything a screen shows: links, contents, dialogues.
ORDINARY_SCREEN = """
query Screen($first: Int = 20) {
  systemInfos(first: $first) {
    edges {
      cursor
      node {
        id description language major understandingLevel onlyUseReferenceData dataSequence
        createdAt updatedAt
        refBooks { id author title }
        refDatas { id title content }
        generatedDialogue
      }
    }
    pageInfo { hasNextPage endCursor }
    totalCount
  }
}
"""

# The issue's attack: 20 aliases (the alias limit) of a page of dialogues and contents; with
# 50 materials of 3,000 characters linked to 20 SystemInfos, a 121 MB answer on the base commit.
DIALOGUE_ATTACK = (
    "query { "
    + " ".join(
        f"a{i}: systemInfos(first: 20) {{ edges {{ node {{ generatedDialogue "
        "refDatas { content } } } }"
        for i in range(20)
    )
    + " }"
)


def fragment_chain(levels: int) -> str:
    """`levels` fragments, each spreading the previous one twice: 2^(levels-1) expanded fields.

    22 levels are 863 bytes; on the base commit they held a worker for seconds, 60 for minutes.
    """
    fragments = ["fragment F0 on Query { __typename }"]
    fragments += [f"fragment F{i} on Query {{ ...F{i - 1} ...F{i - 1} }}" for i in range(1, levels)]
    return f"query {{ ...F{levels - 1} }} " + " ".join(fragments)


def sibling_fields(count: int) -> str:
    """`count` times the same field at one place: graphql-core compares every pair."""
    return "query { " + " ".join(["publicScripts { totalCount }"] * count) + " }"


# The largest document the default limits accept: 20 aliases (the limit) of a SystemInfo
# subtree of 15 fields, 300 fields in all (the limit), none repeated.
_SUBTREE = (
    "systemInfos(first: 1) { edges { cursor node { id description language major "
    "understandingLevel createdAt refBooks { id title } } } pageInfo { endCursor } }"
)
LARGEST_ACCEPTED = "query { " + " ".join(f"a{i}: {_SUBTREE}" for i in range(20)) + " }"

# The most repeated fields the default limit (50) accepts at one place: 26 siblings.
SIBLINGS_AT_LIMIT = sibling_fields(26)


def respread_chain(levels: int) -> str:
    """The largest accepted selection in one fragment, passed on through `levels` fragments
    that each only spread the previous one: the shape pass must not copy it at every step."""
    fragments = [f"fragment F0 on Query {{ {LARGEST_ACCEPTED.removeprefix('query { ')}"]
    fragments += [f"fragment F{i} on Query {{ ...F{i - 1} }}" for i in range(1, levels)]
    return f"query {{ ...F{levels - 1} }} " + " ".join(fragments)
