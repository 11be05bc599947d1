"""The Mutation root. Every field declares its policy (schema/permissions.py) and writes in one
transaction through its resolver."""

from __future__ import annotations

import strawberry

from models import User
from resolvers import accounts, sessions
from resolvers.entities import PUBLIC_SCRIPT, REF_BOOK, REF_DATA, SYSTEM_INFO
from schema import fields
from schema.inputs import (
    ChangePasswordInput,
    CreatePublicScriptInput,
    CreateRefBookInput,
    CreateRefDataInput,
    CreateSystemInfoInput,
    SignInInput,
    SignUpInput,
    UpdatePublicScriptInput,
    UpdateRefBookInput,
    UpdateRefDataInput,
    UpdateSystemInfoInput,
)
from schema.permissions import ADMIN, PUBLIC, SIGNED_IN
from schema.types import (
    AuthPayload,
    Ctx,
    PublicScriptType,
    RefBookType,
    RefDataType,
    SystemInfoType,
    UserType,
)


def _payload(result: accounts.AuthResult) -> AuthPayload:
    return AuthPayload(
        access_token=result.access_token,
        refresh_token=result.refresh_token,
        expires_in=result.expires_in,
        user=result.user,
    )


@strawberry.type
class Mutation:
    @strawberry.mutation(extensions=[PUBLIC], graphql_type=UserType)
    async def sign_up(self, info: Ctx, input: SignUpInput) -> User:
        return await accounts.sign_up(info.context, input.username, input.email, input.password)

    @strawberry.mutation(extensions=[PUBLIC])
    async def sign_in(self, info: Ctx, input: SignInInput) -> AuthPayload:
        return _payload(await accounts.sign_in(info.context, input.username, input.password))

    @strawberry.mutation(
        description="Trade a valid refresh token for a new pair.", extensions=[PUBLIC]
    )
    async def refresh_token(self, info: Ctx, refresh_token: str) -> AuthPayload:
        return _payload(await accounts.refresh(info.context, refresh_token))

    @strawberry.mutation(
        description=(
            "Ends the session this refresh token belongs to: it and every token rotated from "
            "the same sign-in stop refreshing (UNAUTHENTICATED). No access token needed; an "
            "expired refresh token or a second sign-out is true as well. UNAUTHENTICATED only "
            "for a token the service did not sign."
        ),
        extensions=[PUBLIC],
    )
    async def sign_out(self, info: Ctx, refresh_token: str) -> bool:
        return await sessions.sign_out(info.context, refresh_token)

    @strawberry.mutation(
        description=(
            "Ends every session of the caller, this one included, as changePassword does: "
            "every access and refresh token issued so far stops working."
        ),
        extensions=[SIGNED_IN],
    )
    async def sign_out_everywhere(self, info: Ctx) -> bool:
        return await sessions.sign_out_everywhere(info.context)

    @strawberry.mutation(
        description="Revokes every token issued before it, then returns a new pair.",
        extensions=[SIGNED_IN],
    )
    async def change_password(self, info: Ctx, input: ChangePasswordInput) -> AuthPayload:
        result = await accounts.change_password(
            info.context, input.current_password, input.new_password
        )
        return _payload(result)

    @strawberry.mutation(
        description=(
            "Deletes the caller and everything the caller owns. Returns the deleted user's id."
        ),
        extensions=[SIGNED_IN],
    )
    async def delete_account(self, info: Ctx, password: str) -> strawberry.ID:
        return strawberry.ID(await accounts.delete_account(info.context, password))

    create_system_info = fields.create(
        SYSTEM_INFO, SystemInfoType, CreateSystemInfoInput, SIGNED_IN
    )
    update_system_info = fields.update(
        SYSTEM_INFO, SystemInfoType, UpdateSystemInfoInput, SIGNED_IN
    )
    delete_system_info = fields.delete(SYSTEM_INFO, SIGNED_IN, "Returns the deleted object's id.")
    create_ref_book = fields.create(REF_BOOK, RefBookType, CreateRefBookInput, SIGNED_IN)
    update_ref_book = fields.update(REF_BOOK, RefBookType, UpdateRefBookInput, SIGNED_IN)
    delete_ref_book = fields.delete(REF_BOOK, SIGNED_IN)
    create_ref_data = fields.create(REF_DATA, RefDataType, CreateRefDataInput, SIGNED_IN)
    update_ref_data = fields.update(REF_DATA, RefDataType, UpdateRefDataInput, SIGNED_IN)
    delete_ref_data = fields.delete(REF_DATA, SIGNED_IN)
    create_public_script = fields.create(
        PUBLIC_SCRIPT,
        PublicScriptType,
        CreatePublicScriptInput,
        ADMIN,
        "Admins only (FORBIDDEN otherwise).",
    )
    update_public_script = fields.update(
        PUBLIC_SCRIPT, PublicScriptType, UpdatePublicScriptInput, ADMIN
    )
    delete_public_script = fields.delete(PUBLIC_SCRIPT, ADMIN)
