"""The read-only JSON API (/api/v1/): bearer tokens with their user's rights, an OpenAPI description."""
