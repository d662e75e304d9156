"""The typed client openapi-python-client generates from ``/api/schema/`` runs the onboarding flow.

Issue 19's acceptance, as a client team would meet it: the client is generated from the
document the live server serves (every warning an error), then, over real HTTP, a new user
signs up, verifies the address with the token the email carries, signs in, creates a company
and invites a colleague, who accepts with a new account; the owner lists the two members.
Every answer has the status the flow expects and is parsed into the typed model the document
names for it, never left as raw JSON or an undocumented status.

Needs openapi-python-client (its executable beside this Python or on PATH) and httpx, the
generated client's HTTP library. Without them the test is skipped, unless
``REQUIRE_TYPED_CLIENT=1`` (CI), where their absence fails it.
"""

import importlib
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PACKAGE = "eventlead_client"
OWNER, GUEST = "olivia@example.com", "gus@example.com"
PASSWORD, GUEST_PASSWORD = "Onboarding-passphrase-2024", "Joining-passphrase-2024"
# No ruff run over the generated code (openapi-python-client's default post hooks): it is read by nobody.
GENERATOR_CONFIG = {"post_hooks": []}


def _generator() -> str:
    """openapi-python-client's executable, or a skip (a failure under REQUIRE_TYPED_CLIENT=1) naming what is missing."""
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    executable = shutil.which("openapi-python-client", path=path)
    missing = None
    if executable is None:
        missing = "openapi-python-client is not installed (pip install openapi-python-client)"
    elif importlib.util.find_spec("httpx") is None:
        missing = "httpx, the generated client's HTTP library, is not installed (pip install httpx)"
    if missing:
        if os.environ.get("REQUIRE_TYPED_CLIENT") == "1":
            pytest.fail(f"REQUIRE_TYPED_CLIENT=1 but {missing}")
        pytest.skip(f"TYPED CLIENT TEST SKIPPED: {missing}")
    return executable


@pytest.fixture
def client_package(live_server, tmp_path):
    """The client generated from the live server's document, imported; forgotten afterwards."""
    generator = _generator()
    document, config = tmp_path / "openapi.json", tmp_path / "generator.json"
    with urllib.request.urlopen(f"{live_server.url}/api/schema/?format=json") as response:
        document.write_bytes(response.read())
    config.write_text(json.dumps(GENERATOR_CONFIG))
    command = [generator, "generate", "--path", str(document), "--output-path", str(tmp_path / PACKAGE)]
    command += ["--meta", "none", "--config", str(config), "--fail-on-warning"]
    generated = subprocess.run(command, capture_output=True, text=True, check=False)
    assert generated.returncode == 0, generated.stdout + generated.stderr
    sys.path.insert(0, str(tmp_path))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(tmp_path))
        for name in [name for name in sys.modules if name == PACKAGE or name.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]


def link_token(recipient: str) -> str:
    """The token of the link in the last email to ``recipient``."""
    from django.core import mail

    message = [message for message in mail.outbox if recipient in message.to][-1]
    return parse_qs(urlparse(re.search(r"https?://\S+", message.body).group(0)).query)["token"][0]


def test_the_generated_client_runs_the_onboarding_flow(live_server, client_package):
    models = importlib.import_module(f"{PACKAGE}.models")

    def call(operation_id, **arguments):
        return importlib.import_module(f"{PACKAGE}.api.v1.{operation_id}").sync_detailed(**arguments)

    def parsed(response, status_code, model):
        assert (response.status_code, type(response.parsed)) == (status_code, model), response.content
        return response.parsed

    anonymous = client_package.Client(base_url=live_server.url, raise_on_unexpected_status=True)
    signup = models.SignupInputRequest(email=OWNER, password=PASSWORD, first_name="Olivia", last_name="Owner")
    parsed(call("v1_auth_signup_create", client=anonymous, body=signup), 202, models.AcceptedOutput)
    verify = models.TokenInputRequest(token=link_token(OWNER))
    verified = call("v1_auth_verify_email_create", client=anonymous, body=verify)
    assert parsed(verified, 200, models.VerifiedOutput).verified
    login = models.LoginInputRequest(email=OWNER, password=PASSWORD)
    tokens = parsed(call("v1_auth_login_create", client=anonymous, body=login), 200, models.LoginOutput)
    owner = client_package.AuthenticatedClient(
        base_url=live_server.url, token=tokens.access, raise_on_unexpected_status=True
    )

    creation = models.CompanyCreateInputRequest(company_name="Acme Events", country_code="AU")
    company = parsed(call("v1_companies_create", client=owner, body=creation), 201, models.CompanyOutput)
    invitation = models.InvitationCreateInputRequest(email=GUEST, role=models.RoleEnum("company_user"))
    invited = call("v1_companies_invitations_create", client=owner, company_id=company.company_id, body=invitation)
    assert parsed(invited, 201, models.InvitationOutput).status == "pending"
    acceptance = models.InvitationAcceptInputRequest(password=GUEST_PASSWORD, first_name="Gus", last_name="Guest")
    accepted = call("v1_invitations_accept_create", client=anonymous, token=link_token(GUEST), body=acceptance)
    assert parsed(accepted, 201, models.InvitationAcceptNewAccountOutput).membership.email == GUEST

    members = call("v1_companies_members_retrieve", client=owner, company_id=company.company_id)
    page = parsed(members, 200, models.MemberPageOutput)
    assert sorted((member.email, member.role) for member in page.results) == [
        (GUEST, "company_user"),
        (OWNER, "company_admin"),
    ]
