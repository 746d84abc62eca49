"""Errors become one line: the problem's detail naming the field, or what to do next."""

from __future__ import annotations

import socket
from pathlib import Path

import httpx
import pytest

from certherd.entrypoints.cli.client import ApiClient, resource_id
from certherd.entrypoints.cli.connection import Connection
from certherd.entrypoints.cli.errors import (
    ApiError,
    CliError,
    parse_problem,
    problem_message,
    unauthorized_message,
)

CREDENTIALS = Path("/srv/certherd/credentials.json")
CERT_ID = "3f1c2a9e-8d4b-4c55-9d11-2b7e0c9a6f10"
CERT_ARN = f"arn:aws:acm:us-east-1:000000000000:certificate/{CERT_ID}"
CA_ID = "0e4f6a3c-1111-2222-3333-444455556666"
CA_ARN = f"arn:aws:acm-pca:us-east-1:000000000000:certificate-authority/{CA_ID}"


def connection(token: str | None = "chd_t", source: str | None = "--token") -> Connection:
    return Connection(
        url="http://127.0.0.1:1",
        token=token,
        token_source=source,
        credentials_file=CREDENTIALS,
        credentials_problem=None if token else f"{CREDENTIALS} does not exist",
    )


def test_problem_detail_is_the_message() -> None:
    problem = parse_problem(
        400,
        {
            "type": "https://certherd.dev/problems/validation-error",
            "title": "ValidationError",
            "status": 400,
            "detail": "DomainName: label 'ab--c' is not allowed",
            "field": "DomainName",
            "code": "ValidationError",
        },
    )
    assert problem_message(problem) == "DomainName: label 'ab--c' is not allowed"


def test_field_is_prefixed_when_the_detail_does_not_name_it() -> None:
    problem = parse_problem(400, {"detail": "must not be empty", "field": "DomainName"})
    assert problem_message(problem) == "DomainName: must not be empty"


def test_multi_line_details_become_one_line() -> None:
    problem = parse_problem(409, {"detail": "the CA is\n  DISABLED", "code": "InvalidState"})
    assert problem_message(problem) == "the CA is DISABLED"


def test_without_a_problem_body_the_status_is_shown() -> None:
    assert problem_message(parse_problem(502, None), reason="Bad Gateway") == "HTTP 502 Bad Gateway"
    assert problem_message(parse_problem(404, {"title": "ResourceNotFound"})) == "ResourceNotFound"


def test_401_without_a_token_says_where_the_credentials_file_should_be() -> None:
    message = unauthorized_message(
        parse_problem(401, {"detail": "a bearer token is required"}),
        token_source=None,
        credentials_file=CREDENTIALS,
        credentials_problem=f"{CREDENTIALS} does not exist",
    )
    assert "no API token" in message
    assert str(CREDENTIALS) in message
    assert "CERTHERD_TOKEN" in message and "certherd serve" in message
    assert "\n" not in message


def test_401_with_a_token_says_which_token_was_rejected() -> None:
    message = unauthorized_message(
        parse_problem(401, {"detail": "the bearer token is not valid"}),
        token_source="CERTHERD_TOKEN",
        credentials_file=CREDENTIALS,
        credentials_problem=None,
    )
    assert "rejected" in message and "CERTHERD_TOKEN" in message and str(CREDENTIALS) in message


def answering(status: int, body: object, content_type: str = "application/problem+json"):
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.headers["Authorization"] == "Bearer chd_t"
        assert request.headers["X-Certherd-Account"] == "111122223333"
        return httpx.Response(status, json=body, headers={"Content-Type": content_type})

    return httpx.MockTransport(handler)


def test_client_turns_a_problem_into_an_api_error() -> None:
    body = {
        "status": 400,
        "detail": "DomainName: is not a valid domain name",
        "field": "DomainName",
    }
    client = ApiClient(connection(), account="111122223333", transport=answering(400, body))
    with pytest.raises(ApiError) as caught:
        client.post("/v1/certificates", {"DomainName": "-bad-"})
    assert caught.value.exit_code == 1
    assert caught.value.status == 400
    assert caught.value.message == "DomainName: is not a valid domain name"


def test_client_renders_401_with_the_credentials_hint() -> None:
    client = ApiClient(
        connection(), account="111122223333", transport=answering(401, {"detail": "nope"})
    )
    with pytest.raises(ApiError) as caught:
        client.get("/v1/certificates")
    assert "unauthorized" in caught.value.message and str(CREDENTIALS) in caught.value.message


def test_connection_refused_tells_to_start_the_server() -> None:
    with socket.socket() as probe:  # a port that nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    refused = Connection(f"http://127.0.0.1:{port}", "t", "--token", CREDENTIALS)
    with pytest.raises(CliError) as caught:
        ApiClient(refused).get("/v1/certificates")
    message = caught.value.message
    assert "connection refused" in message
    assert "certherd serve" in message and "CERTHERD_URL" in message
    assert caught.value.exit_code == 1


@pytest.mark.parametrize(
    ("value", "kind", "expected"),
    [
        (CERT_ARN, "certificate", CERT_ID),
        (CERT_ID, "certificate", CERT_ID),
        (f"  {CERT_ARN} ", "certificate", CERT_ID),
        (CA_ARN, "certificate-authority", CA_ID),
        (CA_ID, "certificate-authority", CA_ID),
    ],
)
def test_resource_id_takes_the_last_segment_of_an_arn(value: str, kind: str, expected: str) -> None:
    assert resource_id(value, kind=kind) == expected


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        (CA_ARN, "certificate"),
        (CERT_ARN, "certificate-authority"),
        (f"{CA_ARN}/certificate/0a1b", "certificate-authority"),
        ("arn:aws:acm:us-east-1:000000000000", "certificate"),
        ("../../etc/passwd", "certificate"),
        ("", "certificate"),
    ],
)
def test_resource_id_refuses_other_things_as_usage_errors(value: str, kind: str) -> None:
    with pytest.raises(CliError) as caught:
        resource_id(value, kind=kind)
    assert caught.value.exit_code == 2
