"""Users, roles, scopes, passwords, tokens and API keys."""
