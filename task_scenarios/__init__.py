"""The scenario format: schema, loader, variants, templating; scenarios live in catalog/<slug>/."""
