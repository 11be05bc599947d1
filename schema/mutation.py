"""The Mutation root: each field validates through its resolver and writes in one transaction."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from resolvers import accounts, public_scripts, ref_books, ref_datas, system_infos
from resolvers.context import Context
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
from schema.permissions import ADMIN, AUTHENTICATED
from schema.types import (
    AuthPayload,
    PublicScriptType,
    RefBookType,
    RefDataType,
    SystemInfoType,
    UserType,
)

Ctx = Info[Context, None]


def _payload(result: accounts.AuthResult) -> AuthPayload:
    return AuthPayload(
        access_token=result.access_token,
        refresh_token=result.refresh_token,
        expires_in=result.expires_in,
        user=result.user,  # type: ignore[arg-type]
    )


@strawberry.type
class Mutation:
    @strawberry.mutation
    async def sign_up(self, info: Ctx, input: SignUpInput) -> UserType:
        user = await accounts.sign_up(info.context, input.username, input.email, input.password)
        return user  # type: ignore[return-value]

    @strawberry.mutation
    async def sign_in(self, info: Ctx, input: SignInInput) -> AuthPayload:
        return _payload(await accounts.sign_in(info.context, input.username, input.password))

    @strawberry.mutation(description="Trade a valid refresh token for a new pair.")
    async def refresh_token(self, info: Ctx, refresh_token: str) -> AuthPayload:
        return _payload(await accounts.refresh(info.context, refresh_token))

    @strawberry.mutation(
        description="Revokes every token issued before it, then returns a new pair.",
        permission_classes=AUTHENTICATED,
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
        permission_classes=AUTHENTICATED,
    )
    async def delete_account(self, info: Ctx, password: str) -> strawberry.ID:
        return strawberry.ID(await accounts.delete_account(info.context, password))

    @strawberry.mutation(permission_classes=AUTHENTICATED)
    async def create_system_info(self, info: Ctx, input: CreateSystemInfoInput) -> SystemInfoType:
        return await system_infos.create(info.context, provided(input))  # type: ignore[return-value]

    @strawberry.mutation(permission_classes=AUTHENTICATED)
    async def update_system_info(
        self, info: Ctx, id: strawberry.ID, input: UpdateSystemInfoInput
    ) -> SystemInfoType:
        return await system_infos.update(info.context, id, provided(input))  # type: ignore[return-value]

    @strawberry.mutation(
        description="Returns the deleted object's id.", permission_classes=AUTHENTICATED
    )
    async def delete_system_info(self, info: Ctx, id: strawberry.ID) -> strawberry.ID:
        return strawberry.ID(await system_infos.delete(info.context, id))

    @strawberry.mutation(permission_classes=AUTHENTICATED)
    async def create_ref_book(self, info: Ctx, input: CreateRefBookInput) -> RefBookType:
        return await ref_books.create(info.context, input.author, input.title)  # type: ignore[return-value]

    @strawberry.mutation(permission_classes=AUTHENTICATED)
    async def update_ref_book(
        self, info: Ctx, id: strawberry.ID, input: UpdateRefBookInput
    ) -> RefBookType:
        return await ref_books.update(info.context, id, provided(input))  # type: ignore[return-value]

    @strawberry.mutation(permission_classes=AUTHENTICATED)
    async def delete_ref_book(self, info: Ctx, id: strawberry.ID) -> strawberry.ID:
        return strawberry.ID(await ref_books.delete(info.context, id))

    @strawberry.mutation(permission_classes=AUTHENTICATED)
    async def create_ref_data(self, info: Ctx, input: CreateRefDataInput) -> RefDataType:
        return await ref_datas.create(info.context, input.title, input.content)  # type: ignore[return-value]

    @strawberry.mutation(permission_classes=AUTHENTICATED)
    async def update_ref_data(
        self, info: Ctx, id: strawberry.ID, input: UpdateRefDataInput
    ) -> RefDataType:
        return await ref_datas.update(info.context, id, provided(input))  # type: ignore[return-value]

    @strawberry.mutation(permission_classes=AUTHENTICATED)
    async def delete_ref_data(self, info: Ctx, id: strawberry.ID) -> strawberry.ID:
        return strawberry.ID(await ref_datas.delete(info.context, id))

    @strawberry.mutation(description="Admins only (FORBIDDEN otherwise).", permission_classes=ADMIN)
    async def create_public_script(
        self, info: Ctx, input: CreatePublicScriptInput
    ) -> PublicScriptType:
        created = await public_scripts.create(
            info.context, input.name, input.description, input.scripts
        )
        return created  # type: ignore[return-value]

    @strawberry.mutation(permission_classes=ADMIN)
    async def update_public_script(
        self, info: Ctx, id: strawberry.ID, input: UpdatePublicScriptInput
    ) -> PublicScriptType:
        return await public_scripts.update(info.context, id, provided(input))  # type: ignore[return-value]

    @strawberry.mutation(permission_classes=ADMIN)
    async def delete_public_script(self, info: Ctx, id: strawberry.ID) -> strawberry.ID:
        return strawberry.ID(await public_scripts.delete(info.context, id))
