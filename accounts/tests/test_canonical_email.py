"""One mailbox, one account: addresses over HTTP in their canonical form (issue 13, finding 3).

An address that would deliver somewhere other than the mailbox typed is refused at sign-up; two
spellings of one mailbox find one account; an undeliverable spelling of a real account's
address is answered like an unknown address.
"""

import pytest
from django.core import mail

from accounts.addresses import MESSAGE_INVALID
from accounts.apis import MESSAGE_EMAIL_SENT
from accounts.models import User
from eventlead.core.exceptions import InvalidCredentials, ValidationFailed
from logging_app.models import EmailDelivery

from .http_support import error

pytestmark = pytest.mark.django_db

PASSWORD = "Long-enough-pass-1"

# Each would reach another mailbox than the one it shows, or none.
ATTACKS = {
    "quoted-local-part": '"victim"@example.com',
    "quoted-local-part-with-space": '"vic tim"@example.com',
    "zero-width-space-in-local-part": "vic\u200btim@example.com",
    "zero-width-joiner-in-local-part": "victim\u200d@example.com",
    "byte-order-mark-before-local-part": "\ufeffvictim@example.com",
    "soft-hyphen-in-local-part": "vic\u00adtim@example.com",
    "zero-width-space-in-domain": "victim@exa\u200bmple.com",
    "zero-width-joiner-in-domain": "victim@exa\u200dmple.com",
    "byte-order-mark-after-domain": "victim@example.com\ufeff",
    "soft-hyphen-in-domain": "victim@exam\u00adple.com",
    "ipv4-literal": "victim@[192.0.2.1]",
    "ipv6-literal": "victim@[IPv6:2001:db8::1]",
    "single-label-domain": "victim@example",
    "localhost": "victim@localhost",
    "special-use-domain": "victim@mail.local",
    "dotless-i-local-part": "v\u0131ctim@example.com",
    "sharp-s-local-part": "stra\u00dfe@example.com",
    "display-name": "Victim <victim@example.com>",
}


def signup(post, email):
    return post("auth/signup", {"email": email, "password": PASSWORD, "firstName": "Eve", "lastName": "Mallory"})


def login(post, email, password=PASSWORD):
    return post("auth/login", {"email": email, "password": password})


@pytest.mark.parametrize("typed", ATTACKS.values(), ids=ATTACKS.keys())
def test_sign_up_refuses_an_address_that_delivers_elsewhere_and_creates_nothing(post, make_user, typed):
    victim = make_user(email="victim@example.com")

    response = signup(post, typed)

    assert (response.status_code, response.json()) == (
        400,
        error(response, "validation_error", ValidationFailed.message, {"email": [MESSAGE_INVALID]}),
    )
    assert list(User.objects.values_list("pk", flat=True)) == [victim.pk]
    assert mail.outbox == []
    assert not EmailDelivery.objects.exists()


@pytest.mark.parametrize(
    "typed",
    [
        "victim@example.com",
        "Victim@Example.com",
        "VICTIM@EXAMPLE.COM",
        "  victim@example.com ",
        "\uff56\uff49\uff43\uff54\uff49\uff4d@example.com",  # fullwidth local part
        "victim\uff20\uff45\uff58\uff41\uff4d\uff50\uff4c\uff45\uff0e\uff43\uff4f\uff4d",  # fullwidth @ and domain
        "victim@example\u3002com",  # an ideographic full stop separates labels too (UTS #46)
    ],
)
def test_a_second_account_for_a_mailbox_that_has_one_cannot_be_made(post, make_user, typed):
    victim = make_user(email="victim@example.com")

    response = signup(post, typed)

    assert (response.status_code, response.json()) == (202, {"detail": MESSAGE_EMAIL_SENT})
    assert list(User.objects.values_list("pk", "email")) == [(victim.pk, "victim@example.com")]
    assert [(m.to, m.subject) for m in mail.outbox] == [
        (["victim@example.com"], "Someone tried to sign up with your email address")
    ]


@pytest.mark.parametrize(
    ("first", "second", "stored"),
    [
        ("victim@ex\u00e4mple.com", "victim@xn--exmple-cua.com", "victim@xn--exmple-cua.com"),
        ("victim@xn--exmple-cua.com", "VICTIM@EX\u00c4MPLE.COM", "victim@xn--exmple-cua.com"),
        # A combining diaeresis after "a": NFKC composes it into "ä".
        ("victim@ex\u00e4mple.com", "victim@exa\u0308mple.com", "victim@xn--exmple-cua.com"),
        ("Victim@B\u00fccher.example.org", "victim@XN--BCHER-KVA.example.org", "victim@xn--bcher-kva.example.org"),
    ],
)
def test_an_internationalized_domain_and_its_punycode_are_one_mailbox(post, first, second, stored):
    assert signup(post, first).status_code == 202
    assert signup(post, second).status_code == 202

    assert list(User.objects.values_list("email", flat=True)) == [stored]
    assert [(m.to, m.subject) for m in mail.outbox] == [
        ([stored], "Verify your EventLead email address"),
        ([stored], "Someone tried to sign up with your email address"),
    ]


