"""Functions on SQLite and PostgreSQL: registering them, running them by hand and as rule
targets (the event on stdin, exit statuses, the timeout, retries and the dead-letter
queue), python entry points, and the record of every run."""

from __future__ import annotations

import json
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from certherd.bootstrap import Container
from certherd.domain.clock import FixedClock
from certherd.domain.functions import FunctionKind, InvocationSource, RunState
from certherd.domain.invocations import InvocationState
from certherd.errors import ConflictError, NotFoundError, ValidationError

sys.path.insert(0, str(Path(__file__).parent))

from delivery_support import invocations, put_event, queue_arn, receive_all, rule_to

#: Writes its standard input to the file named by its argument.
COPY_STDIN = "import sys; open(sys.argv[1], 'w').write(sys.stdin.read())"


def _arn(account: str, name: str) -> str:
    return f"arn:aws:lambda:us-east-1:{account}:function:{name}"


def test_functions_are_created_listed_described_and_deleted(
    container: Container, account: str
) -> None:
    made = container.functions.create(
        account=account,
        name="hook",
        kind="command",
        command=["/bin/cat"],
        environment={"API_TOKEN": "s3cret"},
        working_directory="/tmp",
        timeout_seconds=5,
        description="copies its input",
    )
    container.functions.create(
        account=account, name="logger", kind="python", entry_point="log-event"
    )
    assert container.functions.arn(made) == _arn(account, "hook")
    assert [f.name for f in container.functions.list(account=account)] == ["hook", "logger"]
    shown = container.functions.get(account=account, name="hook")
    assert shown == made
    assert shown.environment_keys == ("API_TOKEN",)
    # The values are sealed in the secrets table, never in the function's row.
    assert made.environment_secret_id is not None
    with container.uow() as uow:
        blob = uow.secrets.get(made.environment_secret_id)
    assert blob is not None and b"s3cret" not in blob

    with pytest.raises(ConflictError):
        container.functions.create(account=account, name="hook", kind="command", command=["x"])
    container.functions.delete(account=account, name="hook")
    with pytest.raises(NotFoundError):
        container.functions.get(account=account, name="hook")
    with container.uow() as uow:
        assert uow.secrets.get(made.environment_secret_id) is None
    assert [f.name for f in container.functions.list(account=account)] == ["logger"]


def test_what_cannot_run_here_is_refused_at_creation(container: Container, account: str) -> None:
    with pytest.raises(ValidationError) as caught:
        container.functions.create(
            account=account, name="p", kind="python", entry_point="no-such-plugin"
        )
    assert caught.value.field == "EntryPoint"
    with pytest.raises(ValidationError) as caught:
        container.functions.create(
            account=account, name="u", kind="command", command=["true"], run_as="no-such-user"
        )
    assert caught.value.field == "RunAs"
    assert container.functions.list(account=account) == []


def test_a_command_gets_the_payload_on_stdin_and_its_environment(
    container: Container, account: str, tmp_path: Path
) -> None:
    out = tmp_path / "event.json"
    script = (
        "import os, sys; data = sys.stdin.read(); "
        "open(sys.argv[1], 'w').write(data); "
        "print('token', os.environ['API_TOKEN'], 'home', os.environ.get('CERTHERD_MASTER_KEY'))"
    )
    container.functions.create(
        account=account,
        name="copy",
        kind="command",
        command=[sys.executable, "-c", script, str(out)],
        environment={"API_TOKEN": "t-123"},
    )
    record = container.functions.invoke(account=account, name="copy", payload='{"n": 1}')
    assert (record.state, record.exit_status, record.timed_out) == (RunState.SUCCEEDED, 0, False)
    assert record.source is InvocationSource.MANUAL
    assert json.loads(out.read_text()) == {"n": 1}
    assert "token t-123 home None" in record.output_tail

    [listed] = container.functions.invocations(account=account, name="copy").invocations
    assert listed == record


def test_exit_statuses_are_recorded_newest_first_a_page_at_a_time(
    container: Container, account: str
) -> None:
    container.functions.create(
        account=account,
        name="exit",
        kind="command",
        command=[sys.executable, "-c", "import sys, json; sys.exit(json.load(sys.stdin))"],
    )
    for status in (0, 3, 7):
        container.functions.invoke(account=account, name="exit", payload=str(status))
    first = container.functions.invocations(account=account, name="exit", max_items=2)
    assert [(r.state, r.exit_status) for r in first.invocations] == [
        (RunState.FAILED, 7),
        (RunState.FAILED, 3),
    ]
    assert first.next_token is not None
    rest = container.functions.invocations(
        account=account, name="exit", max_items=2, next_token=first.next_token
    )
    assert [(r.state, r.exit_status) for r in rest.invocations] == [(RunState.SUCCEEDED, 0)]
    assert rest.next_token is None
    with pytest.raises(ValidationError):
        container.functions.invocations(account=account, name="exit", next_token="nope")


