"""The native HTTP API (FastAPI): ``/v1`` JSON routes, ``/healthz``, ``/metrics`` and CRLs.

Build it with :func:`certherd.entrypoints.api.app.create_app`; docs/api.md is the contract.
"""
