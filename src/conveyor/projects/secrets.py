"""Encryption at rest for project secrets (Fernet: AES-128-CBC + HMAC-SHA256)."""

from __future__ import annotations

import base64
import hashlib
from functools import cached_property
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cryptography.fernet import Fernet


class SecretCipher:
    def __init__(self, key_material: str) -> None:
        self._key = base64.urlsafe_b64encode(hashlib.sha256(key_material.encode()).digest())

    @cached_property
    def _fernet(self) -> Fernet:
        # cryptography is imported at the first secret: a local `conveyor run` of a pipeline
        # without secrets never needs it (~10 ms at every start).
        from cryptography.fernet import Fernet

        return Fernet(self._key)

    def encrypt(self, value: str) -> bytes:
        return self._fernet.encrypt(value.encode())

    def decrypt(self, ciphertext: bytes) -> str:
        from cryptography.fernet import InvalidToken

        try:
            return self._fernet.decrypt(ciphertext).decode()
        except InvalidToken:
            raise ValueError("secret cannot be decrypted with the configured key") from None
