"""The back office in a real browser: Debian's Chromium, driven by Playwright, on a live server.

An admin signs in with email, password and a TOTP code (enrolling on this first sign-in, and
shown the recovery codes once), changes ``auth.access_token_minutes``, and the next access
token the API issues carries the new lifetime. An enrolled admin signs in with a recovery code
instead of a TOTP code, once. A log table has no "Add" button. The dashboard on the first page
shows a week of activity, and its charts lead to the rows they count. Screenshots of the
settings list, the dashboard (light and dark themes), a user's page and a company's page go to
``docs/images/`` for the README. Throughout, the browser reports no breach of
the Content-Security-Policy (settings, "HTTP hardening"), and neither does Swagger UI.

Needs ``pip install playwright`` and ``apt-get install chromium`` (Playwright's own browser
download is not used). Without them the test is skipped, unless ``REQUIRE_BROWSER=1``
(CI), where their absence fails it.
"""

import base64
import json
import os
import tempfile
import urllib.request
import uuid
from pathlib import Path

import pytest
from django.conf import settings

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# The README's screenshots are refreshed with UPDATE_SCREENSHOTS=1; other runs keep theirs in a
# temporary folder, so a test run leaves the work tree as it was.
SCREENSHOTS = (
    Path(settings.BASE_DIR) / "docs" / "images"
    if os.environ.get("UPDATE_SCREENSHOTS") == "1"
    else Path(tempfile.gettempdir()) / "eventlead-screenshots"
)
ADMIN_EMAIL, USER_EMAIL = "admin@example.com", "member@example.com"

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sync_playwright():
    """Playwright's sync entry point, or a skip (a failure under REQUIRE_BROWSER=1) saying what is missing."""
    missing = None
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing = "the Python package playwright is not installed (pip install playwright)"
    if missing is None and not CHROMIUM.exists():
        missing = f"Chromium is not at {CHROMIUM} (apt-get install -y chromium)"
    if missing:
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(f"REQUIRE_BROWSER=1 but {missing}")
        pytest.skip(f"BROWSER TEST SKIPPED: {missing}")
    return sync_playwright


def record_csp_violations(page) -> list[str]:
    """Collect what the browser refuses under the Content-Security-Policy, as it reports it on the console."""
    violations: list[str] = []
    page.on(
        "console",
        lambda message: violations.append(message.text) if "Content Security Policy" in message.text else None,
    )
    return violations


def totp_code(secret: str) -> str:
    """The current code for a base32 secret as the enrolment page shows it (in groups of four)."""
    from django_otp.oath import totp

    return f"{totp(base64.b32decode(secret.replace(' ', ''))):06d}"


