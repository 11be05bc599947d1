"""Configuration from the environment (and `.env`), read once by the composition root.

A leaf module: it imports nothing of ours, so every layer may receive a Settings.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./gpt_supporter.db"
MIN_SECRET_BYTES = 32


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    app_env: Literal["development", "production"] = "development"
    database_url: str = DEFAULT_DATABASE_URL
    secret_key: str = ""
    # Where development keeps its generated key so tokens survive a restart.
    secret_key_file: Path = Path(".secret_key")
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    redis_url: str | None = None

    access_token_ttl_seconds: int = Field(default=15 * 60, gt=0)
    refresh_token_ttl_seconds: int = Field(default=14 * 24 * 3600, gt=0)
    # How long a used refresh token is kept so that its replay is detected as theft; None:
    # until it expires (a token can be replayed until then). Shorter keeps the table smaller
    # and lets a replay after the window pass as a plain refusal (docs/api.md "Sessions").
    refresh_token_reuse_window_seconds: int | None = Field(default=None, gt=0)

    # None: on in development, off in production.
    introspection: bool | None = None
    field_suggestions: bool | None = None

    db_pool_size: int = Field(default=10, ge=1)
    db_max_overflow: int = Field(default=10, ge=0)
    # Below MySQL's default wait_timeout (8 h) so the server never drops a pooled connection first.
    db_pool_recycle_seconds: int = 3600
    db_connect_timeout_seconds: float = 3.0
    # A pooled connection idle this long is pinged before it is lent (db/liveness.py); one
    # the server closed is replaced whatever its idle time, without a ping.
    db_ping_after_idle_seconds: float = Field(default=5.0, ge=0)
    # Bounded retries for transactions that lost a deadlock or a Galera certification.
    db_deadlock_retries: int = Field(default=3, ge=0)
    # On a Galera node, reads wait until the node has applied what the cluster committed
    # (wsrep_sync_wait), so a write through one node is seen through any other; 0 turns it off.
    db_galera_sync_wait: int = Field(default=1, ge=0, le=15)

    # Throttling (docs/design.md "Auth"): failed sign-ins per username and per client address
    # within a window, and sign-up attempts per address within another.
    sign_in_failures_per_username: int = Field(default=5, ge=1)
    sign_in_failures_per_address: int = Field(default=20, ge=1)
    sign_in_window_seconds: int = Field(default=15 * 60, gt=0)
    sign_ups_per_address: int = Field(default=20, ge=1)
    sign_up_window_seconds: int = Field(default=3600, gt=0)

    # Hardening (docs/hardening.md): what one request may ask and how long it may run.
    max_query_depth: int = Field(default=8, ge=1)
    max_query_aliases: int = Field(default=20, ge=0)
    max_query_tokens: int = Field(default=1000, ge=200)
    max_query_fields: int = Field(default=300, ge=1)
    max_query_repeated_fields: int = Field(default=50, ge=0)
    max_query_cost: int = Field(default=30_000, ge=1)
    max_response_bytes: int = Field(default=32 * 1024 * 1024, ge=1024)
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    operation_timeout_seconds: float = Field(default=10.0, gt=0)
    # Per-account quotas (resolvers/entities.py names them): past one, a create is
    # BAD_USER_INPUT, so no account can grow the database or a response without bound.
    max_ref_books_per_user: int = Field(default=2000, ge=1)
    max_ref_datas_per_user: int = Field(default=2000, ge=1)
    max_system_infos_per_user: int = Field(default=200, ge=1)
    # How long a request's body, and its head (request line and headers), may take to arrive:
    # a client trickling bytes would otherwise hold its connection as long as it likes.
    body_read_timeout_seconds: float = Field(default=10.0, gt=0)
    header_read_timeout_seconds: float = Field(default=10.0, gt=0)
    # How long a response may wait on a client that stopped reading it (web/protocol.py).
    response_write_timeout_seconds: float = Field(default=30.0, gt=0)
    # Keys of the shared throttle counters; one prefix per deployment sharing a Redis.
    redis_key_prefix: str = "gpts:throttle:"

    log_level: str = "INFO"
    # None: JSON lines in production (for a log collector), readable text in development.
    log_format: Literal["json", "text"] | None = None

    # Where `make graphiql-assets` put GraphiQL's npm packages; None: clients/graphiql/node_modules.
    graphiql_assets_dir: Path | None = None

    # Trusted documents (docs/api.md "Trusted documents"): the manifests (graphql-codegen's
    # persisted-documents.json, comma-separated: one per front-end version live at once)
    # and what the service does with them. None: `require` in production when a manifest
    # is set, `allow` in development when one is set, `off` without one.
    trusted_documents: Annotated[list[Path], NoDecode] = Field(default_factory=list)
    trusted_documents_mode: Literal["off", "allow", "require"] | None = None

    @field_validator("cors_origins", "trusted_documents", mode="before")
    @classmethod
    def _split_commas(cls, value: object) -> object:
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

    @model_validator(mode="after")
    def _trusted_documents_rules(self) -> Settings:
        if self.trusted_documents_mode in ("allow", "require") and not self.trusted_documents:
            raise ValueError(
                f"TRUSTED_DOCUMENTS_MODE={self.trusted_documents_mode} needs TRUSTED_DOCUMENTS "
                "(one or more manifest paths, comma-separated)"
            )
        return self

    @model_validator(mode="after")
    def _production_rules(self) -> Settings:
        if self.app_env != "production":
            return self
        if len(self.secret_key.encode()) < MIN_SECRET_BYTES:
            raise ValueError(
                f"SECRET_KEY must be set to at least {MIN_SECRET_BYTES} bytes in production"
            )
        if self.database_url.startswith("sqlite"):
            raise ValueError("DATABASE_URL must name a MySQL/MariaDB server in production")
        return self

    @property
    def is_production(self) -> bool:
        return self.app_env == "production"

    @property
    def introspection_enabled(self) -> bool:
        return self.introspection if self.introspection is not None else not self.is_production

    @property
    def field_suggestions_enabled(self) -> bool:
        if self.field_suggestions is not None:
            return self.field_suggestions
        return not self.is_production

    @property
    def trusted_mode(self) -> Literal["off", "allow", "require"]:
        if self.trusted_documents_mode is not None:
            return self.trusted_documents_mode
        if not self.trusted_documents:
            return "off"
        return "require" if self.is_production else "allow"

    @property
    def reuse_window_seconds(self) -> int:
        window = self.refresh_token_reuse_window_seconds
        return self.refresh_token_ttl_seconds if window is None else window

    @property
    def log_json(self) -> bool:
        if self.log_format is not None:
            return self.log_format == "json"
        return self.is_production

    def signing_key(self) -> str:
        """The JWT key: SECRET_KEY, or in development a generated one kept in a local file."""
        if self.secret_key:
            return self.secret_key
        path = self.secret_key_file
        if path.exists():
            return path.read_text().strip()
        key = secrets.token_urlsafe(48)
        path.write_text(key)
        path.chmod(0o600)
        return key


def load_settings(**overrides: object) -> Settings:
    return Settings(**overrides)  # type: ignore[arg-type]
