"""Every state set and closed value set of the KooMap API.

Status fields on response models are typed ``<Enum> | str``: a value the enum does not know is
kept as the raw string, so a state added by the service later never stops the console from
parsing a list. Because the enums are ``StrEnum``, ``task.task_status == Real3DTaskStatus.RUNNING``
works for both the enum member and a raw string.
"""

from enum import IntEnum, StrEnum
from typing import Annotated, Any

from pydantic import BeforeValidator, Field


class Real3DTaskStatus(StrEnum):
    INIT = "INIT"
    PENDING = "PENDING"
    STARTING = "STARTING"
    START_FAILED = "START_FAILED"
    RUNNING = "RUNNING"
    SUCCESS = "SUCCESS"
    FAILED = "FAILED"
    STOPPING = "STOPPING"
    STOP_SUCCESS = "STOP_SUCCESS"
    ARCHIVED = "ARCHIVED"
    BUNDLE_SUCCESS = "BUNDLE_SUCCESS"


class Real3DTaskType(StrEnum):
    CTRL = "REAL3D-CTRL"
    UNCTRL = "REAL3D-UNCTRL"


class ModelingType(StrEnum):
    MESH = "Mesh"
    NERF = "Nerf"


class Accuracy(StrEnum):
    """Aerial-triangulation precision of ``ModelingParams.accuracy``."""

    HIGHEST = "Highest"
    HIGH = "High"
    MEDIUM = "Medium"
    LOW = "Low"
    LOWEST = "Lowest"


class MeshAccuracy(IntEnum):
    """``ModelingParams.mesh_accuracy``; sent on the wire as the string "0"/"1"/"2"."""

    HIGH = 0
    MEDIUM = 1
    LOW = 2


class CoordinateSystem(StrEnum):
    WGS84_UTM = "WGS84-UTM"


class SubTaskStatus(StrEnum):
    INIT = "INIT"
    UPLOADING = "UPLOADING"
    UPLOAD_SUCCESS = "UPLOAD_SUCCESS"
    UPLOAD_FAILED = "UPLOAD_FAILED"
    PENDING = "PENDING"
    STARTING = "STARTING"
    START_FAILED = "START_FAILED"
    RUNNING = "RUNNING"
    SUCCESS = "SUCCESS"
    FAILED = "FAILED"
    STOPPING = "STOPPING"
    STOP_SUCCESS = "STOP_SUCCESS"


class SatelliteTaskStatus(StrEnum):
    INIT = "INIT"
    START_RUNNING = "START_RUNNING"
    RUNNING = "RUNNING"
    SUCCESS = "SUCCESS"
    FAILED = "FAILED"
    STOPPING = "STOPPING"
    STOP_SUCCESS = "STOP_SUCCESS"
    STOP_FAILED = "STOP_FAILED"
    ARCHIVED = "ARCHIVED"

    @classmethod
    def _missing_(cls, value: object) -> "SatelliteTaskStatus | None":
        # The ListTaskInfo filter documentation spells this state "STOP_FAILD" (SPEC §8.1);
        # whichever spelling arrives, the console sees one state.
        if value == "STOP_FAILD":
            return cls.STOP_FAILED
        return None


class SatelliteTaskType(StrEnum):
    ORSIP = "ORSIP"


class ProductStatus(StrEnum):
    """Real3D product and refined product ``status``."""

    PREPARING = "preparing"
    AVAILABLE = "available"
    DELETING = "deleting"


class ProductDetailType(StrEnum):
    MESH_OSGB = "mesh_osgb"
    MESH_OBJ = "mesh_obj"
    NERF_OSGB = "nerf_osgb"
    NERF_OBJ = "nerf_obj"
    METADATA = "metadata"


class FolderStatus(IntEnum):
    """Oblique image set ``FolderVo.status`` (an Integer on the wire)."""

    PROCESSING = 0
    DONE = 1
    IMPORT_FAILED = 2


class ImageStatus(StrEnum):
    """Satellite image file ``image_status`` (numeric strings on the wire; no code "5")."""

    DONE = "0"
    MIGRATING_IN = "1"
    MIGRATE_IN_FAILED = "2"
    MIGRATING_OUT = "3"
    MIGRATE_OUT_FAILED = "4"
    DELETING = "6"
    DELETE_FAILED_IN_USE = "7"
    DELETE_FAILED_NETWORK = "8"


class ImageType(StrEnum):
    PANCHROMATIC = "0"
    MULTISPECTRAL = "1"


class ProductionLevel(StrEnum):
    L2 = "L2"
    L3 = "L3"
    L4 = "L4"
    L5 = "L5"


class UsageType(StrEnum):
    """``usage_type`` of both usage operations: Real3D takes DATA/REAL3D, satellite DATA/TASK."""

    DATA = "DATA"
    REAL3D = "REAL3D"
    TASK = "TASK"


class UsageUnitType(StrEnum):
    VOLUME = "VOLUME"
    NUMBER = "NUMBER"
    COUNT = "COUNT"
    TIME = "TIME"


def _number_to_str(value: Any) -> Any:
    # Code sets that are strings on the wire ("0".."8") must survive a server sending 0..8.
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


def _str_to_int(value: Any) -> Any:
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return value


_LTR = Field(union_mode="left_to_right")

# Response-side status types: the enum member when known, else the raw value.
Real3DTaskStatusValue = Annotated[Real3DTaskStatus | str, _LTR]
Real3DTaskTypeValue = Annotated[Real3DTaskType | str, _LTR]
ModelingTypeValue = Annotated[ModelingType | str, _LTR]
SubTaskStatusValue = Annotated[SubTaskStatus | str, _LTR]
SatelliteTaskStatusValue = Annotated[SatelliteTaskStatus | str, _LTR]
SatelliteTaskTypeValue = Annotated[SatelliteTaskType | str, _LTR]
ProductStatusValue = Annotated[ProductStatus | str, _LTR]
ProductDetailTypeValue = Annotated[ProductDetailType | str, _LTR]
FolderStatusValue = Annotated[FolderStatus | int, _LTR, BeforeValidator(_str_to_int)]
ImageStatusValue = Annotated[ImageStatus | str, _LTR, BeforeValidator(_number_to_str)]
ImageTypeValue = Annotated[ImageType | str, _LTR, BeforeValidator(_number_to_str)]
ProductionLevelValue = Annotated[ProductionLevel | str, _LTR]
UsageTypeValue = Annotated[UsageType | str, _LTR]
UsageUnitTypeValue = Annotated[UsageUnitType | str, _LTR]