def test_a_python_entry_point_gets_the_event(container: Container, account: str) -> None:
    function = container.functions.create(
        account=account, name="logger", kind="python", entry_point="log-event", timeout_seconds=20
    )
    assert function.kind is FunctionKind.PYTHON
    event = {"detail-type": "ACM Certificate Available", "detail": {"n": 1}}
    record = container.functions.invoke(account=account, name="logger", payload=json.dumps(event))
    assert record.state is RunState.SUCCEEDED, record.output_tail
    assert '"detail-type": "ACM Certificate Available"' in record.output_tail
    assert '{"logged": true, "detail-type": "ACM Certificate Available"}' in record.output_tail


def test_a_rule_runs_a_function_with_the_event(
    container: Container, account: str, clock: FixedClock, tmp_path: Path
) -> None:
    out = tmp_path / "event.json"
    container.functions.create(
        account=account,
        name="copy",
        kind="command",
        command=[sys.executable, "-c", COPY_STDIN, str(out)],
    )
    rule_arn = rule_to(container, account, {"Id": "f", "Arn": _arn(account, "copy")})
    event_id = put_event(container, account, level=3)
    container.router.route_all(clock.now())
    assert container.delivery.deliver_due(clock.now()) == 1

    [invocation] = invocations(container, account, event_id)
    assert invocation.state is InvocationState.SUCCEEDED
    delivered = json.loads(out.read_text())
    assert (delivered["id"], delivered["detail"]) == (event_id, {"level": 3})
    [run] = container.functions.invocations(account=account, name="copy").invocations
    assert (run.source, run.rule_arn, run.event_id, run.target_invocation_id) == (
        InvocationSource.RULE,
        rule_arn,
        event_id,
        invocation.id,
    )


def test_a_hanging_function_is_killed_retried_and_dead_lettered(
    container: Container, account: str, clock: FixedClock
) -> None:
    container.queues.create(account=account, name="dlq")
    container.functions.create(
        account=account, name="hang", kind="command", command=["sleep", "30"], timeout_seconds=1
    )
    rule_to(
        container,
        account,
        {
            "Id": "f",
            "Arn": _arn(account, "hang"),
            "RetryPolicy": {"MaximumRetryAttempts": 1},
            "DeadLetterConfig": {"Arn": queue_arn(account, "dlq")},
        },
    )
    event_id = put_event(container, account)
    container.router.route_all(clock.now())
    assert container.delivery.deliver_due(clock.now()) == 1
    [invocation] = invocations(container, account, event_id)
    assert (invocation.state, invocation.attempts) == (InvocationState.PENDING, 1)
    assert invocation.last_error_code == "TIMEOUT"

    clock.advance(timedelta(seconds=2))  # past the first retry's backoff (at most 1 s)
    assert container.delivery.deliver_due(clock.now()) == 1
    [invocation] = invocations(container, account, event_id)
    assert (invocation.state, invocation.attempts) == (InvocationState.DEAD_LETTERED, 2)
    assert "killed at its timeout" in (invocation.last_error_message or "")
    [dead] = receive_all(container, account, "dlq")
    assert dead.message_attributes["ERROR_CODE"].string_value == "TIMEOUT"
    assert json.loads(dead.body)["id"] == event_id

    runs = container.functions.invocations(account=account, name="hang").invocations
    assert [(r.state, r.timed_out) for r in runs] == [(RunState.TIMED_OUT, True)] * 2
    assert all(r.target_invocation_id == invocation.id for r in runs)


@pytest.mark.parametrize(
    ("create", "code", "message"),
    [
        (False, "NO_RESOURCE", "function gone does not exist"),
        (True, "INTERNAL_ERROR", "could not be started"),
    ],
)
def test_a_function_that_cannot_run_is_not_retried(
    container: Container,
    account: str,
    clock: FixedClock,
    create: bool,
    code: str,
    message: str,
) -> None:
    if create:
        container.functions.create(
            account=account, name="gone", kind="command", command=["/nonexistent/program"]
        )
    container.queues.create(account=account, name="dlq")
    rule_to(
        container,
        account,
        {
            "Id": "f",
            "Arn": _arn(account, "gone"),
            "DeadLetterConfig": {"Arn": queue_arn(account, "dlq")},
        },
    )
    event_id = put_event(container, account)
    container.router.route_all(clock.now())
    container.delivery.deliver_due(clock.now())
    [invocation] = invocations(container, account, event_id)
    assert (invocation.state, invocation.attempts) == (InvocationState.DEAD_LETTERED, 1)
    assert invocation.last_error_code == code
    assert message in (invocation.last_error_message or "")
