"""eventlead/core/redaction.py, rule by rule: what each pattern and key replaces, and what it leaves alone.

Every expected value is the exact output, so a dropped pattern, key or flag, a changed quantifier
or character class, or another marker changes a result here.
"""

import logging
import sys

import pytest

from eventlead.core.redaction import RedactingFilter, is_sensitive_key, redact_query, redact_text

# A real HS256 token (PyJWT) whose three segments each hold a "-", and whose payload holds a "_".
JWT = (
    "eyJhbGciOiJIUzI1NiIsImtpZCI6ImtleS0xMDB-IiwidHlwIjoiSldUIn0"
    ".eyJzdWIiOiI0Iiwibm90ZSI6In5-Pj4_NCJ9"
    ".LOzM4O2ImQ-uybZBF7VUsUwWV-qeTA-Wld9k16qGEPk"
)
UNSIGNED_JWT = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiI0MiJ9."  # alg "none": empty signature
DETACHED_JWS = "eyJhbGciOiJIUzI1NiJ9..LOzM4O2ImQ-uybZBF7VUsUwWV-qeTA-Wld9k16qGEPk"  # RFC 7515 app. F: no payload

# Names that are secrets as they stand, names that contain a secret's word anywhere, and names one
# of whose camelCase, snake_case or kebab-case words is a secret's word.
EXACT_NAMES = [
    "refresh",
    "access",
    "guid",
    "auth",
    "code",
    "key",
    "otp",
    "authorization",
    "signature",
    "sig",
    "jwt",
    "session",
    "sessionid",
    "cookie",
    "credential",
    "credentials",
]
SUFFIX_NAMES = ["token", "password", "passwd", "secret", "apikey"]
COMPOUND_NAMES = [
    "new_password",
    "newPassword",
    "current_password",
    "currentPassword",
    "NEW_PASSWORD",
    "new-password",
    "access_token",
    "accessToken",
    "refresh_token",
    "id_token",
    "csrftoken",
    "tokens_page",
    "token_type",
    "mytokenvalue",
    "client_secret",
    "clientSecret",
    "client-secret",
    "db_passwd",
    "api_key",
    "apiKey",
    "api-key",
    "APIKey",
    "x-apikey",
    "auth_code",
    "authCode",
    "auth-code",
    "otp_code",
    "otpCode",
    "OTP",
    "mfa_otp",
    "status_code",
    "X-Amz-Signature",
    "x_signature",
    "session_id",
    "sessionId",
    "Set-Cookie",
    "user_credentials",
    "jwt_assertion",
    "HTTP_AUTHORIZATION",
    "proxy-authorization",
]
# Names that only look like one: a secret's word inside another word, or a known name as a word
# of a longer one.
HARMLESS_NAMES = [
    "postcode",
    "barcode",
    "codec",
    "keyword",
    "keynote",
    "monkey",
    "has_access",
    "accessibility",
    "refresh_interval",
    "guide",
    "authority",
    "signed",
    "page",
]


# --- redact_query: the query string stored in log.ApiRequest ---------------------------------------


@pytest.mark.parametrize("key", EXACT_NAMES + SUFFIX_NAMES)
def test_each_sensitive_query_key_loses_its_value_and_the_other_parameters_stay(key):
    assert redact_query(f"page=2&{key}=s3cr3t-Value&q=tea+room") == f"page=2&{key}=[redacted]&q=tea+room"


def test_a_query_key_is_matched_whatever_its_case():
    assert redact_query("TOKEN=a&Password=b&Authorization=c&KeY=d&GUID=e&oTp=f&ApiKEY=g") == (
        "TOKEN=[redacted]&Password=[redacted]&Authorization=[redacted]&KeY=[redacted]&GUID=[redacted]"
        "&oTp=[redacted]&ApiKEY=[redacted]"
    )


@pytest.mark.parametrize("key", COMPOUND_NAMES)
def test_a_camel_snake_or_kebab_case_query_key_with_a_sensitive_word_is_redacted(key):
    assert redact_query(f"{key}=s3cr3t&page=2") == f"{key}=[redacted]&page=2"


@pytest.mark.parametrize("key", HARMLESS_NAMES)
def test_a_query_key_that_only_looks_sensitive_keeps_its_value(key):
    assert redact_query(f"{key}=3000&page=2") == f"{key}=3000&page=2"


