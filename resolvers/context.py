"""Process-wide services (built once in the lifespan) and the per-request Context."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col

from auth import tokens
from auth.throttle import Limit, Throttle
from db.engine import SessionFactory
from db.reads import SharedReadSession
from models import User
from resolvers.errors import unauthenticated
from resolvers.loaders import Loaders
from settings import Settings


@dataclass(frozen=True, slots=True)
class Limits:
    sign_in_username: Limit
    sign_in_address: Limit
    sign_up_address: Limit

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        return cls(
            Limit(
                "signin-user",
                settings.sign_in_failures_per_username,
                settings.sign_in_window_seconds,
            ),
            Limit(
                "signin-addr",
                settings.sign_in_failures_per_address,
                settings.sign_in_window_seconds,
            ),
            Limit("signup-addr", settings.sign_ups_per_address, settings.sign_up_window_seconds),
        )


@dataclass(slots=True)
class Services:
    settings: Settings
    engine: AsyncEngine
    sessions: SessionFactory
    signing_key: str
    throttle: Throttle
    limits: Limits

    @property
    def access_ttl(self) -> timedelta:
        return timedelta(seconds=self.settings.access_token_ttl_seconds)

    @property
    def refresh_ttl(self) -> timedelta:
        return timedelta(seconds=self.settings.refresh_token_ttl_seconds)


_UNRESOLVED = object()
# Built once: every signed-in request runs it.
_CALLER = select(User).where(col(User.id) == bindparam("user_id"))


@dataclass(slots=True)
class Context:
    """Built once per request: who calls, how to reach the database, fresh loaders."""

    services: Services
    loaders: Loaders
    token: str | None
    client_address: str
    # Every read of the request goes through this one session (writes take their own).
    reads: SharedReadSession
    _caller: object = field(default=_UNRESOLVED)
    _claims: object = field(default=_UNRESOLVED)
    # Set when a statement proved the token current without loading the user (page_owned).
    _verified_id: int | None = None

    @classmethod
    def create(cls, services: Services, token: str | None, client_address: str) -> Context:
        reads = SharedReadSession(services.sessions)
        return cls(services, Loaders.create(reads), token, client_address, reads)

    @property
    def sessions(self) -> SessionFactory:
        return self.services.sessions

    def forget_loaded(self) -> None:
        """After a write, what the loaders cached may be stale: later fields load afresh."""
        self.loaders = Loaders.create(self.reads)

    async def caller(self) -> User | None:
        """The user of a valid, unrevoked access token, else None (never raises for a bad token)."""
        if self._caller is _UNRESOLVED:
            self._caller = await self._resolve_caller()
        return self._caller  # type: ignore[return-value]

    @property
    def caller_id(self) -> int | None:
        """The caller's id when this request already looked the caller up; never queries."""
        caller = self._caller
        return caller.id if isinstance(caller, User) else self._verified_id

    def claims(self) -> tokens.Claims | None:
        """The access token's claims when its signature and expiry hold (no query: it may
        still be revoked, which only the user's token_version tells)."""
        if self._claims is _UNRESOLVED:
            try:
                self._claims = (
                    None
                    if self.token is None
                    else tokens.decode(self.services.signing_key, self.token, "access")
                )
            except tokens.InvalidToken:
                self._claims = None
        return self._claims  # type: ignore[return-value]

    def require_claims(self) -> tokens.Claims:
        claims = self.claims()
        if claims is None:
            raise unauthenticated()
        return claims

    def verified(self, user_id: int) -> None:
        """A statement filtered on the token's user and version found the token current."""
        self._verified_id = user_id

    async def require_caller(self) -> User:
        user = await self.caller()
        if user is None:
            raise unauthenticated()
        return user

    async def _resolve_caller(self) -> User | None:
        claims = self.claims()
        if claims is None:
            return None
        async with self.reads() as session:
            user = await session.scalar(_CALLER, {"user_id": claims.user_id})
        if user is None or user.token_version != claims.version:
            return None
        return user
