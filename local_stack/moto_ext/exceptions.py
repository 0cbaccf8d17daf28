"""AWS error responses raised by the emulator extensions.

Each class serialises as the AWS JSON protocol error body ``{"__type": <code>, "message": <text>}`` with
HTTP 400, which botocore turns into a ``ClientError`` whose ``Error.Code`` is the class's error code.
"""

from __future__ import annotations

from moto.core.exceptions import JsonRESTError


class EmulatorClientError(JsonRESTError):
    """Base for a 400 error whose AWS error code is the class name."""

    code = 400

    def __init__(self, message: str) -> None:
        super().__init__(type(self).__name__, message)


class InvalidLookupAttributesException(EmulatorClientError):
    """CloudTrail: a LookupAttributes entry has an unknown key or there is more than one entry."""


class InvalidTimeRangeException(EmulatorClientError):
    """CloudTrail: StartTime is after EndTime."""


class InvalidMaxResultsException(EmulatorClientError):
    """CloudTrail: MaxResults / MaxQueryResults is out of range."""


class InvalidNextTokenException(EmulatorClientError):
    """CloudTrail / Cost Explorer: the pagination token was not issued for this request."""


class InvalidEventCategoryException(EmulatorClientError):
    """CloudTrail: EventCategory is not ``insight``."""


class InvalidParameterException(EmulatorClientError):
    """CloudTrail: a required parameter is missing or malformed."""


class InvalidQueryStatementException(EmulatorClientError):
    """CloudTrail Lake: the query statement is not supported or not valid."""


class EventDataStoreNotFoundException(EmulatorClientError):
    """CloudTrail Lake: the event data store does not exist in the caller's account and region."""


class QueryIdNotFoundException(EmulatorClientError):
    """CloudTrail Lake: the query id is unknown in the caller's account and region."""


class ValidationException(EmulatorClientError):
    """Cost Explorer: a request parameter is invalid."""


class DataUnavailableException(EmulatorClientError):
    """Cost Explorer: no data has been seeded for the caller's account."""
