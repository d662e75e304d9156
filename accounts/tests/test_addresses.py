"""accounts/addresses.py: the canonical form, the look-up form, and the rewrite of stored rows."""

import importlib
import logging
from types import SimpleNamespace

import pytest
from django.db import connection
from hypothesis import given, settings
from hypothesis import strategies as st

from accounts.addresses import AddressInvalid, canonical_email, canonical_rewrites, is_canonical, normalize_email
from accounts.models import User
from accounts.services import user_login
from companies.models import UserInvitation

# What the canonical form is, spelled out: ASCII, lower-case local part, IDNA2008 A-label domain.
CANONICAL = [
    ("Ada@Example.COM", "ada@example.com"),
    ("  ada@example.com\t", "ada@example.com"),
    ("\uff21\uff24\uff21@\uff45\uff58\uff41\uff4d\uff50\uff4c\uff45\uff0e\uff43\uff4f\uff4d", "ada@example.com"),
    ("ada@ex\u00e4mple.com", "ada@xn--exmple-cua.com"),
    ("ada@XN--EXMPLE-CUA.com", "ada@xn--exmple-cua.com"),
    ("ada@fa\u00df.de", "ada@xn--fa-hia.de"),  # IDNA2008: not fass.de
    ("ada@fass.de", "ada@fass.de"),
    ("ada@\u03c2.gr", "ada@xn--3xa.gr"),  # final sigma stays final sigma
    ("ada@example\u3002com", "ada@example.com"),
    ("Ada.Lovelace+events@Example.com", "ada.lovelace+events@example.com"),
]

# No canonical form: the mail would reach another mailbox, or none.
UNDELIVERABLE = [
    '"ada"@example.com',
    "a\u200bda@example.com",
    "ada@exa\u200dmple.com",
    "ada@example.com\ufeff",
    "ada@exam\u00adple.com",
    "ada@[192.0.2.1]",
    "ada@example",
    "ada@localhost",
    "ada@x.test",
    "\u0131da@example.com",
    "stra\u00dfe@example.com",
    "Ada <ada@example.com>",
    "",
    "a" * 64 + "@" + "b" * 190 + ".com",
]


@pytest.mark.parametrize(("typed", "canonical"), CANONICAL)
def test_a_deliverable_address_has_one_canonical_form_which_lookups_use(typed, canonical):
    assert canonical_email(typed) == canonical
    assert normalize_email(typed) == canonical
    assert is_canonical(canonical) and (is_canonical(typed) == (typed == canonical))


@pytest.mark.parametrize("typed", UNDELIVERABLE)
def test_an_undeliverable_address_has_no_canonical_form(typed):
    with pytest.raises(AddressInvalid):
        canonical_email(typed)
    assert not is_canonical(typed)


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("Admin@LOCALHOST ", "admin@localhost"),  # stored so before: still found
        ('"Ada"@Example.com', '"ada"@example.com'),
        ("\u0131da@Example.com", "\u0131da@example.com"),  # a dotless i is never an "i"
        # Folding would give strasse@example.com, another (deliverable) mailbox: left unfolded.
        ("Stra\u00dfe@Example.com", "Stra\u00dfe@Example.com"),
        ("STRA\u1e9eE@example.com", "STRA\u1e9eE@example.com"),
    ],
)
def test_the_lookup_form_of_an_undeliverable_address_never_names_a_deliverable_one(typed, key):
    assert normalize_email(typed) == key
    assert not is_canonical(key)


# No deadline: timings belong in bench/, and the machine is shared. No example database in the tree.
@settings(deadline=None, database=None)
@given(st.text(max_size=80) | st.emails().map(str.upper) | st.emails().map(lambda e: e.replace("@", "\uff20")))
def test_any_text_has_a_lookup_form_and_a_canonical_one_is_ascii_lower_case_and_stable(text):
    key = normalize_email(text)

    if is_canonical(key):
        assert key.isascii() and key == key.lower()
        assert normalize_email(key) == canonical_email(key) == key


# --- Rewriting stored rows: the data migrations ---------------------------------------------------


