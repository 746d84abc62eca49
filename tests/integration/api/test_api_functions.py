"""``/v1/functions`` on SQLite and PostgreSQL: admin-only creation and deletion, secrets
never shown, runs by hand and their records, problems naming the field."""

from __future__ import annotations

import sys

from apitest_support import Api, assert_problem

OTHER_ACCOUNT = "000000000000"
ECHO = [sys.executable, "-c", "import sys; sys.stdout.write(sys.stdin.read()); sys.exit(0)"]


def test_a_function_through_the_api(api: Api) -> None:
    created = api.post(
        "/v1/functions",
        json={
            "FunctionName": "echo",
            "Kind": "command",
            "Command": ECHO,
            "Environment": {"API_TOKEN": "s3cret-value"},
            "Timeout": 5,
        },
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["FunctionArn"] == "arn:aws:lambda:us-east-1:000000000000:function:echo"
    assert (body["Kind"], body["Command"], body["Timeout"]) == ("command", ECHO, 5)
    assert body["EnvironmentKeys"] == ["API_TOKEN"]
    listed = api.get("/v1/functions").json()["Functions"]
    described = api.get("/v1/functions/echo").json()
    assert [f["FunctionName"] for f in listed] == ["echo"]
    for text in (created.text, api.get("/v1/functions").text, str(described)):
        assert "s3cret-value" not in text

    run = api.post("/v1/functions/echo/invocations", json={"Payload": {"n": 1}})
    assert run.status_code == 200, run.text
    record = run.json()
    assert (record["State"], record["ExitStatus"], record["TimedOut"]) == ("SUCCEEDED", 0, False)
    assert record["OutputTail"] == '{"n": 1}'
    assert record["Source"] == "MANUAL"
    runs = api.get("/v1/functions/echo/invocations", params={"MaxItems": 10}).json()
    assert [r["InvocationId"] for r in runs["Invocations"]] == [record["InvocationId"]]

    assert api.delete("/v1/functions/echo").status_code == 204
    assert_problem(api.get("/v1/functions/echo"), 404)


def test_only_an_admin_token_creates_or_deletes_functions(api: Api) -> None:
    api.post("/v1/functions", json={"FunctionName": "ok", "Kind": "command", "Command": ECHO})
    token = api.container.tokens.create(name="ci", account=OTHER_ACCOUNT)
    plain = {"Authorization": f"Bearer {token}"}
    denied = api.client.post(
        "/v1/functions",
        json={"FunctionName": "evil", "Kind": "command", "Command": ["rm", "-rf", "/"]},
        headers=plain,
    )
    assert_problem(denied, 403)
    assert_problem(api.client.delete("/v1/functions/ok", headers=plain), 403)
    # Reading and running a function an admin registered is the account's business.
    assert api.client.get("/v1/functions/ok", headers=plain).status_code == 200
    run = api.client.post("/v1/functions/ok/invocations", json={}, headers=plain)
    assert run.json()["OutputTail"] == "{}"


def test_bad_input_is_a_problem_naming_the_field(api: Api) -> None:
    cases = [
        ({"FunctionName": "bad name", "Kind": "command", "Command": ECHO}, "FunctionName"),
        ({"FunctionName": "f", "Kind": "shell", "Command": ECHO}, "Kind"),
        ({"FunctionName": "f", "Kind": "command", "Command": ECHO, "Timeout": 901}, "Timeout"),
        ({"FunctionName": "f", "Kind": "python", "EntryPoint": "not-installed"}, "EntryPoint"),
        ({"FunctionName": "f", "Kind": "command", "Command": []}, "Command"),
    ]
    for body, field in cases:
        assert_problem(api.post("/v1/functions", json=body), 400, field)
    assert_problem(api.post("/v1/functions/none/invocations", json={}), 404)
    api.post("/v1/functions", json={"FunctionName": "f", "Kind": "command", "Command": ECHO})
    dup = api.post("/v1/functions", json={"FunctionName": "f", "Kind": "command", "Command": ECHO})
    assert_problem(dup, 409, "FunctionName")
    big = {"Payload": "x" * 262_200}
    assert_problem(api.post("/v1/functions/f/invocations", json=big), 400, "Payload")
