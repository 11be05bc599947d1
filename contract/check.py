#!/usr/bin/env python3
"""Compare an exported GraphQL schema with the released API contract.

usage: python contract/check.py [EXPORTED_SDL] [CONTRACT_SDL]

Prints each breaking change (something in the contract that the export removed, renamed,
or typed differently) and exits 1 if there is any. Additions are fine. Uses graphql-core's
find_breaking_changes (strawberry depends on it).
"""

from __future__ import annotations

import pathlib
import sys

from graphql import build_schema
from graphql.utilities import find_breaking_changes

HERE = pathlib.Path(__file__).resolve().parent


def breaking_changes(exported_sdl: str, contract_sdl: str) -> list[str]:
    changes = find_breaking_changes(build_schema(contract_sdl), build_schema(exported_sdl))
    return [f"{change.type.name}: {change.description}" for change in changes]


def main(argv: list[str]) -> int:
    exported = pathlib.Path(argv[1]) if len(argv) > 1 else HERE.parent / "schema.graphql"
    contract = pathlib.Path(argv[2]) if len(argv) > 2 else HERE / "schema.graphql"
    changes = breaking_changes(exported.read_text(), contract.read_text())
    for line in changes:
        print(line)
    print(f"contract: {len(changes)} breaking change(s) against {contract.name}")
    return 1 if changes else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