def token_lifetime_minutes(base_url: str, password: str) -> int:
    """Sign in over the API and return the access token's lifetime (exp - iat) in whole minutes.

    simplejwt stamps ``exp`` from the refresh token's clock and ``iat`` from the access
    token's, a moment later, and both are whole seconds: exp - iat may be a second short.
    """
    request = urllib.request.Request(
        f"{base_url}/api/v1/auth/login",
        data=json.dumps({"email": USER_EMAIL, "password": password}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (the live test server)
        access = json.load(response)["access"]
    payload = access.split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return round((claims["exp"] - claims["iat"]) / 60)


def _people(make_user, password):
    """The admin who signs in, and a member of a company."""
    from accounts.models import User
    from companies.models import Company, UserCompany
    from reference.models import Country, JoinedVia, UserCompanyRole, UserCompanyStatus
    from reference.selectors import reference_id

    User.objects.create_superuser(ADMIN_EMAIL, password, first_name="Alex", last_name="Admin")
    member = make_user(
        USER_EMAIL, first_name="Mia", last_name="Nguyen", phone="0412 345 678", role_title="Events manager"
    )
    company = Company.objects.create(company_name="Harbourside Expos", country=Country.objects.get(country_code="AU"))
    UserCompany.objects.create(
        user=member,
        company=company,
        is_primary=True,
        role_id=reference_id(UserCompanyRole, UserCompanyRole.COMPANY_ADMIN),
        status_id=reference_id(UserCompanyStatus, UserCompanyStatus.ACTIVE),
        joined_via_id=reference_id(JoinedVia, JoinedVia.SIGNUP),
    )
    return member


def test_an_admin_changes_the_token_lifetime_in_the_browser_and_the_api_follows(
    live_server, settings, make_user, password
):
    sync_playwright = _sync_playwright()
    settings.ADMIN_REQUIRE_2FA = True
    _people(make_user, password)
    base = live_server.url
    # Everything the test needs from the database is read above: inside Playwright's sync API an
    # event loop is running, and Django refuses ORM calls there.
    assert token_lifetime_minutes(base, password) == 15
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        csp_violations = record_csp_violations(page)
        try:
            # Sign in: password, then enrol the authenticator with the secret the page shows.
            page.goto(f"{base}/admin/")
            page.fill("#id_username", ADMIN_EMAIL)
            page.fill("#id_password", password)
            page.click("input[type=submit]")
            page.wait_for_url("**/admin/two-factor/**")
            secret = page.inner_text("#totp-secret")
            assert page.locator("#totp-qr svg").count() == 1
            page.fill("#id_code", totp_code(secret))
            page.click("#two-factor-form input[type=submit]")
            # The recovery codes, shown this once, then on to where the admin was going.
            assert page.locator("#recovery-codes li").count() == 10
            page.click("#recovery-codes-continue")
            page.wait_for_url(f"{base}/admin/")
            assert "System administration" in page.inner_text("#content")

            # Change the access-token lifetime.
            page.goto(f"{base}/admin/configuration/appsetting/")
            page.screenshot(path=str(SCREENSHOTS / "admin-settings.png"), full_page=True)
            page.click("text=auth.access_token_minutes")
            page.fill("#id_setting_value", "42")
            page.click("input[name=_save]")
            assert "was changed successfully" in page.inner_text(".messagelist")

            # A log table offers no way to add a row.
            page.goto(f"{base}/admin/logging_app/authevent/")
            assert page.locator("#content-main .object-tools .addlink").count() == 0
            page.goto(f"{base}/admin/configuration/validationrule/")
            assert page.locator("#content-main .object-tools .addlink").count() == 1  # the check can fail

            # The change list's scripts run: ticking "select all" updates the counter (admin/js/actions.js).
            page.goto(f"{base}/admin/accounts/user/")
            page.check("#action-toggle")
            assert page.inner_text(".action-counter") == "2 of 2 selected"  # the admin and the member
        finally:
            browser.close()

    assert token_lifetime_minutes(base, password) == 42
    assert csp_violations == []


def password_step(page, base: str, password: str) -> None:
    """Sign in with the password, up to the code step."""
    page.goto(f"{base}/admin/")
    page.fill("#id_username", ADMIN_EMAIL)
    page.fill("#id_password", password)
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/two-factor/**")


def test_an_enrolled_admin_signs_in_with_a_recovery_code_once(live_server, settings, password):
    from accounts import mfa
    from accounts.models import User

    sync_playwright = _sync_playwright()
    settings.ADMIN_REQUIRE_2FA = True
    admin = User.objects.create_superuser(ADMIN_EMAIL, password)
    device = mfa.pending_device(admin)
    recovery_code = mfa.mfa_enable(user=admin, device=device, now=device.created_at)[0]
    base = live_server.url

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page()
        csp_violations = record_csp_violations(page)
        try:
            password_step(page, base, password)
            assert "or a recovery code" in page.inner_text("label[for=id_code]")
            page.fill("#id_code", recovery_code.upper())  # as typed from a printout
            page.click("#two-factor-form input[type=submit]")
            page.wait_for_url(f"{base}/admin/")
            assert "System administration" in page.inner_text("#content")

            # Signed out and in again: the code was used up, and the admin stays outside.
            page.click("#logout-form button")
            password_step(page, base, password)
            page.fill("#id_code", recovery_code)
            page.click("#two-factor-form input[type=submit]")
            assert "That code is not right" in page.inner_text("#two-factor-form .errorlist")
            page.goto(f"{base}/admin/")
            assert "/admin/two-factor/" in page.url
        finally:
            browser.close()

    assert csp_violations == []
    assert mfa.recovery_codes_left(admin) == mfa.RECOVERY_CODE_COUNT - 1


def test_swagger_ui_runs_under_the_content_security_policy(live_server):
    sync_playwright = _sync_playwright()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page()
        csp_violations = record_csp_violations(page)
        try:
            page.goto(f"{live_server.url}/api/docs/")
            # The start-up script ran (by its nonce) and loaded the schema: the operations are listed.
            page.wait_for_selector('.opblock-summary-path[data-path="/api/v1/auth/login"]')
            assert "EventLead Platform API" in page.inner_text(".swagger-ui .info")
        finally:
            browser.close()

    assert csp_violations == []


def _a_day_of_operations(make_user, password):
    """A company with an admin and a member, and a day of what the dashboard counts.

    Counted on the dashboard: 4 sign-ups (the system admin, two verified users and one who has
    not verified yet), 5 successful sign-ins, 3 failed, 1 lockout, 40 API requests (2 of them 5xx),
    an application error, emails sent, failed and waiting, and an invitation.
    """
    from django.utils import timezone

    from accounts.admin_actions import user_admin_update
    from accounts.models import User
    from companies.invitations import invitation_create
    from companies.models import Company, CompanyCustomerDetails, UserCompany
    from logging_app.models import ApiRequest, ApplicationError, AuthEvent, EmailDelivery
    from reference.models import Country, CustomerTier, JoinedVia, UserCompanyRole, UserCompanyStatus
    from reference.selectors import reference_id

    User.objects.create_superuser(ADMIN_EMAIL, password, first_name="Alex", last_name="Admin")
    owner = make_user("owner@example.com", first_name="Priya", last_name="Shah", role_title="Director")
    member = make_user(USER_EMAIL, first_name="Mia", last_name="Nguyen", role_title="Events manager")
    make_user("pending@example.com", first_name="Sam", last_name="Lee", email_verified_at=None)
    company = Company.objects.create(
        company_name="Harbourside Expos",
        abn="51824753556",
        country=Country.objects.get(country_code="AU"),
        legal_entity_name="HARBOURSIDE EXPOS PTY LTD",
        abn_status="Active",
        entity_type="Australian Private Company",
        gst_registered=True,
        abr_last_verified_at=timezone.now() - timezone.timedelta(days=2),
    )
    CompanyCustomerDetails.objects.create(
        company=company, customer_tier=CustomerTier.objects.get(code=CustomerTier.FREE), max_users=5
    )
    for person, role in ((owner, UserCompanyRole.COMPANY_ADMIN), (member, UserCompanyRole.COMPANY_USER)):
        UserCompany.objects.create(
            user=person,
            company=company,
            is_primary=True,
            role_id=reference_id(UserCompanyRole, role),
            status_id=reference_id(UserCompanyStatus, UserCompanyStatus.ACTIVE),
            joined_via_id=reference_id(JoinedVia, JoinedVia.SIGNUP),
        )
    invitation_create(company=company, actor=owner, email="new.hire@example.com", role=UserCompanyRole.COMPANY_USER)
    admin = User.objects.get(email=ADMIN_EMAIL)
    member.role_title = "Head of events"
    user_admin_update(user=member, actor=admin, fields=["role_title"])
    now = timezone.now()
    browser = (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/17.5 Safari/605.1.15"
    )
    for hours_ago in range(5):
        AuthEvent.objects.create(
            user=member, email=USER_EMAIL, event_type="login_success", ip_address="203.0.113.7",
            user_agent=browser, created_date=now - timezone.timedelta(hours=hours_ago * 3 + 1),
        )  # fmt: skip
    for minutes_ago in (50, 49, 48):
        AuthEvent.objects.create(
            email=USER_EMAIL, event_type="login_failed", failure_reason="invalid_credentials",
            ip_address="198.51.100.23", created_date=now - timezone.timedelta(minutes=minutes_ago),
        )  # fmt: skip
    AuthEvent.objects.create(
        user=member, email=USER_EMAIL, event_type="account_locked", ip_address="198.51.100.23",
        created_date=now - timezone.timedelta(minutes=47),
    )  # fmt: skip
    paths = ("/api/v1/users/me", "/api/v1/auth/token/refresh", "/api/v1/companies/1/members", "/api/v1/auth/login")
    ApiRequest.objects.bulk_create(
        ApiRequest(
            request_id=uuid.uuid4(), method="GET", path=paths[n % len(paths)],
            status_code=500 if n in (7, 21) else (401 if n % 9 == 0 else 200), duration_ms=8 + (n * 7) % 90,
            created_date=now - timezone.timedelta(minutes=n * 30 + 5),
        )
        for n in range(40)
    )  # fmt: skip
    ApplicationError.objects.create(
        error_type="OperationalError", message="could not connect to server", method="GET",
        path="/api/v1/companies/1/members", created_date=now - timezone.timedelta(hours=2),
    )  # fmt: skip
    for status, email_type, hours_ago in (
        ("sent", "email_verification", 20), ("sent", "security_new_device", 4), ("failed", "password_reset", 3),
        ("queued", "password_reset", 1),
    ):  # fmt: skip
        EmailDelivery.objects.create(
            recipient_email=USER_EMAIL, user=member, email_type=email_type, subject=email_type.replace("_", " "),
            status=status, attempt_count=1, created_date=now - timezone.timedelta(hours=hours_ago),
            sent_at=now - timezone.timedelta(hours=hours_ago) if status == "sent" else None,
        )  # fmt: skip
    return member, company


def test_the_dashboard_shows_the_day_and_its_charts_lead_to_the_rows(live_server, settings, make_user, password):
    sync_playwright = _sync_playwright()
    settings.ADMIN_REQUIRE_2FA = False
    member, company = _a_day_of_operations(make_user, password)
    base = live_server.url
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        csp_violations = record_csp_violations(page)
        try:
            page.goto(f"{base}/admin/")
            page.fill("#id_username", ADMIN_EMAIL)
            page.fill("#id_password", password)
            page.click("input[type=submit]")
            page.wait_for_url(f"{base}/admin/")

            # The first page after signing in: the last 24 hours at a glance.
            assert page.inner_text("#dashboard-sign-ups .headline a") == "4"
            assert page.inner_text("#dashboard-sign-ins .headline a") == "6"  # and the admin's own, just now
            assert page.inner_text("#dashboard-requests .headline a") == "40"
            for card in ("sign-ups", "sign-ins", "requests"):
                assert page.locator(f"#dashboard-{card} a.chart-link svg").count() == 1
            page.screenshot(path=str(SCREENSHOTS / "admin-dashboard.png"), full_page=True)
            page.emulate_media(color_scheme="dark")
            page.screenshot(path=str(SCREENSHOTS / "admin-dashboard-dark.png"), full_page=True)
            page.emulate_media(color_scheme="light")

            # A chart opens the list of the rows it counts: the day's 6 sign-ins, 3 failures and 1 lockout.
            page.click("#dashboard-sign-ins a.chart-link")
            page.wait_for_url("**/admin/logging_app/authevent/?**")
            assert page.locator("#result_list tbody tr").count() == 10

            # From a row to the user's whole story, then to their company's.
            page.goto(f"{base}/admin/accounts/user/{member.pk}/change/")
            page.screenshot(path=str(SCREENSHOTS / "admin-user.png"), full_page=True)
            page.goto(f"{base}/admin/companies/company/{company.pk}/change/")
            page.screenshot(path=str(SCREENSHOTS / "admin-company.png"), full_page=True)
        finally:
            browser.close()

    assert csp_violations == []
