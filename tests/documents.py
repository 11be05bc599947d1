"""The GraphQL documents the tests share, in one place.

The operations the front end ships (clients/operations/*.graphql) are read from there by
name, each with the fragments it spreads, so the tests send exactly what the React app
sends and a change to those files is tested here too. Documents that only tests need
(one field of a connection, deliberately broken shapes) are built below or stay constants
in the one test that uses them.
"""

from __future__ import annotations

from functools import cache

from graphql import (
    DocumentNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    OperationDefinitionNode,
    parse,
    print_ast,
    visit,
)
from graphql.language import Visitor

from tests.processes import ROOT

OPERATIONS_DIR = ROOT / "clients" / "operations"


class _Spreads(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def enter_fragment_spread(self, node: FragmentSpreadNode, *_args: object) -> None:
        self.names.add(node.name.value)


def _spreads(node: OperationDefinitionNode | FragmentDefinitionNode) -> set[str]:
    found = _Spreads()
    visit(node, found)
    return found.names


@cache
def client_operations() -> dict[str, str]:
    """Every named operation of clients/operations, as a document with its fragments."""
    operations: dict[str, OperationDefinitionNode] = {}
    fragments: dict[str, FragmentDefinitionNode] = {}
    for path in sorted(OPERATIONS_DIR.glob("*.graphql")):
        for definition in parse(path.read_text()).definitions:
            if isinstance(definition, OperationDefinitionNode) and definition.name:
                operations[definition.name.value] = definition
            elif isinstance(definition, FragmentDefinitionNode):
                fragments[definition.name.value] = definition
    documents = {}
    for name, operation in operations.items():
        needed: list[str] = []
        pending = sorted(_spreads(operation))
        while pending:
            fragment = pending.pop()
            if fragment not in needed:
                needed.append(fragment)
                pending.extend(sorted(_spreads(fragments[fragment])))
        definitions = (operation, *(fragments[f] for f in sorted(needed)))
        documents[name] = print_ast(DocumentNode(definitions=definitions))
    return documents


def client(name: str) -> str:
    """The client's operation `name` (KeyError when the front end has no such operation)."""
    return client_operations()[name]


def connection(field: str, node_fields: str = "id") -> str:
    """A page of `field` with the given node fields, its page info and count."""
    return (
        f"query($first: Int, $after: String, $last: Int, $before: String) {{\n"
        f"  {field}(first: $first, after: $after, last: $last, before: $before) {{\n"
        f"    edges {{ cursor node {{ {node_fields} }} }}\n"
        f"    pageInfo {{ hasNextPage hasPreviousPage startCursor endCursor }} totalCount\n"
        f"  }}\n}}"
    )


# ---- accounts ------------------------------------------------------------------------------
SIGN_UP = client("SignUp")
SIGN_IN = client("SignIn")
REFRESH_TOKEN = client("RefreshToken")
CHANGE_PASSWORD = client("ChangePassword")
DELETE_ACCOUNT = client("DeleteAccount")
SIGN_OUT = client("SignOut")
SIGN_OUT_EVERYWHERE = client("SignOutEverywhere")
ME = client("Me")

# ---- reads ---------------------------------------------------------------------------------
NODE = client("Node")
REF_BOOK = client("RefBook")
REF_DATA = client("RefData")
SYSTEM_INFO = client("SystemInfo")
GENERATED_DIALOGUE = client("GeneratedDialogue")
PUBLIC_SCRIPT = client("PublicScript")
REF_BOOKS = client("RefBooks")
REF_DATAS = client("RefDatas")
SYSTEM_INFOS = client("SystemInfos")
PUBLIC_SCRIPTS = client("PublicScripts")

# ---- writes --------------------------------------------------------------------------------
CREATE_REF_BOOK = client("CreateRefBook")
UPDATE_REF_BOOK = client("UpdateRefBook")
DELETE_REF_BOOK = client("DeleteRefBook")
CREATE_REF_DATA = client("CreateRefData")
UPDATE_REF_DATA = client("UpdateRefData")
DELETE_REF_DATA = client("DeleteRefData")
CREATE_SYSTEM_INFO = client("CreateSystemInfo")
UPDATE_SYSTEM_INFO = client("UpdateSystemInfo")
DELETE_SYSTEM_INFO = client("DeleteSystemInfo")
CREATE_PUBLIC_SCRIPT = client("CreatePublicScript")
UPDATE_PUBLIC_SCRIPT = client("UpdatePublicScript")
DELETE_PUBLIC_SCRIPT = client("DeletePublicScript")
