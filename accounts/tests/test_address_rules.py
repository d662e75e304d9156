"""accounts/addresses.py: each rule of the canonical form, and the reason a refusal gives.

The rules are the module's own: email-validator's process-wide defaults (module attributes that
its users may change, and that a new version of it may change) cannot loosen them.
"""

import email_validator
import pytest
from email_validator import EmailNotValidError

from accounts.addresses import EMAIL_MAX_LENGTH, AddressInvalid, canonical_email, is_canonical, normalize_email

# Each refused by one option of email-validator that canonical_email passes explicitly. Every one
# is an address the library's default for that option would refuse as well: the option is set
# to the opposite here, as a library user or a new version of the library could set it.
LOOSENED_DEFAULTS = {
    "quoted-local-part": ("ALLOW_QUOTED_LOCAL", True, '"a b"@example.org'),
    "ipv4-literal": ("ALLOW_DOMAIN_LITERAL", True, "ada@[8.8.8.8]"),  # global: not refused as private
    "ipv6-literal": ("ALLOW_DOMAIN_LITERAL", True, "ada@[IPv6:2001:4860:4860::8888]"),
    "display-name": ("ALLOW_DISPLAY_NAME", True, "Ada <ada@example.com>"),
    "single-label-domain": ("GLOBALLY_DELIVERABLE", False, "ada@example"),
    "test-domain": ("TEST_ENVIRONMENT", True, "ada@mail.test"),
    "non-ascii-local-part": ("ALLOW_SMTPUTF8", True, "\u00e1d\u00e1@example.com"),
    "empty-local-part": ("ALLOW_EMPTY_LOCAL", True, "@example.com"),
}


@pytest.mark.parametrize(("option", "value", "typed"), LOOSENED_DEFAULTS.values(), ids=LOOSENED_DEFAULTS.keys())
def test_a_rule_holds_whatever_email_validators_default_for_it_is(monkeypatch, option, value, typed):
    monkeypatch.setattr(email_validator, option, value)

    with pytest.raises(AddressInvalid):
        canonical_email(typed)
    assert not is_canonical(typed)
    assert normalize_email(typed) == typed.casefold()  # the older look-up form, not a canonical one


def test_an_address_the_loosened_defaults_do_not_touch_keeps_its_canonical_form(monkeypatch):
    for option, value, _ in LOOSENED_DEFAULTS.values():
        monkeypatch.setattr(email_validator, option, value)

    assert canonical_email("Ada@Ex\u00e4mple.com") == "ada@xn--exmple-cua.com"


def test_an_address_longer_than_a_mail_path_is_refused_before_it_is_parsed():
    typed = "a" * 64 + "@" + "b" * (EMAIL_MAX_LENGTH - 64 - 1 - 4 + 1) + ".com"  # 255 characters

    with pytest.raises(AddressInvalid) as refused:
        canonical_email(typed)

    assert str(refused.value) == "The address is too long."
    assert refused.value.__cause__ is None  # email-validator never saw it


def test_a_megabyte_of_text_is_refused_as_too_long():
    with pytest.raises(AddressInvalid, match=r"^The address is too long\.$"):
        canonical_email("a@" + "b" * 1_000_000 + ".com")


@pytest.mark.parametrize(
    "typed",
    [
        '"a b"@example.org',
        "ada@[192.0.2.1]",
        "Ada <ada@example.com>",
        "ada@mail.local",
        "ada@example",
        "ada@x.test",
        "a\u200bda@example.com",
        "@example.com",
        "ada@",
        "no address",
    ],
)
def test_a_refusal_gives_email_validators_reason(typed):
    with pytest.raises(AddressInvalid) as refused:
        canonical_email(typed)

    assert isinstance(refused.value.__cause__, EmailNotValidError)
    assert str(refused.value) == str(refused.value.__cause__) != ""


def test_a_non_ascii_local_part_is_refused_naming_the_character():
    with pytest.raises(AddressInvalid) as refused:
        canonical_email("\u00e1d\u00e1@example.com")

    assert isinstance(refused.value.__cause__, EmailNotValidError)
    assert "\u00e1" in str(refused.value)
    assert str(refused.value) == str(refused.value.__cause__)


@pytest.mark.parametrize("empty", ["", None, "   "])
def test_no_address_at_all_has_the_empty_lookup_form(empty):
    assert normalize_email(empty) == ""
    assert not is_canonical(empty or "")
