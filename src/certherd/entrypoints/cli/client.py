"""The HTTP client the commands use: JSON in and out, problems turned into :class:`ApiError`.

Every request carries ``Authorization: Bearer <token>`` (when there is a token) and
``X-Certherd-Account`` (when ``--account`` was given). Transport failures and error
answers become :class:`CliError` / :class:`ApiError` with a message fit for one line.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, Final
from urllib.parse import quote

import httpx

from certherd import __version__ as _version
from certherd.entrypoints.cli.connection import Connection
from certherd.entrypoints.cli.errors import (
    ApiError,
    CliError,
    parse_problem,
    problem_message,
    unauthorized_message,
)

__all__ = ["ApiClient", "Params", "authority_arn", "ca_path", "cert_path", "path", "resource_id"]

#: Query parameters: a value, or a list of values for a repeated parameter.
Params = Mapping[str, str | int | Sequence[str] | None]

_TIMEOUT: Final = httpx.Timeout(60.0, connect=10.0)
_ID_RE: Final = re.compile(r"[A-Za-z0-9._:-]+")


def resource_id(value: str, *, kind: str) -> str:
    """The id in a resource's URL path: the last segment of an ARN, or ``value`` itself.

    ``kind`` is the ARN's resource type (``certificate``, ``certificate-authority``); an ARN
    of another type is refused, so that a certificate ARN given to a CA command says so.
    Raises CliError with exit code 2 (a usage error) for what is neither.
    """
    text = value.strip()
    if text.startswith("arn:"):
        fields = text.split(":", 5)
        parts = fields[5].split("/") if len(fields) == 6 else []
        if len(parts) != 2 or parts[0] != kind or not parts[1]:
            raise CliError(f"{value!r} is not a {kind} ARN", exit_code=2)
        text = parts[1]
    if not _ID_RE.fullmatch(text):
        raise CliError(f"{value!r} is neither a {kind} ARN nor an id", exit_code=2)
    return text


def authority_arn(client: ApiClient, value: str) -> str:
    """The full ARN of a CA given by ARN or id (an id is looked up: the API wants ARNs)."""
    if value.strip().startswith("arn:"):
        resource_id(value, kind="certificate-authority")  # refuse other ARNs early
        return value.strip()
    found = client.get(ca_path(value))
    arn = found.get("Arn") if isinstance(found, dict) else None
    if not isinstance(arn, str):
        raise CliError(f"the server did not describe the certificate authority {value!r}")
    return arn


def path(*segments: str) -> str:
    """``/v1/...`` with each segment percent-encoded (ids never contain ``/``)."""
    return "/v1/" + "/".join(quote(segment, safe="") for segment in segments)


def ca_path(arn: str, *rest: str) -> str:
    """The API path of the certificate authority ``arn`` (or id), with ``rest`` appended."""
    return path("certificate-authorities", resource_id(arn, kind="certificate-authority"), *rest)


def cert_path(arn: str, *rest: str) -> str:
    """The API path of the certificate ``arn`` (or id), with ``rest`` appended."""
    return path("certificates", resource_id(arn, kind="certificate"), *rest)


class ApiClient:
    """A thin, synchronous client of the native API; close it with :meth:`close`."""

    def __init__(
        self,
        connection: Connection,
        *,
        account: str | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        headers = {"User-Agent": f"certherd-cli/{_version}", "Accept": "application/json"}
        if connection.token:
            headers["Authorization"] = f"Bearer {connection.token}"
        if account:
            headers["X-Certherd-Account"] = account
        self.connection = connection
        self._http = httpx.Client(
            base_url=connection.url, headers=headers, timeout=_TIMEOUT, transport=transport
        )

    def close(self) -> None:
        self._http.close()

    def get(self, url: str, *, params: Params | None = None) -> Any:
        return self.request("GET", url, params=params)

    def post(
        self, url: str, body: object | None = None, *, wait_seconds: float | None = None
    ) -> Any:
        """POST ``body``; ``wait_seconds``: how long the answer may take, when longer than
        the usual 60 s (a function run, say)."""
        return self.request(
            "POST", url, json=body if body is not None else {}, wait_seconds=wait_seconds
        )

    def put(self, url: str, body: object) -> Any:
        return self.request("PUT", url, json=body)

    def patch(self, url: str, body: object) -> Any:
        return self.request("PATCH", url, json=body)

    def delete(self, url: str, *, params: Params | None = None) -> Any:
        return self.request("DELETE", url, params=params)

    def request(
        self,
        method: str,
        url: str,
        *,
        params: Params | None = None,
        json: object = None,
        wait_seconds: float | None = None,
    ) -> Any:
        """Send a request; return the decoded JSON answer, or None for an empty one."""
        response = self.send(method, url, params=params, json=json, wait_seconds=wait_seconds)
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            raise CliError(
                f"the server at {self.connection.url} answered {method} {url} with something "
                "that is not JSON; is --url / CERTHERD_URL pointing at a certherd server?"
            ) from None

    def get_bytes(self, url: str) -> bytes:
        """GET a binary answer (a DER CRL, say)."""
        return self.send("GET", url, accept="*/*").content

    def send(
        self,
        method: str,
        url: str,
        *,
        params: Params | None = None,
        json: object = None,
        accept: str | None = None,
        wait_seconds: float | None = None,
    ) -> httpx.Response:
        """Send a request and return the 2xx response; raise CliError/ApiError otherwise."""
        query = {key: value for key, value in (params or {}).items() if value is not None}
        headers = {"Accept": accept} if accept else None
        timeout = _TIMEOUT if wait_seconds is None else httpx.Timeout(wait_seconds, connect=10.0)
        try:
            response = self._http.request(
                method, url, params=query or None, json=json, headers=headers, timeout=timeout
            )
        except httpx.ConnectError as exc:
            raise CliError(self._unreachable(exc)) from None
        except httpx.TimeoutException:
            raise CliError(
                f"the certherd server at {self.connection.url} did not answer in time"
            ) from None
        except httpx.HTTPError as exc:
            raise CliError(f"request to {self.connection.url} failed: {exc}") from None
        if response.is_success:
            return response
        raise self._error(response)

    def _unreachable(self, exc: httpx.ConnectError) -> str:
        reason = str(exc) or type(exc).__name__
        if "refused" in reason.lower():
            reason = "connection refused"
        return (
            f"cannot reach the certherd server at {self.connection.url} ({reason}). "
            "Start it with `certherd serve`, or point --url / CERTHERD_URL at a running server"
        )

    def _error(self, response: httpx.Response) -> ApiError:
        try:
            body: object = response.json()
        except ValueError:
            body = None
        problem = parse_problem(response.status_code, body)
        if response.status_code == 401:
            message = unauthorized_message(
                problem,
                token_source=self.connection.token_source,
                credentials_file=self.connection.credentials_file,
                credentials_problem=self.connection.credentials_problem,
            )
        else:
            message = problem_message(problem, reason=response.reason_phrase)
        return ApiError(message, problem=problem)
