"""Objects shared by every operation group: paging, the error body, bare bodies."""

from typing import Annotated, Any

from pydantic import Field

from ._base import RequestModel, WireModel


class Page(WireModel):
    """Paging block of list responses.

    ``offset`` has no lower bound here: a published spur-list example shows ``-1`` (SPEC §1.5).
    Paginate with the offset you sent, not with the one echoed back.
    """

    offset: int
    limit: int
    total: int


class ErrorBody(WireModel):
    """``{"error_code": "KMP.00011004", "error_msg": "..."}`` (SPEC §1.9)."""

    error_code: str
    error_msg: str | None = None


class EmptyBody(RequestModel):
    """``{}``: required by stop/delete/start-subtask/marker calls (SPEC §1.3)."""


class IdBody(RequestModel):
    """``IdDto`` of the satellite task calls and ``DeletedSpurInfo`` of DeleteSpurPoint."""

    id: Annotated[str, Field(min_length=1)]


def parse_ack(body: Any) -> bool:
    """Result of the calls that answer ``true`` (stop, delete, satellite start/stop/archive).

    SPEC §1.8: accept the JSON literal ``true``, the string ``"true"`` and an empty body.
    ``false``/``"false"`` give ``False``; anything else raises ``ValueError`` (malformed).
    """
    if body is None or body is True:
        return True
    if body is False:
        return False
    if isinstance(body, bytes | bytearray):
        body = body.decode("utf-8", "replace")
    if isinstance(body, str):
        text = body.strip().strip('"').strip().lower()
        if text in ("", "true"):
            return True
        if text == "false":
            return False
    raise ValueError('expected true, "true" or an empty body')
