"""What each Query/Mutation field does. Returns models; never imports `schema`."""