def test_the_rewrite_plan_moves_only_rows_that_change_and_cannot_collide(caplog):
    rows = [
        (1, None, "ada@example.com"),  # canonical already
        (2, None, "Bo@Example.com"),  # moves
        (3, None, "cy@ex\u00e4mple.com"),  # moves to ...
        (4, None, "cy@xn--exmple-cua.com"),  # ... what this row holds: neither changes
        (5, None, "Di@Example.com"),  # two rows that would both
        (6, None, "DI@example.com"),  # become di@example.com: neither changes
        (7, None, "admin@localhost"),  # no canonical form: stays
        (8, "company-1", "Ed@Example.com"),  # in another scope, one form per scope
        (9, "company-2", "ed@example.com"),
        (10, "company-2", "ED@example.com"),
    ]

    with caplog.at_level(logging.WARNING, logger="accounts.addresses"):
        plan = canonical_rewrites(rows, table="dbo.Test")

    assert plan == {2: "bo@example.com", 8: "ed@example.com"}
    assert [record.getMessage() for record in caplog.records] == [
        "dbo.Test: rows 3 and the row already holding that form are one mailbox in canonical form; "
        "left unchanged for an operator to resolve",
        "dbo.Test: rows 5, 6 are one mailbox in canonical form; left unchanged for an operator to resolve",
        "dbo.Test: rows 10 and the row already holding that form are one mailbox in canonical form; "
        "left unchanged for an operator to resolve",
    ]


def _migrate(app, name):
    from django.apps import apps

    module = importlib.import_module(f"{app}.migrations.{name}")
    module.forwards(apps, SimpleNamespace(connection=connection))  # all RunPython reads of its schema editor


@pytest.mark.django_db
def test_the_user_migration_rewrites_stored_addresses_and_leaves_collisions_alone(make_user, caplog, password):
    stored = {
        "ada": "Ada@Example.com",
        "bo": "bo@ex\u00e4mple.com",
        "cy_unicode": "cy@ex\u00e4mple.com",
        "cy_ascii": "cy@xn--exmple-cua.com",
        "admin": "admin@localhost",
    }
    users = {}
    for key, email in stored.items():
        users[key] = make_user(email=f"{key}@placeholder.example.org")
        User.objects.filter(pk=users[key].pk).update(email=email)  # as an older version stored it

    with caplog.at_level(logging.WARNING, logger="accounts.addresses"):
        _migrate("accounts", "0002_user_email_canonical")

    assert dict(User.objects.values_list("pk", "email")) == {
        users["ada"].pk: "ada@example.com",
        users["bo"].pk: "bo@xn--exmple-cua.com",
        users["cy_unicode"].pk: "cy@ex\u00e4mple.com",
        users["cy_ascii"].pk: "cy@xn--exmple-cua.com",
        users["admin"].pk: "admin@localhost",
    }
    assert [record.getMessage() for record in caplog.records] == [
        f"dbo.User: rows {users['cy_unicode'].pk} and the row already holding that form are one mailbox "
        "in canonical form; left unchanged for an operator to resolve"
    ]
    # Every rewritten or kept row still signs in with the spelling its owner used.
    for key in ("ada", "bo", "admin"):
        assert user_login(email=stored[key], password=password)[0].pk == users[key].pk


@pytest.mark.django_db
def test_the_invitation_migration_rewrites_addresses_unique_only_among_open_invitations(auth_client, caplog):
    from datetime import timedelta

    from django.utils import timezone

    from companies.models import Company
    from reference.models import UserCompanyRole, UserInvitationStatus

    response = auth_client.post("/api/v1/companies", {"companyName": "Acme Events", "countryCode": "AU"}, format="json")
    company = Company.objects.get(pk=response.json()["companyId"])
    now = timezone.now()

    def invitation(email, n, **closed):
        return UserInvitation.objects.create(
            company=company,
            invited_email=email,
            role=UserCompanyRole.objects.get(code="company_user"),
            status=UserInvitationStatus.objects.get(code="pending"),
            token_hash=f"{n:064x}",
            invited_by=User.objects.get(),  # the company admin auth_client signs in as
            expires_at=now + timedelta(days=7),
            **closed,
        )

    open_unicode = invitation("guest@ex\u00e4mple.com", 1)
    open_ascii = invitation("guest@xn--exmple-cua.com", 2)
    closed = invitation("Host@Ex\u00e4mple.com", 3, cancelled_at=now)
    reopened = invitation("host@xn--exmple-cua.com", 4)

    with caplog.at_level(logging.WARNING, logger="accounts.addresses"):
        _migrate("companies", "0002_userinvitation_invitedemail_canonical")

    assert dict(UserInvitation.objects.values_list("pk", "invited_email")) == {
        open_unicode.pk: "guest@ex\u00e4mple.com",
        open_ascii.pk: "guest@xn--exmple-cua.com",
        closed.pk: "host@xn--exmple-cua.com",
        reopened.pk: "host@xn--exmple-cua.com",
    }
    assert len(caplog.records) == 1 and f"rows {open_unicode.pk} and" in caplog.records[0].getMessage()
