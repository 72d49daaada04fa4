from __future__ import annotations

import base64

from conveyor.runners.masking import Masker


def test_plain_and_base64_forms_are_masked() -> None:
    secret = "hunter2-very-secret"
    mask = Masker([secret])
    encoded = base64.b64encode(secret.encode()).decode()
    assert mask(f"token={secret}!") == "token=***!"
    assert mask(f"auth: Basic {encoded}") == "auth: Basic ***"
    assert mask("nothing to hide") == "nothing to hide"


def test_multiline_secret_is_masked_line_by_line() -> None:
    key = "-----BEGIN KEY-----\nAAAAB3NzaC1yc2E\n-----END KEY-----"
    mask = Masker([key])
    assert mask("AAAAB3NzaC1yc2E") == "***"
    assert mask(key) == "***"


def test_longer_secret_wins_over_its_prefix_and_short_values_are_left() -> None:
    mask = Masker(["abcd", "abcdefgh", "xy"])
    assert mask("abcdefgh abcd xy") == "*** *** xy"