def test_a_sharp_s_domain_is_its_own_mailbox_and_its_mail_never_goes_to_the_ss_domain(post, make_user, smtp_server):
    """IDNA2008 keeps ``faß.de`` apart from ``fass.de``; IDNA2003 (Python's codec) folds it."""
    make_user(email="victim@fass.example.de")

    response = signup(post, "victim@fa\u00df.example.de")

    assert response.status_code == 202
    created = User.objects.exclude(email="victim@fass.example.de").get()
    assert created.email == "victim@xn--fa-hia.example.de"
    assert [message.rcpt_tos for message in smtp_server.messages] == [("victim@xn--fa-hia.example.de",)]


@pytest.mark.parametrize(
    ("stored", "typed"),
    [
        ("victim@example.com", "Victim@Example.COM"),
        ("victim@example.com", " victim@EXAMPLE.com "),
        ("victim@example.com", "\uff56\uff49\uff43\uff54\uff49\uff4d@\uff45\uff58\uff41\uff4d\uff50\uff4c\uff45.com"),
        ("victim@xn--exmple-cua.com", "victim@ex\u00e4mple.com"),
        ("victim@xn--exmple-cua.com", "VICTIM@EX\u00c4MPLE.COM"),
    ],
)
def test_login_with_a_spelling_of_the_same_mailbox_signs_in(post, make_user, stored, typed):
    user = make_user(email=stored, password=PASSWORD)

    response = login(post, typed)

    assert response.status_code == 200, response.json()
    assert response.json()["user"]["userId"] == user.pk


@pytest.mark.parametrize(
    "typed",
    ["stra\u00dfe@example.com", '"strasse"@example.com', "strasse@[192.0.2.1]", "strasse\u200b@example.com"],
)
def test_login_with_an_undeliverable_spelling_fails_as_an_unknown_address_does(post, make_user, typed):
    make_user(email="strasse@example.com", password=PASSWORD)

    response = login(post, typed)
    unknown = login(post, "nobody@example.com")

    assert (response.status_code, response.json()) == (
        401,
        error(response, "invalid_credentials", InvalidCredentials.message),
    )
    assert unknown.json()["error"]["code"] == response.json()["error"]["code"]
    assert User.objects.get().failed_login_attempts == 0


@pytest.mark.parametrize("path", ["auth/password-reset", "auth/verify-email/resend"])
@pytest.mark.parametrize("typed", ['"strasse"@example.com', "strasse@[192.0.2.1]"])
def test_reset_and_resend_with_an_undeliverable_spelling_answer_as_for_an_unknown_address(post, make_user, path, typed):
    make_user(email="strasse@example.com", password=PASSWORD, email_verified_at=None)

    response = post(path, {"email": typed})
    unknown = post(path, {"email": "nobody@example.com"})

    assert (
        (response.status_code, response.json())
        == (unknown.status_code, unknown.json())
        == (
            202,
            {"detail": MESSAGE_EMAIL_SENT},
        )
    )
    assert mail.outbox == []


@pytest.mark.parametrize("path", ["auth/password-reset", "auth/verify-email/resend"])
def test_reset_and_resend_find_the_account_by_any_spelling_of_its_mailbox(post, make_user, path):
    make_user(email="victim@xn--exmple-cua.com", password=PASSWORD, email_verified_at=None)

    response = post(path, {"email": "VICTIM@EX\u00c4MPLE.COM"})

    assert response.status_code == 202
    assert [m.to for m in mail.outbox] == [["victim@xn--exmple-cua.com"]]


def test_reset_still_refuses_what_is_no_address_at_all(post):
    response = post("auth/password-reset", {"email": "not an address"})

    assert (response.status_code, response.json()) == (
        400,
        error(response, "validation_error", ValidationFailed.message, {"email": [MESSAGE_INVALID]}),
    )


def test_an_address_typed_longer_than_the_column_is_refused_with_the_limit(post):
    response = signup(post, "a" * 64 + "@" + "b" * 190 + ".com")

    assert response.json()["error"]["fields"] == {"email": ["Ensure this field has no more than 254 characters."]}
    assert not User.objects.exists()
