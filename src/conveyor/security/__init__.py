"""Security scanning: code, secrets and dependencies checked, tracked and gated (docs/security.md)."""
