"""What every service's store does with AWS errors: throttles and outages become the
service's transient error, which the saga retries and Lambda retries; anything else passes.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from botocore.exceptions import BotoCoreError, ClientError

TRANSIENT_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "InternalServerError",
        "ServiceUnavailable",
        "TransactionConflictException",
    }
)


def error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


@contextmanager
def transient_as(error: type[Exception], what: str) -> Iterator[None]:
    """Raise `error` for a throttled or unreachable `what` (e.g. "the orders table")."""
    try:
        yield
    except ClientError as exc:
        if error_code(exc) in TRANSIENT_CODES:
            raise error(f"{what} is busy; try again") from exc
        raise
    except BotoCoreError as exc:
        raise error(f"{what} cannot be reached") from exc
