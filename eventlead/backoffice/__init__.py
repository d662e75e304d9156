"""The Django admin as the system administrators' back office (issue 6).

``site``: who gets in (active system admins, with a TOTP code when ``ADMIN_REQUIRE_2FA``).
``two_factor``: TOTP enrolment (recovery codes shown once) and the code step after the password
(a TOTP or recovery code), on ``accounts.mfa``'s device.
``options``: base ``ModelAdmin`` classes: read-only logs, reference tables that refuse to
delete a row in use, lists that never count a whole large table.
"""
