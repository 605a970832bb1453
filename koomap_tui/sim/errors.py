"""Error codes the simulator emits and the exception handlers raise to produce them.

Documented codes come from errors.json; the KMP.9999xxxx codes are that file's named
placeholders for situations the documentation does not give a code for.
"""

from __future__ import annotations

INVALID_PARAM = "KMP.00011004"
SUBTASK_UPLOAD_STATE = "KMP.00021148"
SUBTASK_STATUS_VALUE = "KMP.00021149"

WS_NOT_FOUND = "KMP.99990001"
WS_DUP_NAME = "KMP.99990002"
WS_QUOTA = "KMP.99990003"
WS_PIN_QUOTA = "KMP.99990004"
WS_NOT_DELETABLE = "KMP.99990005"
TASK_NOT_FOUND = "KMP.99990101"
TASK_DUP_NAME = "KMP.99990102"
TASK_QUOTA = "KMP.99990103"
TASK_START_STATE = "KMP.99990104"
TASK_STOP_STATE = "KMP.99990105"
TASK_UPDATE_STATE = "KMP.99990106"
TASK_DELETE_STATE = "KMP.99990107"
TASK_ARCHIVE_STATE = "KMP.99990108"
TASK_AT_ONLY_TYPE = "KMP.99990109"
TASK_NO_FOLDER = "KMP.99990110"
SUB_NOT_FOUND = "KMP.99990201"
SUB_PARENT_STATE = "KMP.99990202"
SUB_QUOTA = "KMP.99990203"
SUB_DUP_NAME = "KMP.99990204"
SUB_START_STATE = "KMP.99990205"
SUB_STOP_STATE = "KMP.99990206"
SUB_DELETE_STATE = "KMP.99990217"
SPUR_NOT_FOUND = "KMP.99990301"
NO_SPURS = "KMP.99990302"
SPUR_TASK_STATE = "KMP.99990303"
PRODUCT_NOT_FOUND = "KMP.99990401"
PRODUCT_STATE = "KMP.99990402"
SAT_NOT_FOUND = "KMP.99990501"
SAT_START_STATE = "KMP.99990502"
SAT_STOP_STATE = "KMP.99990503"
SAT_ARCHIVE_STATE = "KMP.99990504"
SAT_DELETE_STATE = "KMP.99990505"
SAT_IMAGE_UNUSABLE = "KMP.99990506"
SAT_SHAPE_REQUIRED = "KMP.99990507"
INTERNAL = "KMP.99999999"

GW_NO_AUTH = "GATEWAY.0002"
GW_THROTTLED = "GATEWAY.0006"
GW_INNER = "GATEWAY.0001"
GW_TIMEOUT = "GATEWAY.0007"
APIGW_NOT_FOUND = "APIGW.0101"
APIGW_REQUEST = "APIGW.0201"
APIGW_BAD_AUTH = "APIGW.0301"
APIGW_TOKEN_EXPIRED = "APIGW.0307"


class SimError(Exception):
    """A business or gateway error answered as `{error_code, error_msg}`."""

    def __init__(
        self,
        code: str,
        msg: str,
        status: int = 400,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"{code}: {msg}")
        self.code = code
        self.msg = msg
        self.status = status
        self.headers = headers or {}


def bad_param(msg: str) -> SimError:
    return SimError(INVALID_PARAM, f"request parameter is invalid: {msg}")
