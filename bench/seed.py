"""Seeds the benchmark data set into a freshly migrated database, fast.

Rows go in with the plain synchronous drivers (sqlite3, PyMySQL) and `executemany` in big
batches, with explicit ids so nothing is read back. Every row of a table gets its own
created_at (one millisecond apart), so keyset pages are unambiguous and realistic.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pymysql
from argon2 import PasswordHasher
from sqlalchemy.engine import make_url

from auth.passwords import MEMORY_COST_KIB, PARALLELISM, TIME_COST

PASSWORD = "bench-password-1"
MAIN_BOOKS = 500
MAIN_DATAS = 500
MAIN_SYSTEM_INFOS = 100
LINKS_PER_INFO = 5
OTHER_USERS = 10
PUBLIC_SCRIPTS = 20
SCRIPTS_PER_PUBLIC = 5
DEEP_BOOKS = 100_000
BATCH = 5_000
# Long enough that no row is "now"; one millisecond per row keeps created_at distinct.
_BASE = datetime(2026, 1, 1, tzinfo=UTC)
_STEP = timedelta(milliseconds=1)
_WORDS = [
    "entropy",
    "lattice",
    "gradient",
    "theorem",
    "proof",
    "kernel",
    "vector",
    "matrix",
    "eigenvalue",
    "spectrum",
]


@dataclass
class Seeded:
    """What the benchmark needs to know about the data it seeded."""

    main_username: str = "bench_main"
    deep_username: str = "bench_deep"
    admin_username: str = "bench_admin"
    password: str = PASSWORD
    main_user_id: int = 0
    deep_user_id: int = 0
    system_info_ids: list[int] = field(default_factory=list)
    # (created_at, id) of the deep user's books, newest first, for cursors.
    deep_book_keys: list[tuple[datetime, int]] = field(default_factory=list)
    # (title, id) of the same books in title order (A to Z; ASCII titles sort alike in
    # Python, SQLite and MariaDB's utf8mb4_unicode_ci), for cursors of that order.
    deep_title_keys: list[tuple[str, int]] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def deep_title(pk: int) -> str:
    return f"Deep book {pk}"


def deep_author(pk: int) -> str:
    # 977 authors: a search for "author 9" matches 88 of them, about 9% of the books.
    return f"Author {pk % 977}"


def _text(seed: int, length: int) -> str:
    words: list[str] = []
    size = 0
    i = seed
    while size < length:
        word = _WORDS[(i * 7 + size) % len(_WORDS)]
        words.append(word)
        size += len(word) + 1
        i += 1
    return " ".join(words)[:length]


class _Writer:
    """Inserts rows in batches through a synchronous DB-API connection."""

    def __init__(self, database_url: str) -> None:
        url = make_url(database_url)
        self.sqlite = url.get_backend_name() == "sqlite"
        self.conn: Any
        if self.sqlite:
            self.conn = sqlite3.connect(url.database or "")
            self.conn.execute("PRAGMA foreign_keys=OFF")
            self.conn.execute("PRAGMA synchronous=OFF")
            self.placeholder = "?"
        else:
            self.conn = pymysql.connect(
                host=url.host or "127.0.0.1",
                port=url.port or 3306,
                user=url.username or "root",
                password=url.password or "",
                database=url.database,
                charset="utf8mb4",
                autocommit=False,
            )
            self.conn.cursor().execute("SET foreign_key_checks=0, unique_checks=0")
            self.placeholder = "%s"
        self.counts: dict[str, int] = {}

    def when(self, moment: datetime) -> Any:
        naive = moment.astimezone(UTC).replace(tzinfo=None)
        # SQLAlchemy's SQLite DateTime stores this exact text form.
        return naive.strftime("%Y-%m-%d %H:%M:%S.%f") if self.sqlite else naive

    def insert(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        quote = '"' if self.sqlite else "`"
        names = ", ".join(f"{quote}{c}{quote}" for c in columns)
        marks = ", ".join(self.placeholder for _ in columns)
        # PyMySQL turns executemany of one INSERT ... VALUES into multi-row statements.
        sql = f"INSERT INTO {quote}{table}{quote} ({names}) VALUES ({marks})"
        cursor = self.conn.cursor()
        for batch in _batches(rows, BATCH):
            cursor.executemany(sql, batch)
            self.counts[table] = self.counts.get(table, 0) + len(batch)
        cursor.close()

    def close(self) -> None:
        self.conn.commit()
        self.conn.close()


def _batches(rows: Iterable[Sequence[Any]], size: int) -> Iterator[list[Sequence[Any]]]:
    batch: list[Sequence[Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


class _Ids:
    def __init__(self) -> None:
        self.next: dict[str, int] = {}

    def take(self, table: str, n: int) -> list[int]:
        start = self.next.get(table, 1)
        self.next[table] = start + n
        return list(range(start, start + n))


def seed(database_url: str, deep_books: int = DEEP_BOOKS) -> Seeded:
    """Fill a migrated, empty database; returns the handles the benchmark needs."""
    started = time.perf_counter()
    out = Seeded()
    w = _Writer(database_url)
    ids = _Ids()
    # One hash, with the service's own argon2id parameters, for everyone: seeding stays fast.
    hasher = PasswordHasher(
        time_cost=TIME_COST, memory_cost=MEMORY_COST_KIB, parallelism=PARALLELISM
    )
    password_hash = hasher.hash(PASSWORD)
    clock = iter(_BASE + i * _STEP for i in range(10**7))

    def stamp() -> Any:
        return w.when(next(clock))

    user_columns = (
        "id",
        "username",
        "username_key",
        "email",
        "email_key",
        "password_hash",
        "is_admin",
        "using_token",
        "token_version",
        "created_at",
        "updated_at",
    )
    names = [out.main_username, out.deep_username, out.admin_username] + [
        f"bench_user{i}" for i in range(OTHER_USERS)
    ]
    user_ids = ids.take("user", len(names))
    w.insert(
        "user",
        user_columns,
        [
            (
                uid,
                n,
                n,
                f"{n}@example.com",
                f"{n}@example.com",
                password_hash,
                n == out.admin_username,
                0,
                0,
                stamp(),
                stamp(),
            )
            for uid, n in zip(user_ids, names, strict=True)
        ],
    )
    out.main_user_id, out.deep_user_id, admin_id = user_ids[0], user_ids[1], user_ids[2]
    others = user_ids[3:]

    owners = [(out.main_user_id, MAIN_BOOKS, MAIN_DATAS, MAIN_SYSTEM_INFOS)] + [
        (uid, 20, 10, 5) for uid in others
    ]
    for owner, n_books, n_datas, n_infos in owners:
        infos = _seed_library(w, ids, stamp, owner, n_books, n_datas, n_infos)
        if owner == out.main_user_id:
            out.system_info_ids = infos

    deep_ids = ids.take("ref_book", deep_books)
    deep_times = [next(clock) for _ in deep_ids]
    w.insert(
        "ref_book",
        ("id", "user_id", "author", "title", "created_at", "updated_at"),
        (
            (pk, out.deep_user_id, deep_author(pk), deep_title(pk), w.when(t), w.when(t))
            for pk, t in zip(deep_ids, deep_times, strict=True)
        ),
    )
    out.deep_book_keys = list(zip(reversed(deep_times), reversed(deep_ids), strict=True))
    out.deep_title_keys = sorted((deep_title(pk), pk) for pk in deep_ids)

    public_ids = ids.take("public_script", PUBLIC_SCRIPTS)
    w.insert(
        "public_script",
        ("id", "user_id", "name", "description", "created_at", "updated_at"),
        [
            (pk, admin_id, f"Study script {pk}", _text(pk, 300), stamp(), stamp())
            for pk in public_ids
        ],
    )
    script_ids = ids.take("script", PUBLIC_SCRIPTS * SCRIPTS_PER_PUBLIC)
    w.insert(
        "script",
        ("id", "public_script_id", "number", "text"),
        [
            (script_ids[i * SCRIPTS_PER_PUBLIC + n - 1], pk, n, _text(pk * 10 + n, 400))
            for i, pk in enumerate(public_ids)
            for n in range(1, SCRIPTS_PER_PUBLIC + 1)
        ],
    )
    w.close()
    out.rows = dict(w.counts)
    out.seconds = time.perf_counter() - started
    return out


def _seed_library(
    w: _Writer, ids: _Ids, stamp: Any, owner: int, n_books: int, n_datas: int, n_infos: int
) -> list[int]:
    """One user's books, materials (~1,500 characters each) and SystemInfos with 5+5 links."""
    book_ids = ids.take("ref_book", n_books)
    w.insert(
        "ref_book",
        ("id", "user_id", "author", "title", "created_at", "updated_at"),
        [(pk, owner, f"Author {pk}", _text(pk, 60), stamp(), stamp()) for pk in book_ids],
    )
    data_ids = ids.take("ref_data", n_datas)
    w.insert(
        "ref_data",
        ("id", "user_id", "title", "created_at", "updated_at"),
        [(pk, owner, f"Lecture notes {pk}", stamp(), stamp()) for pk in data_ids],
    )
    w.insert(
        "ref_data_content",
        ("ref_data_id", "text"),
        [(pk, _text(pk, 1500)) for pk in data_ids],
    )
    info_ids = ids.take("system_info", n_infos)
    w.insert(
        "system_info",
        (
            "id",
            "user_id",
            "description",
            "language",
            "major",
            "understanding_level",
            "only_use_reference_data",
            "data_sequence",
            "created_at",
            "updated_at",
        ),
        [
            (
                pk,
                owner,
                f"Profile {pk}",
                "EN" if pk % 2 else "KO",
                "Computer Science",
                pk % 5 + 1,
                pk % 3 == 0,
                pk % 2 == 0,
                stamp(),
                stamp(),
            )
            for pk in info_ids
        ],
    )
    books: list[Sequence[Any]] = []
    datas: list[Sequence[Any]] = []
    for i, info in enumerate(info_ids):
        for position in range(LINKS_PER_INFO):
            books.append((info, book_ids[(i * LINKS_PER_INFO + position) % n_books], position))
            datas.append((info, data_ids[(i * LINKS_PER_INFO + position) % n_datas], position))
    w.insert("system_info_ref_book", ("system_info_id", "ref_book_id", "position"), books)
    w.insert("system_info_ref_data", ("system_info_id", "ref_data_id", "position"), datas)
    return info_ids
