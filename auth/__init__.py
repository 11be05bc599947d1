"""Credentials and access rules as plain functions: no GraphQL, no database."""
