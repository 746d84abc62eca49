"""The whole schema: every table module imported, so that ``metadata`` holds them all.

Tables are defined in modules by subject (``tables``, ``lifecycle_tables``, ...) on one
shared :data:`~certherd.adapters.db.tables.metadata`. Whatever needs the complete schema
(the migrations' environment, the test that compares it with what the migrations build)
imports it from here.
"""

from __future__ import annotations

from certherd.adapters.db import archive_tables as _archive_tables
from certherd.adapters.db import deployment_tables as _deployment_tables
from certherd.adapters.db import destination_tables as _destination_tables
from certherd.adapters.db import event_tables as _event_tables
from certherd.adapters.db import finding_tables as _finding_tables
from certherd.adapters.db import function_tables as _function_tables
from certherd.adapters.db import lifecycle_tables as _lifecycle_tables
from certherd.adapters.db import queue_tables as _queue_tables
from certherd.adapters.db import topic_tables as _topic_tables
from certherd.adapters.db.tables import metadata

__all__ = ["metadata"]

_TABLE_MODULES = (
    _lifecycle_tables,
    _event_tables,
    _queue_tables,
    _archive_tables,
    _topic_tables,
    _finding_tables,
    _function_tables,
    _destination_tables,
    _deployment_tables,
)
