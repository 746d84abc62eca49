"""Reading the certificate a TLS server presents for a server name (SNI)."""

from __future__ import annotations

import socket
import ssl
import time
from collections.abc import Callable

from certherd.services.deploy_ports import DeployError, ProbeResult

__all__ = ["SocketTlsProbe"]

_PAUSE_SECONDS = 0.1


class SocketTlsProbe:
    """:class:`~certherd.services.deploy_ports.TlsProbe` over :mod:`ssl`.

    Verification is off on purpose: the certificate is compared with the deployed one
    (serial and fingerprint), which says more than a trusted chain would, and private CAs
    are in no trust store this process has."""

    def served(
        self,
        host: str,
        port: int,
        *,
        server_name: str,
        timeout_seconds: float,
        accept: Callable[[bytes], bool],
    ) -> ProbeResult:
        # Real waiting is the point here: a reloaded server switches over on its own time.
        deadline = time.monotonic() + timeout_seconds
        last: bytes | None = None
        error = "no answer"
        while True:
            remaining = deadline - time.monotonic()
            try:
                last = self._read(host, port, server_name, max(remaining, 0.05))
                if accept(last):
                    return ProbeResult(der=last)
            except (OSError, ssl.SSLError) as exc:
                error = str(exc) or type(exc).__name__
            if time.monotonic() + _PAUSE_SECONDS >= deadline:
                break
            time.sleep(_PAUSE_SECONDS)
        if last is None:
            raise DeployError(f"cannot read the certificate served at {host}:{port}: {error}")
        return ProbeResult(der=last)

    @staticmethod
    def _read(host: str, port: int, server_name: str, timeout: float) -> bytes:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        with (
            socket.create_connection((host, port), timeout=timeout) as raw,
            context.wrap_socket(raw, server_hostname=server_name) as tls,
        ):
            der = tls.getpeercert(binary_form=True)
        if not der:
            raise ssl.SSLError("the server presented no certificate")
        return der
