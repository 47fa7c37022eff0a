"""Errors of the audit log; the one HTTP handler and the CLI's entry point show them."""

from __future__ import annotations

from darman.common.errors import ConfigurationError, Conflict, InvalidInput


class AuditKeyMissing(ConfigurationError):
    """A session without the audit key was asked to seal or verify the log."""


class CheckpointRefused(InvalidInput):
    """A checkpoint could not be read, or its signature does not match: the line and
    field are named."""

    title = "Checkpoint refused"
    slug = "checkpoint-refused"


class AuditChainBroken(Conflict):
    """A checkpoint was asked of a log that does not verify: signing its head would
    vouch for the break."""

    title = "Audit log broken"
    slug = "audit-chain-broken"
