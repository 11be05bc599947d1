"""The Mutation root. Every field declares its policy (schema/permissions.py) and writes in one
transaction through its resolver."""

from __future__ import annotations

import strawberry

from models import PublicScript, RefBook, RefData, SystemInfo, User
from resolvers import accounts, owned
from resolvers.entities import PUBLIC_SCRIPT, REF_BOOK, REF_DATA, SYSTEM_INFO
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
    provided,
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

    @strawberry.mutation(extensions=[SIGNED_IN], graphql_type=SystemInfoType)
    async def create_system_info(self, info: Ctx, input: CreateSystemInfoInput) -> SystemInfo:
        return await owned.create(info.context, SYSTEM_INFO, provided(input))

    @strawberry.mutation(extensions=[SIGNED_IN], graphql_type=SystemInfoType)
    async def update_system_info(
        self, info: Ctx, id: strawberry.ID, input: UpdateSystemInfoInput
    ) -> SystemInfo:
        return await owned.update(info.context, SYSTEM_INFO, id, provided(input))

    @strawberry.mutation(description="Returns the deleted object's id.", extensions=[SIGNED_IN])
    async def delete_system_info(self, info: Ctx, id: strawberry.ID) -> strawberry.ID:
        return strawberry.ID(await owned.delete(info.context, SYSTEM_INFO, id))

    @strawberry.mutation(extensions=[SIGNED_IN], graphql_type=RefBookType)
    async def create_ref_book(self, info: Ctx, input: CreateRefBookInput) -> RefBook:
        return await owned.create(info.context, REF_BOOK, provided(input))

    @strawberry.mutation(extensions=[SIGNED_IN], graphql_type=RefBookType)
    async def update_ref_book(
        self, info: Ctx, id: strawberry.ID, input: UpdateRefBookInput
    ) -> RefBook:
        return await owned.update(info.context, REF_BOOK, id, provided(input))

    @strawberry.mutation(extensions=[SIGNED_IN])
    async def delete_ref_book(self, info: Ctx, id: strawberry.ID) -> strawberry.ID:
        return strawberry.ID(await owned.delete(info.context, REF_BOOK, id))

    @strawberry.mutation(extensions=[SIGNED_IN], graphql_type=RefDataType)
    async def create_ref_data(self, info: Ctx, input: CreateRefDataInput) -> RefData:
        return await owned.create(info.context, REF_DATA, provided(input))

    @strawberry.mutation(extensions=[SIGNED_IN], graphql_type=RefDataType)
    async def update_ref_data(
        self, info: Ctx, id: strawberry.ID, input: UpdateRefDataInput
    ) -> RefData:
        return await owned.update(info.context, REF_DATA, id, provided(input))

    @strawberry.mutation(extensions=[SIGNED_IN])
    async def delete_ref_data(self, info: Ctx, id: strawberry.ID) -> strawberry.ID:
        return strawberry.ID(await owned.delete(info.context, REF_DATA, id))

    @strawberry.mutation(
        description="Admins only (FORBIDDEN otherwise).",
        extensions=[ADMIN],
        graphql_type=PublicScriptType,
    )
    async def create_public_script(self, info: Ctx, input: CreatePublicScriptInput) -> PublicScript:
        return await owned.create(info.context, PUBLIC_SCRIPT, provided(input))

    @strawberry.mutation(extensions=[ADMIN], graphql_type=PublicScriptType)
    async def update_public_script(
        self, info: Ctx, id: strawberry.ID, input: UpdatePublicScriptInput
    ) -> PublicScript:
        return await owned.update(info.context, PUBLIC_SCRIPT, id, provided(input))

    @strawberry.mutation(extensions=[ADMIN])
    async def delete_public_script(self, info: Ctx, id: strawberry.ID) -> strawberry.ID:
        return strawberry.ID(await owned.delete(info.context, PUBLIC_SCRIPT, id))
