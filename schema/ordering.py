"""The `orderBy` input of each connection, made from its entity's declared orders."""

from __future__ import annotations

import enum
from functools import cache
from typing import Any

import strawberry

from resolvers.entity import Entity
from resolvers.pagination import Order


@strawberry.enum(name="OrderDirection")
class OrderDirection(enum.Enum):
    ASC = "ASC"
    DESC = "DESC"


# The functional Enum API, typed loosely: the members are only known from the entity.
_ENUM: Any = enum.Enum


@cache
def order_input(entity: Entity[Any]) -> type:
    """`<Type>Order { field: <Type>OrderField!, direction: OrderDirection! }`."""
    name = entity.type_name
    fields = _ENUM(f"{name}OrderField", {field: field for field in entity.orders})
    field_enum = strawberry.enum(fields, name=f"{name}OrderField")
    namespace = {"__annotations__": {"field": field_enum, "direction": OrderDirection}}
    cls = type(f"{name}Order", (), namespace)
    description = f"How a {name} connection is ordered; ties are broken by id."
    return strawberry.input(name=f"{name}Order", description=description)(cls)


def to_order(order_by: Any) -> Order:
    if order_by is None:
        return Order()
    return Order(field=order_by.field.value, descending=order_by.direction is OrderDirection.DESC)
