"""auth/tokens.py: a verified token is remembered, but its expiry and type are checked on
every use, and nothing that failed is remembered."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest

from auth import tokens

KEY = "k" * 40
OTHER_KEY = "o" * 40


@pytest.fixture
def jwt_calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Each token PyJWT is asked to verify; a fresh cache per test."""
    tokens._verified.cache_clear()
    calls: list[str] = []
    real = jwt.decode

    def counted(token: str, *args: Any, **kwargs: Any) -> Any:
        calls.append(token)
        return real(token, *args, **kwargs)

    monkeypatch.setattr(jwt, "decode", counted)
    yield calls
    tokens._verified.cache_clear()


def _access(ttl: timedelta = timedelta(minutes=5), now: datetime | None = None) -> str:
    return tokens.issue(KEY, 7, 3, "access", ttl, now=now).token


def test_a_token_used_again_is_verified_once(jwt_calls: list[str]) -> None:
    # Given a token
    token = _access()
    # When it comes with three requests
    claims = [tokens.decode(KEY, token, "access") for _ in range(3)]
    # Then PyJWT checked its signature once, and each use got the same claims
    assert jwt_calls == [token]
    assert {(c.user_id, c.version, c.type) for c in claims} == {(7, 3, "access")}


def test_a_remembered_token_is_refused_once_it_expires(
    jwt_calls: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a token verified while it was valid
    token = _access(ttl=timedelta(seconds=60))
    expires = tokens.decode(KEY, token, "access").expires_at.timestamp()
    # When it comes again at its `exp` (PyJWT: expired once exp is not after now)
    monkeypatch.setattr(tokens, "_now", lambda: expires)
    # Then it is refused, though the cache holds it; ending a session still reads it
    with pytest.raises(tokens.InvalidToken, match="expired"):
        tokens.decode(KEY, token, "access")
    assert tokens.decode(KEY, token, "access", allow_expired=True).user_id == 7
    monkeypatch.setattr(tokens, "_now", lambda: expires - 1)
    assert tokens.decode(KEY, token, "access").user_id == 7
    assert jwt_calls == [token]


def test_an_expired_token_is_refused_on_first_sight(jwt_calls: list[str]) -> None:
    # Given a token whose exp has passed
    token = _access(ttl=timedelta(seconds=10), now=datetime.now(UTC) - timedelta(hours=1))
    # Then it is refused
    with pytest.raises(tokens.InvalidToken, match="expired"):
        tokens.decode(KEY, token, "access")


def test_type_and_key_are_part_of_what_is_remembered(jwt_calls: list[str]) -> None:
    # Given an access token that verified as one
    token = _access()
    tokens.decode(KEY, token, "access")
    # When the same text is offered as a refresh token, or checked with another key
    # Then each is refused, every time
    for _ in range(2):
        with pytest.raises(tokens.InvalidToken, match="wrong token type"):
            tokens.decode(KEY, token, "refresh")
        with pytest.raises(tokens.InvalidToken, match="Signature verification failed"):
            tokens.decode(OTHER_KEY, token, "access")


def test_a_forged_token_is_checked_every_time(jwt_calls: list[str]) -> None:
    # Given a token with a changed payload (its signature no longer matches)
    header, _payload, signature = _access().split(".")
    other = _access(ttl=timedelta(hours=9)).split(".")[1]
    forged = f"{header}.{other[:-2]}AA.{signature}"
    # When it is sent twice
    for _ in range(2):
        with pytest.raises(tokens.InvalidToken):
            tokens.decode(KEY, forged, "access")
    # Then both were verified: a failure is never remembered
    assert jwt_calls == [forged, forged]


def test_the_cache_is_bounded() -> None:
    assert tokens._verified.cache_info().maxsize == 4096
