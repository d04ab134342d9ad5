"""Image Drive's shared domain package: everything the Lambda handlers call."""