@pytest.mark.parametrize("key", EXACT_NAMES + SUFFIX_NAMES + COMPOUND_NAMES)
def test_is_sensitive_key_names_every_secret_and_only_those(key):
    assert is_sensitive_key(key)


@pytest.mark.parametrize("key", HARMLESS_NAMES)
def test_is_sensitive_key_leaves_harmless_names(key):
    assert not is_sensitive_key(key)


def test_repeated_and_blank_parameters_are_all_kept_and_each_sensitive_one_redacted():
    assert redact_query("token=a&token=&empty=&page=2") == "token=[redacted]&token=[redacted]&empty=&page=2"


def test_a_secret_inside_another_query_value_is_redacted_as_text():
    query = f"next=%2Faccept%3Ftoken%3DZk3-x_9QpL&jwt={JWT}&page=2"

    assert redact_query(query) == "next=%2Faccept%3Ftoken%3D[redacted]&jwt=[redacted]&page=2"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (f"q={JWT}", "q=[redacted]"),
        (f"{JWT}", "[redacted]="),  # a parameter with no value: its name is the secret
        ("q=Bearer%20opaque-token", "q=Bearer+[redacted]"),
        ("q=Basic%20dXNlcjpwYXNz", "q=Basic+[redacted]"),
        ("filter=%7B%22password%22%3A%22hunter2%22%7D", "filter=%7B%22password%22%3A%22[redacted]%22%7D"),
        ("next=%2Finvitations%2Faccept%3Ftoken%3DZk3", "next=%2Finvitations%2Faccept%3Ftoken%3D[redacted]"),
        ("", ""),
    ],
    ids=["jwt-value", "jwt-name", "bearer", "basic", "json", "emailed-link", "empty"],
)
def test_a_query_value_is_redacted_as_text_once_decoded(query, expected):
    assert redact_query(query) == expected


# --- paths, as stored in log.ApiRequest and log.ApplicationError ----------------------------------


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/api/v1/invitations/Zk3-x_9QpL", "/api/v1/invitations/[redacted]"),
        ("/api/v1/invitations/Zk3-x_9QpL/accept", "/api/v1/invitations/[redacted]/accept"),
        ("/api/v1/invitations/Zk3-x_9QpL/decline", "/api/v1/invitations/[redacted]/decline"),
        ("/api/v2/invitations/Zk3-x_9QpL", "/api/v2/invitations/[redacted]"),
        ("/api/v10/invitations/Zk3-x_9QpL/accept", "/api/v10/invitations/[redacted]/accept"),
        ("/app/api/v1/invitations/Zk3-x_9QpL", "/app/api/v1/invitations/[redacted]"),  # a link to it, anywhere
        (f"/api/v1/reference/{JWT}/x", "/api/v1/reference/[redacted]/x"),
        ("/api/v1/reference/x;token=Zk3", "/api/v1/reference/x;token=[redacted]"),
    ],
)
def test_the_invitation_token_in_a_path_is_replaced_and_the_rest_of_the_path_kept(path, expected):
    assert redact_text(path) == expected


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/users/me",
        "/api/v1/companies/3/invitations/7/resend",  # an invitation id, not a token
        "/api/v1/invitations/",  # no token at all
        "/api/v1/users/me/sessions/3",
    ],
)
def test_a_path_without_an_invitation_token_is_kept_verbatim(path):
    assert redact_text(path) == path


# --- redact_text: log messages, exception messages and traces -------------------------------------


def test_a_jwt_is_replaced_whole_wherever_it_appears_in_text():
    assert redact_text(f"refused {JWT}, retry") == "refused [redacted], retry"


@pytest.mark.parametrize("token", [UNSIGNED_JWT, DETACHED_JWS], ids=["unsigned-empty-signature", "detached-payload"])
def test_a_jwt_with_an_empty_segment_is_replaced_whole(token):
    assert redact_text(f"got {token} from client") == "got [redacted] from client"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Authorization: Bearer abc.DEF-ghi_jkl~mno+pq/rs==", "Authorization: Bearer [redacted]"),
        ("authorization: bearer opaque-token rest", "authorization: bearer [redacted]"),  # a header: to the line's end
        ("AUTHORIZATION: BEARER opaque-token", "AUTHORIZATION: BEARER [redacted]"),
        ("header was Bearer \t opaque-token; done", "header was Bearer [redacted]; done"),
        ("sent Bearer%20opaque-token upstream", "sent Bearer [redacted] upstream"),
    ],
    ids=["every-token68-character", "lower-case", "upper-case", "several-spaces", "url-encoded-space"],
)
def test_a_bearer_credential_is_replaced_and_the_scheme_word_kept(text, expected):
    assert redact_text(text) == expected


