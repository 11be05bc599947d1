"""Global ids: base64("<type>:<pk>"); anything that cannot name a row is simply no id."""

from __future__ import annotations

import base64

import pytest

from resolvers.ids import from_global_id, pk_of, to_global_id
from services import Services
from tests.data_api import seed_books, stamps, user_pk
from tests.utils import Account, GraphQLClient, assert_no_errors

READ_BY_ID = """
query ReadById($id: ID!) {
  node(id: $id) { id }
  refBook(id: $id) { id }
  refData(id: $id) { id }
  systemInfo(id: $id) { id }
  publicScript(id: $id) { id }
}
"""


def raw_id(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


@pytest.mark.parametrize("pk", [1, 42, 2**63 - 1])
def test_round_trip(pk: int) -> None:
    global_id = to_global_id("RefBook", pk)
    assert from_global_id(global_id) == ("RefBook", pk)
    assert pk_of(global_id, "RefBook") == pk
    assert pk_of(global_id, "RefData") is None


@pytest.mark.parametrize(
    "global_id",
    [
        "",
        "not base64!",
        raw_id("RefBook"),
        raw_id("RefBook:"),
        raw_id("RefBook:0"),
        raw_id("RefBook:02"),
        raw_id("RefBook:-1"),
        raw_id("RefBook:1.5"),
        raw_id("RefBook:९"),  # a digit, but not an ASCII one
        raw_id(f"RefBook:{2**63}"),
        raw_id("RefBook:" + "9" * 5000),
    ],
    ids=["empty", "not-base64", "no-pk", "empty-pk", "zero", "leading-zero", "negative", "decimal",
         "non-ascii-digit", "beyond-bigint", "5000-digits"],
)  # fmt: skip
def test_ids_that_name_no_row_are_rejected(global_id: str) -> None:
    assert from_global_id(global_id) is None


async def test_reads_of_an_impossible_id_are_null_without_error(
    gql: GraphQLClient, owner: Account
) -> None:
    # given ids whose number no database row can have / when every read field gets them
    for type_name in ("RefBook", "RefData", "SystemInfo", "PublicScript"):
        for number in (str(2**63), "9" * 5000):
            body = await gql(READ_BY_ID, {"id": raw_id(f"{type_name}:{number}")}, token=owner.token)
            # then each is null, as for any missing object, and nothing fails inside
            assert assert_no_errors(body) == {
                "node": None,
                "refBook": None,
                "refData": None,
                "systemInfo": None,
                "publicScript": None,
            }


async def test_a_non_canonical_spelling_names_no_object(
    gql: GraphQLClient, services: Services, owner: Account
) -> None:
    # given a book of the owner's
    [book] = await seed_books(services, user_pk(owner), stamps(1))
    pk = pk_of(book, "RefBook")
    assert pk is not None
    # when it is asked for with a leading zero or a plus sign in its number
    for spelling in (f"0{pk}", f"00{pk}", f"+{pk}"):
        body = await gql(READ_BY_ID, {"id": raw_id(f"RefBook:{spelling}")}, token=owner.token)
        # then nothing is found: one object has exactly one id
        assert assert_no_errors(body)["refBook"] is None, spelling
    # and the canonical id still finds it
    body = await gql(READ_BY_ID, {"id": book}, token=owner.token)
    assert assert_no_errors(body)["refBook"] == {"id": book}
