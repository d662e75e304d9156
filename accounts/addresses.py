"""The canonical form of an email address: the one form stored, compared and sent to.

Two spellings of one mailbox must give one form (or a second account could be made for it),
and the form must deliver to the mailbox its owner typed (or a victim could receive the
verification email of an account made to look like theirs). The canonical form is ASCII:

- NFKC first, so compatibility spellings (``ＡＤＡ@ｅｘａｍｐｌｅ．ｃｏｍ``) are the characters they show;
- then email-validator's syntax rules, without DNS: no quoted local part, no IP literal, no
  single-label or special-use domain (``localhost``, ``.local``, ``.test``), no display name, and
  no invisible or format character anywhere (U+200B, U+200D, U+FEFF, U+00AD);
- an ASCII local part, lower-cased, so uniqueness is case-insensitive. Django's mailer cannot send
  to any other (it RFC 2047-encodes a non-ASCII local part), and case-folding one changes the
  mailbox (``straße`` to ``strasse``; ``mıke`` with a dotless i is nobody's ``mike``);
- the domain as its IDNA2008 A-label (UTS #46, non-transitional), lower-case: ``exämple.com`` and
  ``xn--exmple-cua.com`` are one domain, ``faß.de`` and ``fass.de`` two. It is stored in ASCII
  because Django's mailer encodes a Unicode domain with Python's IDNA2003 codec, which would
  send mail for ``faß.de`` to ``fass.de``.
"""

from __future__ import annotations

import logging
import unicodedata
from collections import defaultdict
from collections.abc import Hashable, Iterable

from email_validator import EmailNotValidError, validate_email

logger = logging.getLogger(__name__)

EMAIL_MAX_LENGTH = 254  # RFC 5321's path limit less the angle brackets; the columns' max_length
MESSAGE_INVALID = "Enter a valid email address."


class AddressInvalid(ValueError):
    """The address has no canonical form: mail cannot be relied on to reach its mailbox."""


def canonical_email(address: str) -> str:
    """Return the canonical form of a deliverable address; raise ``AddressInvalid`` otherwise.

    For addresses an account or invitation is made for (serializers' ``AddressField``) and for
    rewriting stored rows (the data migrations); look-ups use ``normalize_email``.
    """
    typed = unicodedata.normalize("NFKC", address.strip())
    # email-validator refuses more than 254 octets anyway; refusing it here first keeps a
    # megabyte of text (throttles look up whatever a body holds) away from its parser.
    if len(typed) > EMAIL_MAX_LENGTH:
        raise AddressInvalid("The address is too long.")
    try:
        checked = validate_email(
            typed,
            allow_smtputf8=False,
            allow_quoted_local=False,
            allow_domain_literal=False,
            allow_display_name=False,
            allow_empty_local=False,
            globally_deliverable=True,
            check_deliverability=False,  # no DNS: requests and tests must not depend on it
            test_environment=False,
        )
    except EmailNotValidError as error:
        raise AddressInvalid(str(error)) from error
    if checked.ascii_local_part is None:  # only with allow_smtputf8, which is off
        raise AddressInvalid("The part before the @-sign must be ASCII.")
    return f"{checked.ascii_local_part.lower()}@{checked.ascii_domain}"


def normalize_email(email: str) -> str:
    """Return the form an address is stored and looked up in; never raise.

    A deliverable address gives its canonical form. Anything else gives the form every address
    was stored in before the canonical form existed (NFKC, trimmed, case-folded), so an older
    row that has none (``admin@localhost``) is still found by the spelling that found it then.
    When that older form would be another, deliverable address (``straße@x.org`` folds to
    ``strasse@x.org``) the text is returned unfolded instead: an undeliverable spelling never
    finds a deliverable account, so login, password reset and verification resend answer it as
    they answer an unknown address.
    """
    try:
        return canonical_email(email or "")
    except AddressInvalid:
        pass
    typed = unicodedata.normalize("NFKC", (email or "").strip())
    folded = typed.casefold()
    return typed if is_canonical(folded) else folded


def is_canonical(address: str) -> bool:
    """Whether ``address`` is already the canonical form of a deliverable address."""
    try:
        return canonical_email(address) == address
    except AddressInvalid:
        return False


def canonical_rewrites(rows: Iterable[tuple[int, Hashable, str]], *, table: str) -> dict[int, str]:
    """Plan the rewrite of stored addresses into their canonical form, without a collision.

    ``rows`` are ``(primary key, scope, stored address)``; two rows of one scope may not end up
    with one address (a unique constraint's columns besides the address; a fresh object for
    rows no constraint covers). Returns ``{primary key: canonical address}`` for the rows to
    change. An address with no canonical form stays as it is (``normalize_email`` still finds
    it). Rows that would collide, with each other or with a row already holding the form, stay
    as they are and are reported in a warning, by primary key: an operator decides which
    account keeps the mailbox.
    """
    held: set[tuple[Hashable, str]] = set()
    movers: dict[tuple[Hashable, str], list[int]] = defaultdict(list)
    for pk, scope, stored in rows:
        held.add((scope, stored))
        try:
            canonical = canonical_email(stored)
        except AddressInvalid:
            continue
        if canonical != stored:
            movers[(scope, canonical)].append(pk)
    # A row already in canonical form never moves (canonical_email is idempotent), so a form
    # held now is held after the rewrite too.
    plan: dict[int, str] = {}
    for (scope, canonical), pks in movers.items():
        holders = (scope, canonical) in held
        if len(pks) == 1 and not holders:
            plan[pks[0]] = canonical
            continue
        logger.warning(
            "%s: rows %s%s are one mailbox in canonical form; left unchanged for an operator to resolve",
            table,
            ", ".join(str(pk) for pk in sorted(pks)),
            " and the row already holding that form" if holders else "",
        )
    return plan