@pytest.mark.parametrize("key", EXACT_NAMES + SUFFIX_NAMES + COMPOUND_NAMES + ["Token", "PASSWORD", "Code"])
def test_a_sensitive_name_value_pair_in_text_loses_its_value(key):
    assert redact_text(f"GET /verify?next=1&{key}=s3cr3t-V4lue&page=2 failed") == (
        f"GET /verify?next=1&{key}=[redacted]&page=2 failed"
    )


def test_a_token_nested_in_another_parameter_of_a_logged_url_is_redacted():
    assert redact_text("GET /login?next=/accept?token=Zk3-x_9QpL") == "GET /login?next=/accept?token=[redacted]"


def test_a_bearer_credential_given_as_an_authorization_parameter_is_redacted_whole():
    assert redact_text("authorization=Bearer opaque-token sent") == "authorization=[redacted] [redacted] sent"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("token=abc and more", "token=[redacted] and more"),
        ("token=abc\tmore", "token=[redacted]\tmore"),
        ('{"url": "https://x.test/a?token=abc"}', '{"url": "https://x.test/a?token=[redacted]"}'),
        ("{'url': 'https://x.test/a?token=abc'}", "{'url': 'https://x.test/a?token=[redacted]'}"),
    ],
    ids=["space", "tab", "double-quote", "single-quote"],
)
def test_a_redacted_value_ends_at_whitespace_or_a_quote(text, expected):
    assert redact_text(text) == expected


