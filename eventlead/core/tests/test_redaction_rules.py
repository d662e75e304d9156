"""eventlead/core/redaction.py, rule by rule: what each pattern and key replaces, and what it leaves alone.

Every expected value is the exact output, so a dropped pattern, key or flag, a changed quantifier
or character class, or another marker changes a result here.
"""

import logging
import sys

import pytest

from eventlead.core.redaction import RedactingFilter, redact_path, redact_query, redact_text

# A real HS256 token (PyJWT) whose three segments each hold a "-", and whose payload holds a "_".
JWT = (
    "eyJhbGciOiJIUzI1NiIsImtpZCI6ImtleS0xMDB-IiwidHlwIjoiSldUIn0"
    ".eyJzdWIiOiI0Iiwibm90ZSI6In5-Pj4_NCJ9"
    ".LOzM4O2ImQ-uybZBF7VUsUwWV-qeTA-Wld9k16qGEPk"
)
UNSIGNED_JWT = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiI0MiJ9."  # alg "none": empty signature
DETACHED_JWS = "eyJhbGciOiJIUzI1NiJ9..LOzM4O2ImQ-uybZBF7VUsUwWV-qeTA-Wld9k16qGEPk"  # RFC 7515 app. F: no payload

# Names that are secrets as they stand, then names that are secrets because of how they end.
EXACT_NAMES = ["refresh", "access", "guid", "code", "authorization"]
SUFFIX_NAMES = ["token", "password", "secret", "key", "signature"]
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
    "client_secret",
    "clientSecret",
    "api_key",
    "apiKey",
    "X-Amz-Signature",
]


# --- redact_query: the query string stored in log.ApiRequest ---------------------------------------


@pytest.mark.parametrize("key", EXACT_NAMES + SUFFIX_NAMES)
def test_each_sensitive_query_key_loses_its_value_and_the_other_parameters_stay(key):
    assert redact_query(f"page=2&{key}=s3cr3t-Value&q=tea+room") == f"page=2&{key}=[redacted]&q=tea+room"


def test_a_query_key_is_matched_whatever_its_case():
    assert redact_query("TOKEN=a&Password=b&Authorization=c&KeY=d&GUID=e") == (
        "TOKEN=[redacted]&Password=[redacted]&Authorization=[redacted]&KeY=[redacted]&GUID=[redacted]"
    )


@pytest.mark.parametrize("key", COMPOUND_NAMES)
def test_a_camel_snake_or_kebab_case_query_key_ending_in_a_sensitive_word_is_redacted(key):
    assert redact_query(f"{key}=s3cr3t&page=2") == f"{key}=[redacted]&page=2"


def test_query_keys_that_only_contain_a_sensitive_word_keep_their_value():
    query = "postcode=3000&keyword=tea&has_access=yes&tokens_page=2&status_code=500&guide=1"

    assert redact_query(query) == query


def test_repeated_and_blank_parameters_are_all_kept_and_each_sensitive_one_redacted():
    assert redact_query("token=a&token=&empty=&page=2") == "token=[redacted]&token=[redacted]&empty=&page=2"


def test_a_secret_inside_another_query_value_is_redacted_as_text():
    query = f"next=%2Faccept%3Ftoken%3DZk3-x_9QpL&jwt={JWT}&page=2"

    assert redact_query(query) == "next=%2Faccept%3Ftoken%3D[redacted]&jwt=[redacted]&page=2"


# --- redact_path: the path stored in log.ApiRequest and log.ApplicationError ------------------------


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/api/v1/invitations/Zk3-x_9QpL", "/api/v1/invitations/[redacted]"),
        ("/api/v1/invitations/Zk3-x_9QpL/accept", "/api/v1/invitations/[redacted]/accept"),
        ("/api/v1/invitations/Zk3-x_9QpL/decline", "/api/v1/invitations/[redacted]/decline"),
        ("/api/v2/invitations/Zk3-x_9QpL", "/api/v2/invitations/[redacted]"),
        ("/api/v10/invitations/Zk3-x_9QpL/accept", "/api/v10/invitations/[redacted]/accept"),
    ],
)
def test_the_invitation_token_in_a_path_is_replaced_and_the_rest_of_the_path_kept(path, expected):
    assert redact_path(path) == expected


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/users/me",
        "/api/v1/companies/3/invitations/7/resend",  # an invitation id, not a token
        "/api/v1/invitations/",  # no token at all
        "/app/api/v1/invitations/example",  # only the API's own route is rewritten
    ],
)
def test_a_path_without_an_invitation_token_is_kept_verbatim(path):
    assert redact_path(path) == path


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
        ("authorization: bearer opaque-token rest", "authorization: bearer [redacted] rest"),
        ("AUTHORIZATION: BEARER opaque-token", "AUTHORIZATION: BEARER [redacted]"),
        ("header was Bearer \t opaque-token; done", "header was Bearer [redacted]; done"),
    ],
    ids=["every-token68-character", "lower-case", "upper-case", "several-spaces"],
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


def test_text_keys_that_only_contain_a_sensitive_word_keep_their_value():
    text = "postcode=3000 keyword=tea status_code=500 has_access=yes tokens_page=2 guide=1"

    assert redact_text(text) == text


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
