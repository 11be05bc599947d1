"""Documents and seeding helpers shared by the data API tests (books, materials, profiles)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel

from auth import tokens
from auth.passwords import hash_password
from models import PublicScript, RefBook, RefData, RefDataContent, RefreshToken, Script, User
from models.types import utcnow
from resolvers.ids import pk_of, to_global_id
from services import Services
from tests.documents import CREATE_REF_BOOK, CREATE_REF_DATA, CREATE_SYSTEM_INFO
from tests.type_names import PUBLIC_SCRIPT, REF_BOOK, REF_DATA, USER
from tests.utils import Account, GraphQLClient, assert_no_errors

# isoformat of an aware UTC datetime that kept its microseconds.
UTC_MICROS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$")
KOREAN_EMOJI = "한국어 텍스트 🎓📚 ✅"


QUICK_PASSWORD = "quick-password-1"
_quick_hash: dict[str, str] = {}


async def quick_account(services: Services, username: str, is_admin: bool = False) -> Account:
    """A signed-in account made straight in the database, with a real access token.

    Sign-up and sign-in cost two argon2 hashes (tens of ms); tests about data rather
    than accounts reuse one hash per run instead. It has no refresh token.
    """
    if QUICK_PASSWORD not in _quick_hash:
        _quick_hash[QUICK_PASSWORD] = await hash_password(QUICK_PASSWORD)
    email = f"{username}@example.com"
    async with services.sessions.begin() as session:
        user = User(
            username=username,
            username_key=username.casefold(),
            email=email,
            email_key=email.casefold(),
            password_hash=_quick_hash[QUICK_PASSWORD],
            is_admin=is_admin,
        )
        session.add(user)
        await session.flush()
        assert user.id is not None
        pk, version = user.id, user.token_version
    access = tokens.issue(services.signing_key, pk, version, "access", services.access_ttl)
    return Account(
        id=to_global_id(USER, pk),
        username=username,
        email=email,
        password=QUICK_PASSWORD,
        token=access.token,
        refresh_token="",
    )


def user_pk(account: Account) -> int:
    pk = pk_of(account.id, USER)
    assert pk is not None
    return pk


def parse_time(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    assert parsed.utcoffset() == timedelta(0), value
    return parsed


def assert_utc_micros(value: str) -> None:
    # A stamp whose microseconds happen to be 0 would print without them: one in a million.
    assert UTC_MICROS.match(value), value


async def create_book(gql: GraphQLClient, account: Account, author: str, title: str) -> dict:
    body = await gql(
        CREATE_REF_BOOK, {"input": {"author": author, "title": title}}, token=account.token
    )
    return assert_no_errors(body)["createRefBook"]


async def create_data(gql: GraphQLClient, account: Account, title: str, content: str) -> dict:
    body = await gql(
        CREATE_REF_DATA, {"input": {"title": title, "content": content}}, token=account.token
    )
    return assert_no_errors(body)["createRefData"]


async def count_rows(services: Services, table: type[SQLModel]) -> int:
    async with services.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(table)) or 0)


def stamps(count: int, start: datetime | None = None) -> list[datetime]:
    """`count` distinct creation times one second apart, oldest first."""
    base = start or datetime(2025, 1, 1, tzinfo=UTC)
    return [base + timedelta(seconds=i, microseconds=i) for i in range(count)]


async def insert_returning_ids(
    session: AsyncSession, model: Any, rows: list[dict[str, Any]]
) -> list[int]:
    """Insert `rows` in one statement; their primary keys in the order of `rows`."""
    result = await session.execute(
        insert(model).returning(model.id, sort_by_parameter_order=True), rows
    )
    return cast(list[int], result.scalars().all())


async def seed_books(
    services: Services, owner: int, created: Iterable[datetime], prefix: str = "book"
) -> list[str]:
    """Insert books directly (one statement); their global ids in the order of `created`."""
    rows = [
        {
            "user_id": owner,
            "author": f"{prefix}-author-{i}",
            "title": f"{prefix}-{i}",
            "created_at": at,
            "updated_at": at,
        }
        for i, at in enumerate(created)
    ]
    async with services.sessions.begin() as session:
        ids = await insert_returning_ids(session, RefBook, rows)
    return [to_global_id(REF_BOOK, pk) for pk in ids]


async def seed_datas(
    services: Services, owner: int, created: Iterable[datetime], prefix: str = "data"
) -> list[str]:
    """Insert materials and their contents directly; global ids in the order of `created`."""
    rows = [
        {"user_id": owner, "title": f"{prefix}-{i}", "created_at": at, "updated_at": at}
        for i, at in enumerate(created)
    ]
    async with services.sessions.begin() as session:
        ids = await insert_returning_ids(session, RefData, rows)
        await session.execute(
            insert(RefDataContent),
            [{"ref_data_id": pk, "text": f"{prefix}-content-{i}"} for i, pk in enumerate(ids)],
        )
    return [to_global_id(REF_DATA, pk) for pk in ids]


async def seed_public_scripts(
    services: Services,
    created: Iterable[datetime],
    scripts_each: int = 2,
    text_length: int | None = None,
) -> list[str]:
    """Insert public scripts with `scripts_each` scripts numbered from 1 (each `text_length`
    characters long when given); their global ids."""
    rows = [
        {
            "user_id": None,
            "name": f"public-{i}",
            "description": f"description-{i}",
            "created_at": at,
            "updated_at": at,
        }
        for i, at in enumerate(created)
    ]
    async with services.sessions.begin() as session:
        ids = await insert_returning_ids(session, PublicScript, rows)
        await session.execute(
            insert(Script),
            [
                {
                    "public_script_id": pk,
                    "number": n,
                    "text": f"public-{i}-script-{n}".ljust(text_length or 0, "."),
                }
                for i, pk in enumerate(ids)
                for n in range(1, scripts_each + 1)
            ],
        )
    return [to_global_id(PUBLIC_SCRIPT, pk) for pk in ids]


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


async def stored_refresh(
    services: Services,
    user_id: int,
    *,
    family: str | None = None,
    issued_ago: timedelta = timedelta(),
    used_ago: timedelta | None = None,
) -> tokens.IssuedToken:
    """A refresh token as the service would have issued it `issued_ago`, with its row."""
    now = utcnow()
    issued = tokens.issue(
        services.signing_key, user_id, 0, "refresh", services.refresh_ttl, now=now - issued_ago
    )
    async with services.sessions.begin() as session:
        session.add(
            RefreshToken(
                jti=issued.claims.jti,
                user_id=user_id,
                family=family or issued.claims.jti,
                expires_at=issued.claims.expires_at,
                used_at=None if used_ago is None else now - used_ago,
            )
        )
    return issued


BAD_ID_CASES = ["unknown", "malformed", "wrong-type", "duplicate", "other-user", "fifty-one"]
# input field -> (seeder of the caller's objects, the type's name in global ids)
LINK_FIELDS = {"refBookIds": (seed_books, REF_BOOK), "refDataIds": (seed_datas, REF_DATA)}


async def bad_link_ids(
    case: str, field: str, services: Services, owner: Account, own: list[str]
) -> list[str]:
    """An id list for `field` that starts with a valid id and breaks the rule named by `case`."""
    seed, type_name = LINK_FIELDS[field]
    if case == "unknown":
        return [own[0], to_global_id(type_name, 10**12)]
    if case == "malformed":
        return [own[0], "not-an-id"]
    if case == "wrong-type":
        # The caller's own object of the other kind: a real id, but not of this type.
        other = "refDataIds" if field == "refBookIds" else "refBookIds"
        return [own[0], (await LINK_FIELDS[other][0](services, user_pk(owner), stamps(1)))[0]]
    if case == "duplicate":
        return [own[0], own[1], own[0]]
    if case == "other-user":
        bob = await quick_account(services, "bob")
        return [own[0], (await seed(services, user_pk(bob), stamps(1), "bob"))[0]]
    assert case == "fifty-one"
    return own[:1] + await seed(services, user_pk(owner), stamps(50), "extra")
