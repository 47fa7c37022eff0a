"""All configuration, read from the environment with the DARMAN_ prefix."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from darman.common.errors import ConfigurationError

DEMO_SECRET = "darman-demo-secret-not-for-production-use"
# Seals the demo database's audit log when no key of its own is set; public, like the demo
# secret, so it is refused outside demo mode.
DEMO_AUDIT_KEY = "darman-demo-audit-key-not-for-production-use"
MIN_KEY_LENGTH = 32


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DARMAN_", env_file=None, extra="ignore")

    database_url: str = "sqlite:///var/darman.db"
    secret_key: str = DEMO_SECRET
    # Seals every audit entry (HMAC-SHA256) and signs the log's checkpoints. Kept outside
    # the database, so whoever can write the database cannot re-seal a rewritten entry.
    audit_key: SecretStr | None = None
    demo_mode: bool = False
    access_token_minutes: int = 30
    max_failed_logins: int = 5
    lockout_minutes: int = 15
    sql_echo: bool = False
    # The largest request body taken in, in bytes; a larger one is answered 413. A JSON
    # document or form (a claim of 500 lines is about 150 KB) against a file upload (a
    # month of a facility's claims as NDJSON, CSV or Excel; a registry table), which the
    # bulk claims and registry import routes read as a stream or a spooled file.
    max_body_bytes: int = Field(default=1024 * 1024, gt=0)
    max_upload_bytes: int = Field(default=256 * 1024 * 1024, gt=0)
    # a directory with the insurer's own interactions.csv and specialist_drugs.csv, in
    # place of the shipped tables (prescriptions/tables.py)
    prescription_tables: Path | None = None

    @field_validator("prescription_tables", "audit_key", mode="before")
    @classmethod
    def _unset_when_empty(cls, value: object) -> object:
        # DARMAN_PRESCRIPTION_TABLES= (set but empty) means the shipped tables, not ".";
        # DARMAN_AUDIT_KEY= means no key, not an empty one
        return None if isinstance(value, str) and not value.strip() else value

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def sqlite_path(self) -> Path | None:
        if not self.is_sqlite or ":memory:" in self.database_url:
            return None
        return Path(self.database_url.split("///", 1)[1])

    def check_secret(self) -> None:
        """The demo secret signs tokens anyone can forge; refuse it outside demo mode."""
        if self.secret_key == DEMO_SECRET and not self.demo_mode:
            raise ConfigurationError(
                "DARMAN_SECRET_KEY is the public demo secret; set a secret of your own "
                "or run in demo mode (DARMAN_DEMO_MODE=1)"
            )
        if len(self.secret_key) < MIN_KEY_LENGTH:
            raise ConfigurationError("DARMAN_SECRET_KEY must be at least 32 characters long")

    def audit_secret(self) -> str:
        """The key that seals the audit log (the demo's public one in demo mode when none is
        set). Refused when missing, public outside demo mode, shorter than 32 characters, or
        the token secret itself: rotating the token secret after a leak must leave the log
        verifiable."""
        if self.audit_key is None:
            if self.demo_mode:
                return DEMO_AUDIT_KEY
            raise ConfigurationError(
                "DARMAN_AUDIT_KEY is not set: every audit entry is sealed with it. Set a key "
                "of 32 characters or more, kept outside the database (docs/deploy.md), or run "
                "in demo mode (DARMAN_DEMO_MODE=1)"
            )
        key = self.audit_key.get_secret_value()
        if key == DEMO_AUDIT_KEY and not self.demo_mode:
            raise ConfigurationError(
                "DARMAN_AUDIT_KEY is the public demo key; set a key of your own "
                "or run in demo mode (DARMAN_DEMO_MODE=1)"
            )
        if len(key) < MIN_KEY_LENGTH:
            raise ConfigurationError("DARMAN_AUDIT_KEY must be at least 32 characters long")
        if key == self.secret_key:
            raise ConfigurationError(
                "DARMAN_AUDIT_KEY must differ from DARMAN_SECRET_KEY: the token secret may "
                "have to be replaced, the audit key must last as long as the log"
            )
        return key


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
