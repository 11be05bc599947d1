"""Who may call a root field: one policy per Query and Mutation field, declared on the field.

`build_schema` refuses to build a schema with a root field that has no policy, so a field
someone forgot is refused at start-up, never served. The rules themselves are plain
functions in `auth.rules`.

- `PUBLIC`: anyone; the token is ignored.
- `SIGNED_IN`: a valid access token whose version is still the user's. The token's claims
  are checked before the resolver runs (no query); that it was not revoked must be shown in
  the same request before the field's value leaves: by the resolver's own statement
  (`Context.prove_current`) or, when nothing did, by looking the caller up here. An error
  from the resolver is also re-checked, so a revoked token learns nothing but
  UNAUTHENTICATED.
- `ADMIN`: signed in, and `auth.rules.can_write_public_scripts`.
"""

from __future__ import annotations

from typing import Any

from strawberry.extensions.field_extension import AsyncExtensionResolver, FieldExtension
from strawberry.types import Info

from auth.rules import can_write_public_scripts
from resolvers.context import Context
from resolvers.errors import AppError, forbidden


class Policy(FieldExtension):
    """Base of the policies; `name` is what the structural checks report."""

    name = "policy"


class _Public(Policy):
    # No resolve methods: strawberry leaves it out of the resolve chain, it only marks.
    name = "public"


class _SignedIn(Policy):
    name = "signed in"

    async def resolve_async(
        self, next_: AsyncExtensionResolver, source: Any, info: Info[Context, Any], **kwargs: Any
    ) -> Any:
        ctx = info.context
        ctx.require_claims()
        try:
            result = await next_(source, info, **kwargs)
        except AppError:
            # A revoked token gets UNAUTHENTICATED, not what its arguments were wrong about.
            await ctx.require_current()
            raise
        await ctx.require_current()
        return result


class _Admin(Policy):
    name = "admin"
    message = "Only admins can write public scripts."

    async def resolve_async(
        self, next_: AsyncExtensionResolver, source: Any, info: Info[Context, Any], **kwargs: Any
    ) -> Any:
        caller = await info.context.require_caller()
        if not can_write_public_scripts(caller):
            raise forbidden(self.message)
        return await next_(source, info, **kwargs)


# One instance each, shared by the fields that declare them (they hold no state).
PUBLIC = _Public()
SIGNED_IN = _SignedIn()
ADMIN = _Admin()


def policies_of(extensions: list[Any]) -> list[Policy]:
    return [extension for extension in extensions if isinstance(extension, Policy)]
