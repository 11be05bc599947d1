"""The per-request Context: who calls, how to reach the database, fresh loaders.

Who calls is known in two steps. The access token's claims (signature and expiry) cost no
query; whether the token is still current (not revoked by a password change, a sign-out
everywhere, a detected theft, or the account's deletion) only the user's row can tell.
A statement that filters on the caller may prove it on the way (`prove_current`); the
SignedIn policy (schema/permissions.py) looks the caller up itself when nothing did, so no
data leaves a signed-in field unless the token was shown current in this request.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, bindparam, exists, select
from sqlalchemy import inspect as sql_inspect

from auth import tokens
from db.engine import SessionFactory
from db.reads import SharedReadConnection
from models import User
from resolvers.errors import AppError, ErrorCode, unauthenticated
from resolvers.loaders import Loaders
from services import Services
from settings import Settings

_UNRESOLVED: Any = object()
_USER_TABLE = sql_inspect(User).local_table
_USERS = _USER_TABLE.c
# Built once: every signed-in request that is not proven current on the way runs it.
_CALLER = select(_USER_TABLE).where(_USERS.id == bindparam("user_id"))


def user_of(found: Row[Any] | None) -> User | None:
    """The User of a row of every users column (reads run on a connection, which returns
    rows, not ORM objects); a plain object no session tracks."""
    return None if found is None else User(**found._mapping)


def users_where(condition: ColumnElement[bool]) -> Select[Any]:
    """Every users column of the users meeting `condition`, for `user_of`."""
    return select(_USER_TABLE).where(condition)


# Whether the token is current, for a statement about the caller's data: uncorrelated, so the
# database evaluates it once per statement. Built once, in plain Core (no ORM entity, so the
# statements it joins take the session's Core path); its values come from `current_params`.
TOKEN_CURRENT: ColumnElement[bool] = exists(
    select(_USERS.id).where(
        _USERS.id == bindparam("current_user_id"),
        _USERS.token_version == bindparam("current_version"),
    )
)


@dataclass(slots=True)
class Context:
    services: Services
    loaders: Loaders
    token: str | None
    client_address: str
    # Every read of the request goes through this one session (writes take their own).
    reads: SharedReadConnection
    _caller: User | None = field(default=_UNRESOLVED)
    _claims: tokens.Claims | None = field(default=_UNRESOLVED)
    _proven_id: int | None = None
    _ended: bool = False
    _password_work: bool = False

    @classmethod
    def create(cls, services: Services, token: str | None, client_address: str) -> Context:
        reads = SharedReadConnection(services.sessions)
        return cls(services, Loaders(reads), token, client_address, reads)

    @property
    def sessions(self) -> SessionFactory:
        return self.services.sessions

    @property
    def settings(self) -> Settings:
        return self.services.settings

    # ---- the caller ------------------------------------------------------------------------

    def claims(self) -> tokens.Claims | None:
        """The access token's claims when its signature and expiry hold (it may still have
        been revoked: only the user's token_version tells)."""
        if self._ended:
            return None
        if self._claims is _UNRESOLVED:
            try:
                self._claims = (
                    None
                    if self.token is None
                    else tokens.decode(self.services.signing_key, self.token, "access")
                )
            except tokens.InvalidToken:
                self._claims = None
        return self._claims

    def require_claims(self) -> tokens.Claims:
        claims = self.claims()
        if claims is None:
            raise unauthenticated()
        return claims

    def current_params(self) -> dict[str, int]:
        """The values of `TOKEN_CURRENT` for this caller (UNAUTHENTICATED without valid claims).

        A statement that selects `TOKEN_CURRENT` with them and gets True hands the proof to
        `prove_current`.
        """
        claims = self.require_claims()
        return {"current_user_id": claims.user_id, "current_version": claims.version}

    def prove_current(self, proof: object) -> None:
        """Record what a `TOKEN_CURRENT` column answered (None: it was not asked)."""
        claims = self.claims()
        # MySQL answers an EXISTS column with 1, SQLite with True.
        if claims is not None and (proof is True or proof == 1):
            self._proven_id = claims.user_id

    @property
    def proven_current(self) -> bool:
        return self._proven_id is not None or isinstance(self._caller, User)

    async def caller(self) -> User | None:
        """The user of a valid, current access token, else None (never raises for a bad token)."""
        if self._ended:
            return None
        if self._caller is _UNRESOLVED:
            self._caller = await self._resolve_caller()
        return self._caller

    async def require_caller(self) -> User:
        user = await self.caller()
        if user is None:
            raise unauthenticated()
        return user

    async def require_current(self) -> None:
        """UNAUTHENTICATED unless the token is current; a query only if nothing proved it."""
        if not self.proven_current:
            await self.require_caller()

    @property
    def caller_id(self) -> int | None:
        """The caller's id once this request showed the token current; never queries."""
        if isinstance(self._caller, User):
            return self._caller.id
        return self._proven_id

    def spend_password_work(self) -> None:
        """One password hashed or checked per request at most: argon2 takes 20-40 ms of CPU
        and 19 MiB each, and aliases (or fragments) would otherwise multiply it."""
        if self._password_work:
            raise AppError(
                ErrorCode.QUERY_TOO_COMPLEX,
                "One request may check or set one password; send the others in requests of "
                "their own.",
            )
        self._password_work = True

    def end_session(self) -> None:
        """The caller revoked its own tokens (password change, deletion, sign-out everywhere):
        the field that did it answers, later fields of this request run as nobody."""
        self._ended = True

    async def _resolve_caller(self) -> User | None:
        claims = self.claims()
        if claims is None:
            return None
        async with self.reads() as connection:
            found = await connection.execute(_CALLER, {"user_id": claims.user_id})
            user = user_of(found.first())
        if user is None or user.token_version != claims.version:
            return None
        return user
