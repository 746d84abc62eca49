"""``/v1/connections`` and ``/v1/api-destinations`` over HTTP, on SQLite and PostgreSQL:
EventBridge's shapes, secrets never shown, problems naming the field."""

from __future__ import annotations

from apitest_support import Api, assert_problem

SECRET = "api-key-secret-0d93"


def _connection(api: Api, name: str = "jira") -> dict[str, object]:
    made = api.post(
        "/v1/connections",
        json={
            "Name": name,
            "AuthorizationType": "API_KEY",
            "AuthParameters": {
                "ApiKeyAuthParameters": {"ApiKeyName": "X-Api-Key", "ApiKeyValue": SECRET},
                "InvocationHttpParameters": {
                    "HeaderParameters": [{"Key": "X-Team", "Value": "ops"}]
                },
            },
        },
    )
    assert made.status_code == 200, made.text
    body: dict[str, object] = made.json()
    return body


def test_connections_and_destinations_crud(api: Api) -> None:
    made = _connection(api)
    assert made["ConnectionState"] == "AUTHORIZED"
    assert str(made["ConnectionArn"]).startswith("arn:aws:events:us-east-1:")
    described = api.get("/v1/connections/jira")
    assert SECRET not in described.text
    assert described.json()["AuthParameters"]["ApiKeyAuthParameters"] == {"ApiKeyName": "X-Api-Key"}
    assert [c["Name"] for c in api.get("/v1/connections").json()["Connections"]] == ["jira"]

    destination = api.post(
        "/v1/api-destinations",
        json={
            "Name": "tickets",
            "ConnectionArn": made["ConnectionArn"],
            "InvocationEndpoint": "https://tickets.example.com/rest/api/2/issue",
            "HttpMethod": "POST",
        },
    )
    assert destination.status_code == 200, destination.text
    shown = destination.json()
    assert shown["ApiDestinationState"] == "ACTIVE"
    assert shown["InvocationRateLimitPerSecond"] == 300
    assert "api-destination/tickets/" in shown["ApiDestinationArn"]
    changed = api.patch("/v1/api-destinations/tickets", json={"InvocationRateLimitPerSecond": 5})
    assert changed.json()["InvocationRateLimitPerSecond"] == 5
    assert_problem(api.delete("/v1/connections/jira"), 409)
    assert api.delete("/v1/api-destinations/tickets").status_code == 200
    assert api.delete("/v1/connections/jira").json()["ConnectionState"] == "DELETING"
    assert_problem(api.get("/v1/connections/jira"), 404)


def test_bad_input_is_a_problem_naming_the_field(api: Api) -> None:
    made = _connection(api)
    wrong = api.post(
        "/v1/connections",
        json={"Name": "x", "AuthorizationType": "BASIC", "AuthParameters": {}},
    )
    assert_problem(wrong, 400, "AuthParameters.BasicAuthParameters")
    for endpoint in ("http://169.254.169.254/", "http://metadata.google.internal/", "ftp://x/"):
        refused = api.post(
            "/v1/api-destinations",
            json={
                "Name": "meta",
                "ConnectionArn": made["ConnectionArn"],
                "InvocationEndpoint": endpoint,
                "HttpMethod": "POST",
            },
        )
        assert_problem(refused, 400, "InvocationEndpoint")
    bad_method = api.post(
        "/v1/api-destinations",
        json={
            "Name": "m",
            "ConnectionArn": made["ConnectionArn"],
            "InvocationEndpoint": "https://example.com/",
            "HttpMethod": "TRACE",
        },
    )
    assert_problem(bad_method, 400, "HttpMethod")