@pytest.mark.parametrize("key", HARMLESS_NAMES)
def test_text_keys_that_only_look_sensitive_keep_their_value(key):
    assert redact_text(f"{key}=3000 {key}: 3000 '{key}': 3000") == f"{key}=3000 {key}: 3000 '{key}': 3000"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Not Found: /api/v1/invitations/Zk3-x_9QpL", "Not Found: /api/v1/invitations/[redacted]"),
        (
            "Accept here https://app.example.org/api/v1/invitations/Zk3-x_9QpL/accept before Friday",
            "Accept here https://app.example.org/api/v1/invitations/[redacted]/accept before Friday",
        ),
        ("Link /api/v2/invitations/Zk3-x_9QpL expired", "Link /api/v2/invitations/[redacted] expired"),
        (
            "/api/v1/invitations/Aa1/accept then /api/v1/invitations/Bb2/decline",
            "/api/v1/invitations/[redacted]/accept then /api/v1/invitations/[redacted]/decline",
        ),
        (
            "/api/v1/companies/3/invitations failed; the invitee used /api/v1/invitations/Zk3-x_9QpL",
            "/api/v1/companies/3/invitations failed; the invitee used /api/v1/invitations/[redacted]",
        ),
        (
            "Accept or decline here: http://localhost:3000/invitations/accept?token=Zk3-x_9QpL\n\nThanks",
            "Accept or decline here: http://localhost:3000/invitations/accept?token=[redacted]\n\nThanks",
        ),
    ],
    ids=[
        "django-not-found",
        "mid-sentence-api-link",
        "other-version",
        "two-links",
        "text-starting-with-an-api-path",
        "frontend-accept-link-from-the-email",
    ],
)
def test_an_invitation_token_inside_text_is_replaced(text, expected):
    assert redact_text(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "GET /api/v1/companies/3/members?page=2 200 in 4 ms (Bearer)",
        "GET /api/v1/invitations/ 404",  # no token in the link
        "reset requested with token= blank",  # no value to hide
        'eyJ is "{" in base64, e.g. eyJhbGci x y',  # not three dot-separated segments
        "GET /static/survey.v2.json from cdn.journey.example.org",  # dotted names are no JWT
        "a forebearer said so",  # "bearer" inside a word
    ],
)
def test_text_without_secrets_is_returned_unchanged(text):
    assert redact_text(text) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"password": "hunter2", "email": "a@x.org"}', '{"password": "[redacted]", "email": "a@x.org"}'),
        ('{"newPassword":"hunter2"}', '{"newPassword":"[redacted]"}'),
        ("{'current_password': 'hunter2', 'page': 2}", "{'current_password': '[redacted]', 'page': 2}"),
        ('{"code": 123456, "next": "/x"}', '{"code": [redacted], "next": "/x"}'),
        ('{"otp":123456}', '{"otp":[redacted]}'),
        (
            "<QueryDict: {'password': ['hunter2'], 'page': ['2']}>",
            "<QueryDict: {'password': [redacted], 'page': ['2']}>",
        ),
        ('{"password": "a \\"quoted\\" b", "x": 1}', '{"password": "[redacted]", "x": 1}'),
        ('"body": "{\\"password\\": \\"hunter2\\"}"', '"body": "{\\"password\\": \\"[redacted]\\"}"'),
        (
            '{"refresh": "opaque", "user": {"email": "a@x.org"}}',
            '{"refresh": "[redacted]", "user": {"email": "a@x.org"}}',
        ),
        ('password="hunter 2" next', 'password="[redacted]" next'),
        ("password='hunter 2' next", "password='[redacted]' next"),
    ],
    ids=[
        "json",
        "json-no-space",
        "python-repr",
        "number",
        "otp",
        "query-dict-list",
        "escaped-quote-inside",
        "json-inside-a-json-string",
        "refresh-token",
        "double-quoted-pair",
        "single-quoted-pair",
    ],
)
def test_a_quoted_key_or_quoted_value_loses_its_value_and_keeps_its_quotes(text, expected):
    assert redact_text(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Authorization: Token abc123", "Authorization: Token [redacted]"),
        ("Authorization: abc123", "Authorization: [redacted]"),
        ("Proxy-Authorization: Digest username=x, response=y", "Proxy-Authorization: Digest [redacted]"),
        ("X-Api-Key: k3y-v4lue", "X-Api-Key: [redacted]"),
        ("x-auth-token:abc", "x-auth-token:[redacted]"),
        ("Cookie: sessionid=abc; csrftoken=def", "Cookie: [redacted]"),
        ("Set-Cookie: sessionid=abc; HttpOnly", "Set-Cookie: [redacted]"),
        ("Host: x\r\nAuthorization: abc\r\nAccept: */*", "Host: x\r\nAuthorization: [redacted]\r\nAccept: */*"),
        ("X-Forwarded-Host: a X-Api-Key: b", "X-Forwarded-Host: a X-Api-Key: [redacted]"),
    ],
    ids=[
        "token-scheme",
        "no-scheme",
        "digest",
        "api-key",
        "no-space",
        "cookie",
        "set-cookie",
        "one-line-of-several",
        "after-a-harmless-header",
    ],
)
def test_a_credential_header_loses_its_value_to_the_end_of_its_line(text, expected):
    assert redact_text(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Content-Type: application/json",
        "KeyError: 'token'",  # exception names are no headers
        "TokenError: Token is invalid or expired",
        "X-Request-ID: 6f1c3c9e-9d4e-4a7e-8a51-1f2b3c4d5e6f",
    ],
)
def test_a_harmless_header_or_exception_line_is_kept(text):
    assert redact_text(text) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Authorization: Basic dXNlcjpwYXNz", "Authorization: Basic [redacted]"),
        ("sent basic dXNlcjpwYXNzd29yZA== upstream", "sent basic [redacted] upstream"),
        ("BASIC dXNlcjpw", "BASIC [redacted]"),  # unpadded
        ("url had Basic%20dXNlcjpwYXNz", "url had Basic [redacted]"),
    ],
    ids=["header", "padded-in-text", "unpadded", "url-encoded-space"],
)
def test_a_basic_credential_is_replaced_and_the_scheme_word_kept(text, expected):
    assert redact_text(text) == expected


