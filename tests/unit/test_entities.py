"""The entity declarations (resolvers/entities.py) are whole and consistent, with no database.

A new entity gets all of this checked by being added to ENTITIES.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import inspect

from resolvers.entities import ENTITIES, by_type_name, entity_of
from resolvers.entity import Entity, Ownership
from resolvers.parts import Link
from schema.build import build_schema
from schema.types import NODE_TYPES
from settings import Settings

ENTITY_IDS = [entity.type_name for entity in ENTITIES]


CREATABLE = [entity for entity in ENTITIES if entity.rules]


@pytest.mark.parametrize("entity", CREATABLE, ids=[e.type_name for e in CREATABLE])
def test_a_create_stores_every_column_its_answer_shows(entity: Entity[Any]) -> None:
    # resolvers/owned.py `create` inserts the rules' values, the owner and the times, and
    # answers with a row of exactly those: a column with only a model or server default
    # would make every create fail after its INSERT.
    stored = {"id", "user_id", "created_at", "updated_at", *entity.rules}
    assert set(entity.row._fields) == stored


@pytest.mark.parametrize("entity", ENTITIES, ids=ENTITY_IDS)
def test_rows_carry_exactly_the_models_visible_columns(entity: Entity[Any]) -> None:
    columns = [column.key for column in inspect(entity.model).columns]
    expected = [name for name in columns if name not in entity.hidden]
    assert list(entity.row._fields) == expected
    assert all(name in columns for name in entity.hidden)


@pytest.mark.parametrize("entity", ENTITIES, ids=ENTITY_IDS)
def test_each_entity_has_one_graphql_type_of_its_name(entity: Entity[Any]) -> None:
    schema = build_schema()
    definition = schema.get_type_by_name(entity.type_name)
    assert definition is not None
    assert getattr(definition, "origin", None) is NODE_TYPES[entity]
    assert by_type_name(entity.type_name) is entity


@pytest.mark.parametrize("entity", ENTITIES, ids=ENTITY_IDS)
def test_ids_and_rows_lead_back_to_the_entity(entity: Entity[Any]) -> None:
    row = entity.row(*(range(len(entity.row._fields))))
    assert entity_of(row) is entity
    assert entity.pk_of(entity.global_id(7)) == 7
    others = [other for other in ENTITIES if other is not entity]
    assert all(other.pk_of(entity.global_id(7)) is None for other in others)


@pytest.mark.parametrize("entity", ENTITIES, ids=ENTITY_IDS)
def test_rules_name_columns_and_quotas_name_settings(entity: Entity[Any]) -> None:
    columns = {column.key for column in inspect(entity.model).columns}
    assert set(entity.rules) <= columns
    if entity.quota_setting is not None:
        assert entity.quota_setting in Settings.model_fields
    assert (entity.quota_setting is not None) == (entity.ownership is Ownership.USER)


def test_links_join_their_owner_to_a_target_of_the_same_user() -> None:
    links = [part for entity in ENTITIES for part in entity.parts if isinstance(part, Link)]
    assert links
    for link in links:
        assert link.owner_key.table is link.target_key.table
        assert link.target.ownership is Ownership.USER
        assert {"position"} <= {column.key for column in inspect(link.table).columns}
