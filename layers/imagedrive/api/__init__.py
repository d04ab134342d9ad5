"""What every HTTP route shares: request parsing, one error shape, correlation ids, CORS and the
OpenAPI document built from the routes themselves."""
