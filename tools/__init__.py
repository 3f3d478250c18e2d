"""Developer tools that derive test data from GitBook's OpenAPI specs (not shipped)."""
