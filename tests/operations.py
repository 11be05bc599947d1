"""One GraphQL document per operation of the contract, and a seeding helper built on them.

Shared by the accounts, ownership and end-to-end tests, so every file speaks the same
documents and a contract change shows up in one place.
"""

from __future__ import annotations

from dataclasses import dataclass

from tests.utils import Account, GraphQLClient, assert_no_errors

USER_FIELDS = "id username email isAdmin usingToken createdAt updatedAt"
PAIR_FIELDS = "accessToken refreshToken expiresIn user { id username isAdmin }"
BOOK_FIELDS = "id author title createdAt updatedAt"
DATA_FIELDS = "id title content createdAt updatedAt"
INFO_FIELDS = """
  id description language major understandingLevel onlyUseReferenceData dataSequence
  refBooks { id } refDatas { id } generatedDialogue createdAt updatedAt
"""
SCRIPT_FIELDS = "id name description descriptionSummary scripts { number text } createdAt updatedAt"
PAGE_INFO = "pageInfo { hasNextPage hasPreviousPage startCursor endCursor }"

# ---- accounts ------------------------------------------------------------------------------

SIGN_UP = f"mutation($input: SignUpInput!) {{ signUp(input: $input) {{ {USER_FIELDS} }} }}"
SIGN_IN = f"mutation($input: SignInInput!) {{ signIn(input: $input) {{ {PAIR_FIELDS} }} }}"
REFRESH_TOKEN = f"mutation($t: String!) {{ refreshToken(refreshToken: $t) {{ {PAIR_FIELDS} }} }}"
CHANGE_PASSWORD = f"""
mutation($input: ChangePasswordInput!) {{ changePassword(input: $input) {{ {PAIR_FIELDS} }} }}
"""
DELETE_ACCOUNT = "mutation($password: String!) { deleteAccount(password: $password) }"
SIGN_OUT = "mutation($t: String!) { signOut(refreshToken: $t) }"
SIGN_OUT_EVERYWHERE = "mutation { signOutEverywhere }"
ME = f"query {{ me {{ {USER_FIELDS} }} }}"

# ---- reads ---------------------------------------------------------------------------------

NODE = """
query($id: ID!) {
  node(id: $id) {
    __typename id
    ... on User { username }
    ... on RefBook { title }
    ... on RefData { title }
    ... on SystemInfo { major }
    ... on PublicScript { name }
  }
}
"""
REF_BOOK = f"query($id: ID!) {{ refBook(id: $id) {{ {BOOK_FIELDS} }} }}"
REF_DATA = f"query($id: ID!) {{ refData(id: $id) {{ {DATA_FIELDS} }} }}"
SYSTEM_INFO = f"query($id: ID!) {{ systemInfo(id: $id) {{ {INFO_FIELDS} }} }}"
PUBLIC_SCRIPT = f"query($id: ID!) {{ publicScript(id: $id) {{ {SCRIPT_FIELDS} }} }}"


def connection(field: str, node_fields: str = "id") -> str:
    return (
        f"query($first: Int, $after: String, $last: Int, $before: String) {{\n"
        f"  {field}(first: $first, after: $after, last: $last, before: $before) {{\n"
        f"    edges {{ cursor node {{ {node_fields} }} }} {PAGE_INFO} totalCount\n"
        f"  }}\n}}"
    )


REF_BOOKS = connection("refBooks", BOOK_FIELDS)
REF_DATAS = connection("refDatas", DATA_FIELDS)
SYSTEM_INFOS = connection("systemInfos", INFO_FIELDS)
PUBLIC_SCRIPTS = connection("publicScripts", SCRIPT_FIELDS)

# ---- writes --------------------------------------------------------------------------------


def _create(type_name: str, fields: str) -> str:
    return (
        f"mutation($input: Create{type_name}Input!) "
        f"{{ create{type_name}(input: $input) {{ {fields} }} }}"
    )


def _update(type_name: str, fields: str) -> str:
    return (
        f"mutation($id: ID!, $input: Update{type_name}Input!) "
        f"{{ update{type_name}(id: $id, input: $input) {{ {fields} }} }}"
    )


def _delete(type_name: str) -> str:
    return f"mutation($id: ID!) {{ delete{type_name}(id: $id) }}"


CREATE_REF_BOOK = _create("RefBook", BOOK_FIELDS)
UPDATE_REF_BOOK = _update("RefBook", BOOK_FIELDS)
DELETE_REF_BOOK = _delete("RefBook")
CREATE_REF_DATA = _create("RefData", DATA_FIELDS)
UPDATE_REF_DATA = _update("RefData", DATA_FIELDS)
DELETE_REF_DATA = _delete("RefData")
CREATE_SYSTEM_INFO = _create("SystemInfo", INFO_FIELDS)
UPDATE_SYSTEM_INFO = _update("SystemInfo", INFO_FIELDS)
DELETE_SYSTEM_INFO = _delete("SystemInfo")
CREATE_PUBLIC_SCRIPT = _create("PublicScript", SCRIPT_FIELDS)
UPDATE_PUBLIC_SCRIPT = _update("PublicScript", SCRIPT_FIELDS)
DELETE_PUBLIC_SCRIPT = _delete("PublicScript")


@dataclass(frozen=True)
class Owned:
    """Global ids of one RefBook, one RefData and one SystemInfo linking both."""

    ref_book: str
    ref_data: str
    system_info: str


async def seed_owned(gql: GraphQLClient, account: Account, tag: str = "") -> Owned:
    book = assert_no_errors(
        await gql(
            CREATE_REF_BOOK,
            {"input": {"author": f"Author{tag}", "title": f"Book{tag}"}},
            token=account.token,
        )
    )["createRefBook"]
    material = assert_no_errors(
        await gql(
            CREATE_REF_DATA,
            {"input": {"title": f"Notes{tag}", "content": f"Content{tag}"}},
            token=account.token,
        )
    )["createRefData"]
    info = assert_no_errors(
        await gql(
            CREATE_SYSTEM_INFO,
            {
                "input": {
                    "language": "EN",
                    "major": f"Physics{tag}",
                    "understandingLevel": 3,
                    "refBookIds": [book["id"]],
                    "refDataIds": [material["id"]],
                }
            },
            token=account.token,
        )
    )["createSystemInfo"]
    return Owned(ref_book=book["id"], ref_data=material["id"], system_info=info["id"])
