"""What every request shares, built once in the lifespan: settings, engine, throttle, limits.

A bottom module (settings, db and auth only), so the GraphQL layers and the HTTP plumbing
(web/health.py) can both receive it without importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from auth.throttle import Limit, MemoryStore, RedisStore, Throttle
from db.engine import SessionFactory, create_engine, create_read_engine, create_session_factory
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

    async def close(self) -> None:
        await self.throttle.close()
        await self.engine.dispose()


def build_services(settings: Settings) -> Services:
    engine = create_engine(settings)
    store = (
        RedisStore(settings.redis_url, prefix=settings.redis_key_prefix)
        if settings.redis_url
        else MemoryStore()
    )
    return Services(
        settings=settings,
        engine=engine,
        sessions=create_session_factory(engine, create_read_engine(settings, engine)),
        signing_key=settings.signing_key(),
        throttle=Throttle(store),
        limits=Limits.from_settings(settings),
    )
