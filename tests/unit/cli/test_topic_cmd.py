"""``certherd topic``: what each command sends, how it shows the answer, and its errors."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from clitest_support import FakeApi
from typer.testing import CliRunner, Result

from certherd.entrypoints.cli.main import app

runner = CliRunner()
ACCOUNT = "111122223333"
ARN = f"arn:aws:sns:us-east-1:{ACCOUNT}:alerts"
POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Sid": "own", "Effect": "Allow", "Principal": {"AWS": ACCOUNT}}],
}
TOPIC = {
    "TopicArn": ARN,
    "Name": "alerts",
    "Attributes": {
        "Policy": json.dumps(POLICY, separators=(",", ":")),
        "Owner": ACCOUNT,
        "SubscriptionsPending": "1",
        "TopicArn": ARN,
        "EffectiveDeliveryPolicy": '{"http":{"defaultHealthyRetryPolicy":{"numRetries":3}}}',
        "SubscriptionsConfirmed": "2",
        "DisplayName": "Ops alerts",
        "SubscriptionsDeleted": "0",
        "SignatureVersion": "2",
        "KmsMasterKeyId": "alias/aws/sns",
    },
    "Tags": [{"Key": "team", "Value": "ops"}],
}


def run(*args: str, stdin: str | None = None) -> Result:
    return runner.invoke(app, list(args), input=stdin)


# -- create ---------------------------------------------------------------------------------


def test_create_sends_the_attributes_and_tags_and_prints_the_arn(
    fake_api: FakeApi, tmp_path: Path
) -> None:
    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps(POLICY) + "\n")
    fake_api.answer("POST", "/v1/topics", TOPIC)
    result = run(
        "topic", "create", "alerts", "--display-name", "Ops alerts", "--encrypt",
        "--signature-version", "2", "--attribute", f"Policy=@{policy}",
        "--attribute", "DeliveryPolicy={}", "--tag", "team=ops", "--tag", "flag",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.stdout == ARN + "\n"
    assert fake_api.only.body == {
        "Name": "alerts",
        "Attributes": {
            "Policy": json.dumps(POLICY),  # the file, less its final line end
            "DeliveryPolicy": "{}",
            "DisplayName": "Ops alerts",
            "KmsMasterKeyId": "alias/aws/sns",
            "SignatureVersion": "2",
        },
        "Tags": [{"Key": "team", "Value": "ops"}, {"Key": "flag", "Value": ""}],
    }


def test_create_with_nothing_but_a_name_and_a_key_id(fake_api: FakeApi) -> None:
    fake_api.answer("POST", "/v1/topics", TOPIC)
    assert run("topic", "create", "alerts").exit_code == 0
    assert fake_api.calls[-1].body == {"Name": "alerts"}
    assert run("topic", "create", "alerts", "--encrypt", "--kms-key-id", "k-1").exit_code == 0
    assert fake_api.calls[-1].body == {"Name": "alerts", "Attributes": {"KmsMasterKeyId": "k-1"}}


def test_create_json_output_is_the_answer(fake_api: FakeApi) -> None:
    fake_api.answer("POST", "/v1/topics", TOPIC)
    result = run("topic", "create", "alerts", "-o", "json")
    assert json.loads(result.stdout) == TOPIC


def test_an_at_at_value_is_a_literal_at(fake_api: FakeApi) -> None:
    fake_api.answer("POST", "/v1/topics", TOPIC)
    assert run("topic", "create", "alerts", "--attribute", "DisplayName=@@ops").exit_code == 0
    assert fake_api.only.body["Attributes"] == {"DisplayName": "@ops"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--attribute", "novalue"], "give NAME=VALUE"),
        (["--attribute", "=x"], "give NAME=VALUE"),
        (["--attribute", "A=1", "--attribute", "A=2"], "A is given twice"),
        (["--attribute", "DisplayName=x", "--display-name", "y"], "DisplayName is also given"),
        (["--attribute", "Policy=@missing.json"], "Policy file missing.json does not exist"),
        (["--signature-version", "3"], "3"),
        (["--tag", "=v"], "a tag needs a key"),
    ],
)
def test_create_usage_errors_exit_2_before_any_request(
    args: list[str],
    message: str,
    fake_api: FakeApi,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    result = run("topic", "create", "alerts", *args)
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert fake_api.calls == []


# -- list, describe, delete -----------------------------------------------------------------


def test_list_follows_every_page(fake_api: FakeApi) -> None:
    first = {"Topics": [_summary("alerts", encrypted=True)], "NextToken": "t2"}
    second = {"Topics": [_summary("audit", encrypted=False)], "NextToken": None}
    fake_api.answer("GET", "/v1/topics", first, second)
    result = run("topic", "list")
    assert result.exit_code == 0, result.output
    assert [c.params for c in fake_api.calls] == [{}, {"NextToken": "t2"}]
    lines = result.stdout.splitlines()
    assert lines[0].split()[:3] == ["Name", "Display", "name"]
    assert lines[1].split()[:5] == ["alerts", "Alerts", "yes", "2", "1"]
    assert lines[2].split()[:5] == ["audit", "Audit", "no", "2", "1"]


def test_list_json_is_every_topic(fake_api: FakeApi) -> None:
    fake_api.answer("GET", "/v1/topics", {"Topics": [_summary("a", encrypted=False)]})
    listed = json.loads(run("topic", "list", "-o", "json").stdout)
    assert [t["Name"] for t in listed["Topics"]] == ["a"]
    fake_api.answer("GET", "/v1/topics", {"Topics": []})
    empty = run("topic", "list")
    assert (empty.exit_code, empty.stdout, empty.stderr) == (0, "", "no topics\n")


def _summary(name: str, *, encrypted: bool) -> dict[str, object]:
    return {
        "TopicArn": f"arn:aws:sns:us-east-1:{ACCOUNT}:{name}",
        "Name": name,
        "DisplayName": name.title(),
        "Encrypted": encrypted,
        "SubscriptionsConfirmed": 2,
        "SubscriptionsPending": 1,
    }


def test_describe_shows_the_attributes_readably(fake_api: FakeApi) -> None:
    fake_api.answer("GET", "/v1/topics/alerts", TOPIC)
    result = run("topic", "describe", "alerts")
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert _line(text, "TopicArn") == f"TopicArn {ARN}"
    assert _line(text, "Encrypted") == "Encrypted yes (alias/aws/sns)"
    assert _line(text, "Subscriptions") == "Subscriptions 2 confirmed, 1 pending, 0 deleted"
    assert _line(text, "SignatureVersion") == "SignatureVersion 2"
    assert _line(text, "Tags") == "Tags team=ops"
    # The policy, pretty-printed and indented under its title.
    assert "\nPolicy\n" in text
    assert '\n  {\n    "Version": "2012-10-17",\n    "Statement": [\n' in text
    assert '"numRetries": 3' in text


def test_describe_an_unencrypted_topic_by_arn(fake_api: FakeApi) -> None:
    attributes = {k: v for k, v in TOPIC["Attributes"].items() if k != "KmsMasterKeyId"}  # type: ignore[attr-defined]
    plain = {**TOPIC, "Attributes": attributes}
    fake_api.answer("GET", f"/v1/topics/{ARN}", plain)
    result = run("topic", "describe", ARN)
    assert result.exit_code == 0, result.output
    assert _line(result.stdout, "Encrypted") == "Encrypted no"
    assert fake_api.only.raw_path == "/v1/topics/" + ARN.replace(":", "%3A")
    as_json = run("topic", "describe", ARN, "--output", "json")
    assert json.loads(as_json.stdout) == plain


def _line(text: str, key: str) -> str:
    found = [line for line in text.splitlines() if line.split(" ", 1)[0] == key]
    assert len(found) == 1, text
    return " ".join(found[0].split())


def test_delete(fake_api: FakeApi) -> None:
    fake_api.answer("DELETE", "/v1/topics/alerts", None, status=204)
    result = run("topic", "delete", "alerts")
    assert (result.exit_code, result.stdout) == (0, "deleted topic alerts\n")
    assert fake_api.only.method == "DELETE"
    assert json.loads(run("topic", "delete", "alerts", "-o", "json").stdout) == {}


# -- set-attribute, allow-events -------------------------------------------------------------


def test_set_attribute_reads_a_policy_file(fake_api: FakeApi, tmp_path: Path) -> None:
    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps(POLICY, indent=2) + "\n")
    fake_api.answer("PUT", "/v1/topics/alerts/attributes/Policy", TOPIC)
    result = run("topic", "set-attribute", "alerts", "Policy", f"@{policy}")
    assert result.exit_code == 0, result.output
    assert fake_api.only.body == {"AttributeValue": json.dumps(POLICY, indent=2)}
    assert _line(result.stdout, "Encrypted") == "Encrypted yes (alias/aws/sns)"


def test_set_attribute_inline_and_from_stdin(fake_api: FakeApi) -> None:
    fake_api.answer("PUT", "/v1/topics/alerts/attributes/DisplayName", TOPIC)
    fake_api.answer("PUT", "/v1/topics/alerts/attributes/KmsMasterKeyId", TOPIC)
    assert run("topic", "set-attribute", "alerts", "DisplayName", "Ops").exit_code == 0
    assert run("topic", "set-attribute", "alerts", "KmsMasterKeyId", "").exit_code == 0
    piped = run("topic", "set-attribute", "alerts", "DisplayName", "@-", stdin="From stdin\n")
    assert piped.exit_code == 0, piped.output
    assert [c.body for c in fake_api.calls] == [
        {"AttributeValue": "Ops"},
        {"AttributeValue": ""},
        {"AttributeValue": "From stdin"},
    ]


def test_allow_events_for_any_rule_or_one(fake_api: FakeApi) -> None:
    rule = f"arn:aws:events:us-east-1:{ACCOUNT}:rule/expiring"
    fake_api.answer("POST", "/v1/topics/alerts/allow-events", TOPIC)
    anyone = run("topic", "allow-events", "alerts")
    assert anyone.exit_code == 0, anyone.output
    assert "any rule of the topic's account" in anyone.stdout
    one = run("topic", "allow-events", "alerts", "--rule", rule)
    assert rule in one.stdout
    assert [c.body for c in fake_api.calls] == [{}, {"RuleArn": rule}]


# -- publish --------------------------------------------------------------------------------


def test_publish_sends_subject_attributes_and_structure(fake_api: FakeApi, tmp_path: Path) -> None:
    blob = tmp_path / "blob.bin"
    blob.write_bytes(b"\x00\xffdata")
    fake_api.answer("POST", "/v1/topics/alerts/publish", {"MessageId": "m-1"})
    message = '{"default": "hi", "email": "Hello"}'
    result = run(
        "topic", "publish", "alerts", "--message", message, "--subject", "Expiring",
        "--attribute", "level=high", "--attribute", "days:Number=7",
        "--attribute", 'names:String.Array=["a","b"]', "--attribute", "raw:Binary=AAE=",
        "--attribute", f"file:Binary=@{blob}", "--attribute", "ratio:Number.float=0.5",
        "--attribute", "eq=a=b", "--structure", "json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.stdout == "m-1\n"
    assert fake_api.only.body == {
        "Message": message,
        "Subject": "Expiring",
        "MessageAttributes": {
            "level": {"DataType": "String", "StringValue": "high"},
            "days": {"DataType": "Number", "StringValue": "7"},
            "names": {"DataType": "String.Array", "StringValue": '["a","b"]'},
            "raw": {"DataType": "Binary", "BinaryValue": "AAE="},
            "file": {
                "DataType": "Binary",
                "BinaryValue": base64.b64encode(b"\x00\xffdata").decode(),
            },
            "ratio": {"DataType": "Number.float", "StringValue": "0.5"},
            "eq": {"DataType": "String", "StringValue": "a=b"},
        },
        "MessageStructure": "json",
    }


def test_publish_from_a_file_or_stdin(fake_api: FakeApi, tmp_path: Path) -> None:
    fake_api.answer("POST", f"/v1/topics/{ARN}/publish", {"MessageId": "m-2"})
    text = tmp_path / "message.txt"
    text.write_text("line 1\nline 2\n")
    from_file = run("topic", "publish", ARN, "--message-file", str(text), "-o", "json")
    assert json.loads(from_file.stdout) == {"MessageId": "m-2"}
    from_stdin = run("topic", "publish", ARN, "--message-file", "-", stdin="piped")
    assert from_stdin.exit_code == 0, from_stdin.output
    assert [c.body for c in fake_api.calls] == [
        {"Message": "line 1\nline 2\n"},
        {"Message": "piped"},
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "--message or --message-file"),
        (["-m", "a", "--message-file", "f"], "--message or --message-file"),
        (["-m", "a", "--attribute", "n:Float=1"], "the type must be String, Number"),
        (["-m", "a", "--attribute", "b:Binary=not base64!"], "a Binary value is base64"),
        (["-m", "a", "--attribute", "b:Binary=@nope.bin"], "nope.bin cannot be read"),
        (["-m", "a", "--attribute", "x=1", "--attribute", "x=2"], "x is given twice"),
        (["-m", "a", "--attribute", ":String=1"], "NAME:TYPE=VALUE"),
        (["-m", "a", "--structure", "xml"], "xml"),
        (["--message-file", "absent.txt"], "message file absent.txt does not exist"),
    ],
)
def test_publish_usage_errors_exit_2(
    args: list[str],
    message: str,
    fake_api: FakeApi,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    result = run("topic", "publish", "alerts", *args)
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert fake_api.calls == []


# -- naming topics, and the server's errors ---------------------------------------------------


@pytest.mark.parametrize(
    ("topic", "message"),
    [
        ("bad name", "'bad name' is neither a topic name nor a topic ARN"),
        ("a.fifo", "is neither a topic name"),
        (f"arn:aws:sqs:us-east-1:{ACCOUNT}:alerts", "is not a topic ARN"),
        (f"{ARN}:3f1c2a9e-8d4b-4c55-9d11-2b7e0c9a6f10", "is not a topic ARN"),
    ],
)
def test_what_names_no_topic_is_a_usage_error(topic: str, message: str, fake_api: FakeApi) -> None:
    result = run("topic", "describe", topic)
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ") and message in result.stderr
    assert fake_api.calls == []


def test_a_problem_is_one_line_and_exit_1(fake_api: FakeApi) -> None:
    problem = {
        "status": 404,
        "title": "NotFound",
        "detail": "Topic does not exist",
        "field": "TopicArn",
    }
    fake_api.answer("GET", "/v1/topics/gone", problem, status=404)
    result = run("topic", "describe", "gone")
    assert result.exit_code == 1
    assert result.stderr == "error: TopicArn: Topic does not exist\n"
    assert result.stdout == ""


def test_a_refused_attribute_names_the_field(fake_api: FakeApi) -> None:
    problem = {
        "status": 400,
        "detail": "Invalid parameter: SignatureVersion: Invalid value [3]. Use either 1 or 2",
        "field": "Attributes.SignatureVersion",
    }
    fake_api.answer("PUT", "/v1/topics/alerts/attributes/SignatureVersion", problem, status=400)
    result = run("topic", "set-attribute", "alerts", "SignatureVersion", "3", "-o", "json")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: Attributes.SignatureVersion: Invalid parameter")
    assert len(result.stderr.splitlines()) == 1 and result.stdout == ""
