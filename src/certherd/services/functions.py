"""Functions: registering, listing and deleting them, running them (by hand or for a rule's
target) and the record of every run.

A function's environment may hold secrets: it is sealed by the key store into the secrets
table (so rotating the key-encryption key re-wraps it) and only its variable names are
ever shown. A run happens outside every transaction (it may take up to the function's
timeout); its record is written in a transaction of its own once it is over.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from certherd.domain.arns import ArnFactory, validate_account_id
from certherd.domain.clock import Clock
from certherd.domain.functions import (
    MAX_PAYLOAD_BYTES,
    Function,
    FunctionInvocation,
    InvocationSource,
    new_function,
    run_state,
    validate_function_name,
)
from certherd.domain.invocations import Invocation
from certherd.errors import ConflictError, KeyStoreError, NotFoundError, ValidationError
from certherd.services.function_ports import FunctionRunner
from certherd.services.ports import SecretBox, UnitOfWork, UnitOfWorkFactory

__all__ = ["MAX_INVOCATIONS_PAGE", "FunctionInvocationPage", "FunctionService"]

MAX_INVOCATIONS_PAGE: Final = 100


def _context(secret_id: str) -> str:
    # The id as associated data: a sealed environment cannot be moved to another function.
    return f"function-environment:{secret_id}"


@dataclass(frozen=True)
class FunctionInvocationPage:
    invocations: list[FunctionInvocation]
    next_token: str | None


class FunctionService:
    """The function use cases; safe to share between threads."""

    def __init__(
        self,
        *,
        uow: UnitOfWorkFactory,
        clock: Clock,
        arns: ArnFactory,
        secrets: SecretBox,
        runner: FunctionRunner,
        read_uow: UnitOfWorkFactory | None = None,
    ) -> None:
        self._uow = uow
        self._read_uow = read_uow or uow
        self._clock = clock
        self._arns = arns
        self._secrets = secrets
        self._runner = runner

    def arn(self, function: Function) -> str:
        return self._arns.function(function.account, function.name)

    def create(
        self,
        *,
        account: str,
        name: str,
        kind: str,
        command: Sequence[str] | None = None,
        entry_point: str | None = None,
        environment: Mapping[str, str] | None = None,
        working_directory: str | None = None,
        timeout_seconds: int | None = None,
        run_as: str | None = None,
        description: str | None = None,
    ) -> Function:
        """Register a function (see :func:`certherd.domain.functions.new_function` for the
        rules of each field).

        Raises ValidationError for bad input, an entry point no installed package
        publishes or a user certherd cannot run it as (see
        :meth:`~certherd.services.function_ports.FunctionRunner.check`), and ConflictError
        when the account has a function of that name."""
        validate_account_id(account)
        now = self._clock.now()
        secret_id = str(uuid.uuid4()) if environment else None
        function = new_function(
            id=str(uuid.uuid4()),
            account=account,
            name=name,
            kind=kind,
            created_at=now,
            command=command,
            entry_point=entry_point,
            environment=environment,
            environment_secret_id=secret_id,
            working_directory=working_directory,
            timeout_seconds=timeout_seconds,
            run_as=run_as,
            description=description,
        )
        self._runner.check(function)
        with self._uow() as uow:
            if uow.functions.get(account, name) is not None:
                raise ConflictError(f"function {name!r} already exists", field="FunctionName")
            if function.environment_secret_id is not None and environment:
                sealed = self._secrets.seal(
                    json.dumps(dict(environment)).encode(),
                    context=_context(function.environment_secret_id),
                )
                uow.secrets.add(function.environment_secret_id, sealed, created_at=now)
            uow.functions.add(function)
            uow.commit()
        return function

    def get(self, *, account: str, name: str) -> Function:
        """The function; NotFoundError when the account has none of that name."""
        validate_account_id(account)
        with self._read_uow() as uow:
            return _find(uow, account, name)

    def list(self, *, account: str) -> list[Function]:
        """The account's functions by name."""
        validate_account_id(account)
        with self._read_uow() as uow:
            return uow.functions.list(account)

    def delete(self, *, account: str, name: str) -> None:
        """Remove the function, its sealed environment and the records of its runs.
        NotFoundError when there is no such function. Rules targeting it stay; their
        deliveries then fail with NO_RESOURCE."""
        validate_account_id(account)
        with self._uow() as uow:
            function = _find(uow, account, name)
            uow.functions.delete(function.id)
            if function.environment_secret_id is not None:
                uow.secrets.delete(function.environment_secret_id)
            uow.commit()

    def invoke(self, *, account: str, name: str, payload: str) -> FunctionInvocation:
        """Run the function now with ``payload`` and wait for it; return the record of the
        run (whatever its outcome). NotFoundError when there is no such function;
        ValidationError (Payload) for a payload over 256 KiB."""
        validate_account_id(account)
        _check_payload(payload)
        function, environment = self._load(account, name)
        return self._run(function, environment, payload, source=InvocationSource.MANUAL)

    def run_for_target(
        self, invocation: Invocation, *, account: str, name: str
    ) -> FunctionInvocation:
        """Run the function ``name`` of ``account`` with a rule target's invocation's
        payload; return the record of the run. NotFoundError when there is no such
        function."""
        function, environment = self._load(account, name)
        return self._run(
            function,
            environment,
            invocation.payload,
            source=InvocationSource.RULE,
            rule_arn=invocation.rule_arn,
            event_id=invocation.event_id,
            target_invocation_id=invocation.id,
        )

    def run_for_subscription(
        self, *, account: str, name: str, payload: str, subscription_arn: str, message_id: str
    ) -> FunctionInvocation:
        """Run the function ``name`` of ``account`` with a topic's message (the Lambda
        event of SNS) for the ``lambda`` subscription ``subscription_arn``; return the
        record of the run. NotFoundError when there is no such function."""
        function, environment = self._load(account, name)
        return self._run(
            function,
            environment,
            payload,
            source=InvocationSource.TOPIC,
            subscription_arn=subscription_arn,
            message_id=message_id,
        )

    def invocations(
        self,
        *,
        account: str,
        name: str,
        max_items: int = 50,
        next_token: str | None = None,
    ) -> FunctionInvocationPage:
        """The function's runs, newest first, a page at a time. NotFoundError when there is
        no such function; ValidationError for ``max_items`` outside 1-100 (MaxItems) or a
        token not from a previous page (NextToken)."""
        validate_account_id(account)
        if not 1 <= max_items <= MAX_INVOCATIONS_PAGE:
            raise ValidationError(f"must be between 1 and {MAX_INVOCATIONS_PAGE}", field="MaxItems")
        before = _decode_token(next_token) if next_token else None
        with self._read_uow() as uow:
            function = _find(uow, account, name)
            found = uow.function_invocations.page(function.id, before=before, limit=max_items + 1)
        page = found[:max_items]
        token = str(page[-1][0]) if len(found) > max_items and page else None
        return FunctionInvocationPage([record for _, record in page], token)

    # -- running ----------------------------------------------------------------------------

    def _load(self, account: str, name: str) -> tuple[Function, dict[str, str]]:
        with self._read_uow() as uow:
            function = _find(uow, account, name)
            secret_id = function.environment_secret_id
            blob = uow.secrets.get(secret_id) if secret_id is not None else None
        if secret_id is None:
            return function, {}
        if blob is None:
            raise KeyStoreError(f"the environment of function {name!r} is missing")
        opened = json.loads(self._secrets.open(blob, context=_context(secret_id)))
        return function, {str(key): str(value) for key, value in opened.items()}

    def _run(
        self,
        function: Function,
        environment: Mapping[str, str],
        payload: str,
        *,
        source: InvocationSource,
        rule_arn: str | None = None,
        event_id: str | None = None,
        target_invocation_id: str | None = None,
        subscription_arn: str | None = None,
        message_id: str | None = None,
    ) -> FunctionInvocation:
        started = self._clock.now()
        outcome = self._runner.run(function, payload, environment)
        record = FunctionInvocation(
            id=str(uuid.uuid4()),
            account=function.account,
            function_id=function.id,
            function_name=function.name,
            source=source,
            started_at=started,
            duration_ms=outcome.duration_ms,
            state=run_state(outcome),
            output_tail=outcome.output_tail,
            timed_out=outcome.timed_out,
            exit_status=outcome.exit_status,
            error=outcome.error,
            rule_arn=rule_arn,
            event_id=event_id,
            target_invocation_id=target_invocation_id,
            subscription_arn=subscription_arn,
            message_id=message_id,
        )
        with self._uow() as uow:
            # The function may have been deleted while it ran: its run is then not kept.
            current = uow.functions.get(function.account, function.name)
            if current is not None and current.id == function.id:
                uow.function_invocations.add(record)
                uow.commit()
        return record


def _find(uow: UnitOfWork, account: str, name: str) -> Function:
    validate_function_name(name)
    function = uow.functions.get(account, name)
    if function is None:
        raise NotFoundError(f"function {name!r} does not exist", field="FunctionName")
    return function


def _check_payload(payload: str) -> None:
    if len(payload.encode()) > MAX_PAYLOAD_BYTES:
        raise ValidationError(
            f"must be at most {MAX_PAYLOAD_BYTES} bytes (256 KiB)", field="Payload"
        )


def _decode_token(token: str) -> int:
    if token.isdigit() and len(token) <= 18:
        return int(token)
    raise ValidationError("is not a token returned by a previous list call", field="NextToken")
