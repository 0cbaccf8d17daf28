"""CloudWatch Logs: ``StopQuery``, and Logs Insights queries that take time to run, on moto's own logs backend.

moto (5.2.5) runs a Logs Insights query to the end inside ``StartQuery`` and has no ``StopQuery``, so no query
could ever be stopped. Here a query of the signing account's backend (moto's ``logs_backends``, per account and
region) is ``Running`` for a time that grows with the window it scans, as a real query over more data does:
``RUN_S_PER_SCANNED_DAY`` seconds per day of ``endTime - startTime``, at most ``MAX_RUN_S`` (the default hour of
``logs_insights_query`` ends at once; a month runs for half a minute). Then it is ``Complete``, unless
``StopQuery`` cancelled it first. moto's results are computed at start; while a query runs, GetQueryResults
returns them as the partial results AWS returns while running.

``StopQuery`` refuses what the CloudWatch Logs API Reference (StopQuery) says AWS refuses: a ``queryId`` outside
1-256 characters (``InvalidParameterException``), an id the account does not have (``ResourceNotFoundException``)
and a query that has already ended ("the operation returns an error indicating that the specified query is not
running": ``InvalidParameterException``). It answers ``{"success": true}`` and the query's status is then
``Cancelled`` (DescribeQueries, GetQueryResults).
"""

from __future__ import annotations

import json
import time
from typing import Any

from moto.logs import urls as logs_urls
from moto.logs.exceptions import InvalidParameterException, ResourceNotFoundException
from moto.logs.responses import LogsResponse

RUN_S_PER_SCANNED_DAY = 1.0
MAX_RUN_S = 60.0
SECONDS_PER_DAY = 86_400
MAX_QUERY_ID_CHARS = 256  # StopQuery queryId: length 1-256
_RUNNING = "Running"
_ENDS_AT = "_local_ends_at"  # attribute set on moto's LogQuery: monotonic time the query completes


def run_time_s(start_time: int, end_time: int) -> float:
    """How long a query over ``[start_time, end_time]`` (epoch seconds) runs in the emulator."""
    days = max(0, end_time - start_time) / SECONDS_PER_DAY
    return min(days * RUN_S_PER_SCANNED_DAY, MAX_RUN_S)


class ExtendedLogsResponse(LogsResponse):
    """moto's logs handler: queries run for a while, and ``StopQuery`` stops one that runs."""

    def _settle(self) -> None:
        """Complete the signing account's queries whose run time is over (moto's status is what it reports)."""
        now = time.monotonic()
        for query in self.logs_backend.queries.values():
            if query.status == _RUNNING and getattr(query, _ENDS_AT, 0.0) <= now:
                query.status = "Complete"

    def start_query(self) -> str:
        """moto's StartQuery, then the query runs for ``run_time_s`` of its window."""
        answer = super().start_query()
        query = self.logs_backend.queries[json.loads(answer)["queryId"]]
        setattr(query, _ENDS_AT, time.monotonic() + run_time_s(query.start_time, query.end_time))
        query.status = _RUNNING
        self._settle()
        return answer

    def describe_queries(self) -> str:
        self._settle()
        return super().describe_queries()

    def get_query_results(self) -> str:
        """moto's GetQueryResults; an unknown id is ``ResourceNotFoundException`` (moto fails with a KeyError)."""
        self._settle()
        if self._get_param("queryId") not in self.logs_backend.queries:
            raise ResourceNotFoundException("The specified query does not exist.")
        return super().get_query_results()

    def stop_query(self) -> str:
        """Emulate ``StopQuery`` for a query of the signing account that is still running."""
        query_id = self._get_param("queryId")
        if not isinstance(query_id, str) or not 1 <= len(query_id) <= MAX_QUERY_ID_CHARS:
            raise InvalidParameterException(
                constraint=f"Member must have length between 1 and {MAX_QUERY_ID_CHARS}",
                parameter="queryId",
                value=query_id,
            )
        self._settle()
        query: Any = self.logs_backend.queries.get(query_id)
        if query is None:
            raise ResourceNotFoundException("The specified query does not exist.")
        if query.status != _RUNNING:
            raise InvalidParameterException(f"Query {query_id} is not running (status {query.status}).")
        query.status = "Cancelled"
        return json.dumps({"success": True})


def install() -> None:
    """Route CloudWatch Logs requests to :class:`ExtendedLogsResponse`."""
    for path in list(logs_urls.url_paths):
        logs_urls.url_paths[path] = ExtendedLogsResponse.dispatch