@pytest.mark.parametrize("text", ["a basic check failed", "basic auth is off", "Basic YWJj is no credential"])
def test_basic_before_a_word_that_is_no_credential_is_kept(text):
    assert redact_text(text) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"refused token:{JWT},retry", "refused token:[redacted],retry"),
        (f"x{JWT}y", "x[redacted]"),
        (f"{JWT}.", "[redacted]."),
        (
            "eyJhbGciOiJSU0EtT0FFUCIsImVuYyI6IkEyNTZHQ00ifQ.OKOawDo13gRp2ojaHV7LFpZcgV7T6DVZKTyKOMTYUmKoTCVJRgckCL9kiMT03JGe"
            ".48V1_ALb6US04U3b.5eym8TW_c8SuK0ltJ3rpYIzOeDQz7TALvtu6UG9oMo4vpzs9tX_EFShS8iB7j6jiSdiwkIr3ajwQzaBtQD_A"
            ".XFBoMYUZodetZdvTiFvSkQ rest",
            "[redacted] rest",
        ),
    ],
    ids=["between-punctuation", "inside-a-word", "before-a-full-stop", "encrypted-jwe"],
)
def test_a_jwt_is_replaced_wherever_it_stands(text, expected):
    assert redact_text(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Verify here: http://localhost:3000/verify-email?token=Zk3-x_9QpL\n",
            "Verify here: http://localhost:3000/verify-email?token=[redacted]\n",
        ),
        (
            "Reset: https://app.example.org/reset-password?token=Zk3-x_9QpL&lang=en",
            "Reset: https://app.example.org/reset-password?token=[redacted]&lang=en",
        ),
        (
            "GET /login?next=%2Fverify-email%3Ftoken%3DZk3-x_9QpL%26lang%3Den 302",
            "GET /login?next=%2Fverify-email%3Ftoken%3D[redacted]%26lang%3Den 302",
        ),
        ("redirect=/reset-password?token%3dZk3", "redirect=/reset-password?token%3d[redacted]"),
    ],
    ids=["verification-link", "reset-link", "encoded-inside-another-link", "lower-case-encoding"],
)
def test_an_emailed_link_token_is_replaced_and_the_rest_of_the_link_kept(text, expected):
    assert redact_text(text) == expected


# --- RedactingFilter: every record through the console handler -------------------------------------


def _record(msg, *args):
    return logging.LogRecord("eventlead.test", logging.WARNING, __file__, 1, msg, args, None)


def test_the_filter_redacts_a_secret_that_arrives_as_a_format_argument_and_lets_the_record_through():
    record = _record("Not Found: %s (%s)", "/api/v1/invitations/Zk3-x_9QpL", f"Bearer {JWT}")

    assert RedactingFilter().filter(record) is True
    assert record.getMessage() == "Not Found: /api/v1/invitations/[redacted] (Bearer [redacted])"


def test_the_filter_keeps_a_clean_record_template_and_arguments_as_they_were():
    args = ("/api/v1/users/me", 200)
    record = _record("GET %s %d", *args)

    assert RedactingFilter().filter(record) is True
    assert (record.msg, record.args, record.getMessage()) == ("GET %s %d", args, "GET /api/v1/users/me 200")


def _failing_record():
    try:
        raise RuntimeError("lookup failed for token=Zk3-x_9QpL")
    except RuntimeError:
        return logging.LogRecord(
            "django.request", logging.ERROR, __file__, 1, "Internal Server Error", (), sys.exc_info()
        )


def test_the_filter_redacts_the_traceback_that_a_handler_prints_under_the_message():
    record = _failing_record()

    assert RedactingFilter().filter(record) is True
    printed = logging.Formatter().format(record)
    assert printed.startswith("Internal Server Error\nTraceback (most recent call last):\n")
    assert printed.endswith("\nRuntimeError: lookup failed for token=[redacted]")


def test_the_filter_redacts_a_traceback_another_formatter_already_wrote_instead_of_rewriting_it():
    record = _failing_record()
    record.exc_text = "trace as formatted by another handler: token=Zk3-x_9QpL"

    RedactingFilter().filter(record)

    assert record.exc_text == "trace as formatted by another handler: token=[redacted]"


def test_the_filter_redacts_the_stack_a_record_carries():
    record = _record("checkpoint")
    record.stack_info = "Stack (most recent call last):\n  called with password=hunter2"

    RedactingFilter().filter(record)

    assert record.stack_info == "Stack (most recent call last):\n  called with password=[redacted]"
