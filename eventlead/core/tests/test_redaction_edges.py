"""eventlead/core/redaction.py at its edges: unpadded Basic credentials of every length, and a
sensitive name with no value before another secret.

Every expected value is the exact output.
"""

import pytest

from eventlead.core.redaction import redact_query, redact_text

# base64 of "user:password" (dXNlcjpwYXNzd29yZA==) and of "user:pass12" (dXNlcjpwYXNzMTI=), each
# without its padding: clients and proxies drop it, and the value is still the credential.
TWO_SHORT = "dXNlcjpwYXNzd29yZA"
ONE_SHORT = "dXNlcjpwYXNzMTI"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"sent Basic {TWO_SHORT} upstream", "sent Basic [redacted] upstream"),
        (f"sent Basic {ONE_SHORT} upstream", "sent Basic [redacted] upstream"),
        (f"url had Basic%20{ONE_SHORT}&next=2", "url had Basic [redacted]&next=2"),
    ],
    ids=["two-padding-characters-missing", "one-padding-character-missing", "one-missing-url-encoded"],
)
def test_a_basic_credential_without_its_padding_is_replaced(text, expected):
    assert redact_text(text) == expected


def test_a_query_parameter_holding_an_unpadded_basic_credential_loses_it():
    assert redact_query(f"q=Basic%20{TWO_SHORT}&r=Basic+{ONE_SHORT}&page=2") == (
        "q=Basic+[redacted]&r=Basic+[redacted]&page=2"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("token= password=hunter2", "token= password=[redacted]"),
        ("token=&password=hunter2&page=2", "token=&password=[redacted]&page=2"),
        ("X-Api-Key:\nX-Auth-Token: abc123", "X-Api-Key:\nX-Auth-Token: [redacted]"),
        ('{"otp": , "password": "hunter2"}', '{"otp": , "password": "[redacted]"}'),
    ],
    ids=["pair", "pair-in-query", "header", "quoted-key"],
)
def test_a_secret_after_a_sensitive_name_with_no_value_is_still_replaced(text, expected):
    assert redact_text(text) == expected


@pytest.mark.parametrize(
    "encoded",
    [
        "dXNlcjpwYXNzMTI==",  # user:pass12, one "=" too many
        "dXNlcjp==",  # user:, with padding a strict decoder refuses
    ],
)
def test_a_basic_credential_with_extra_padding_is_replaced(encoded):
    # A lenient decoder (DRF's BasicAuthentication) accepts these, so a server may have too. Not in
    # an Authorization header, whose whole value is redacted by its name anyway.
    assert redact_text(f"retrying with Basic {encoded} now") == "retrying with Basic [redacted] now"
