"""Permission classes, attached to fields; the rules themselves live in `auth.rules`."""

from __future__ import annotations

from typing import Any

from strawberry.permission import BasePermission
from strawberry.types import Info

from auth.rules import can_write_public_scripts
from resolvers.context import Context
from resolvers.errors import forbidden


class IsAuthenticated(BasePermission):
    message = "Sign in required."

    async def has_permission(self, source: Any, info: Info[Context, Any], **kwargs: Any) -> bool:
        await info.context.require_caller()  # raises UNAUTHENTICATED
        return True


class HasAccessToken(BasePermission):
    """A valid access token; whether it was revoked is checked by the field's own statement
    (resolvers.owned.page_owned folds it into the page query)."""

    message = "Sign in required."

    def has_permission(self, source: Any, info: Info[Context, Any], **kwargs: Any) -> bool:
        info.context.require_claims()  # raises UNAUTHENTICATED
        return True


class IsAdmin(BasePermission):
    message = "Only admins can write public scripts."

    async def has_permission(self, source: Any, info: Info[Context, Any], **kwargs: Any) -> bool:
        caller = await info.context.require_caller()
        if not can_write_public_scripts(caller):
            raise forbidden(self.message)
        return True


AUTHENTICATED: list[type[BasePermission]] = [IsAuthenticated]
# Only for fields whose resolver checks revocation itself (the caller's pages).
ACCESS_TOKEN: list[type[BasePermission]] = [HasAccessToken]
ADMIN: list[type[BasePermission]] = [IsAdmin]
