"""`CompactImage`: a satellite image as a long list holds it.

The satellite list can hold 100,000 images. As pydantic `ImageInfo` models each costs ~1 KB
(a 15-field dict and the values); the console shows eight of the fields and its actions
(download, the delete refusal, gates) read three. `CompactImage` keeps those eight in a tuple
and shares repeated short texts (level, resolution): ~400 bytes with its values.

Code written for `ImageInfo` gets one with `as_image_info` (a model with the eight fields set
and the others None), built on demand and cached for the few rows in use, so 100,000 full
models are never held. `CompactImage` itself is no pydantic model: never validate or dump it.
"""

from __future__ import annotations

import sys
from datetime import datetime
from functools import lru_cache
from typing import NamedTuple

from .enums import ImageStatus, ImageType
from .satellite import ImageInfo


def _shared(text: str | None) -> str | None:
    return sys.intern(text) if text is not None and len(text) <= 16 else text


class CompactImage(NamedTuple):
    """The fields of `ImageInfo` the satellite list shows and its actions read."""

    image_id: str
    image_status: ImageStatus | str
    image_name: str | None = None
    image_level: str | None = None
    image_type: ImageType | str | None = None
    image_date: datetime | None = None
    image_resolution: str | None = None
    image_alias: str | None = None

    @classmethod
    def of(cls, info: ImageInfo) -> CompactImage:
        return cls(
            info.image_id,
            info.image_status,
            info.image_name,
            _shared(info.image_level),
            info.image_type,
            info.image_date,
            _shared(info.image_resolution),
            info.image_alias,
        )


@lru_cache(maxsize=512)  # the rows on screen and under the cursor, asked for at every repaint
def as_image_info(image: CompactImage) -> ImageInfo:
    return ImageInfo.model_construct(**image._asdict())
