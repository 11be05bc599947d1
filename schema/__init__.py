"""The GraphQL schema: strawberry types that stay thin and call resolvers or loaders."""
