"""Model bases, wire scalar types and the operator-readable validators shared by all models.

Two directions, two policies:

* ``WireModel`` (responses) is tolerant: unknown fields are ignored, missing optional fields
  become ``None``; only values that cannot mean anything (a progress of ``"abc"``) are errors,
  which the client turns into ``MalformedResponseError``.
* ``RequestModel`` (bodies we send, also used by the console's forms) is strict: unknown
  keyword arguments are rejected and documented ranges/charsets are checked with messages an
  operator can act on.
"""

import math
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    PlainSerializer,
    ValidationError,
    ValidatorFunctionWrapHandler,
    WrapValidator,
)
from pydantic_core import PydanticCustomError

WIRE_TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


# Distinct "which fields did the server send" sets, shared by the response objects that have
# them (see WireModel.model_post_init). Bounded: past the limit new combinations keep their own.
_SHARED_FIELD_SETS: dict[frozenset[str], set[str]] = {}
_SHARED_FIELD_SETS_LIMIT = 1024


class WireModel(BaseModel):
    """Base of every response object: tolerant of unknown fields, immutable snapshots."""

    model_config = ConfigDict(populate_by_name=True, extra="ignore", frozen=True, defer_build=True)

    def model_post_init(self, context: Any, /) -> None:
        # Pydantic gives every instance its own `__pydantic_fields_set__` (a set of ~15 names,
        # ~730 bytes: about half of an ImageInfo, 40% of a Real3DTask). Lists of 50,000
        # images repeat the same few combinations, so frozen instances share one set per
        # combination. Safe because nothing mutates it in place: a frozen model rejects
        # assignment, and `model_copy` copies the set before adding the updated names.
        if not self.model_config.get("frozen"):
            return
        fields = self.__pydantic_fields_set__
        key = frozenset(fields)
        shared = _SHARED_FIELD_SETS.get(key)
        if shared is None:
            if len(_SHARED_FIELD_SETS) >= _SHARED_FIELD_SETS_LIMIT:
                return
            shared = _SHARED_FIELD_SETS[key] = set(fields)
        object.__setattr__(self, "__pydantic_fields_set__", shared)


class RequestModel(BaseModel):
    """Base of every request body: unknown names are a programming error, not silently sent."""

    model_config = ConfigDict(populate_by_name=True, extra="forbid", defer_build=True)

    def to_wire(self) -> dict[str, Any]:
        """The JSON body exactly as documented (wire names, strings for string-typed numbers)."""
        return self.model_dump(by_alias=True, mode="json", exclude_none=True)


def rule_error(kind: str, message: str) -> PydanticCustomError:
    # The message must not contain "{" (pydantic treats it as a template); callers never put
    # user input into it, so none can.
    return PydanticCustomError(f"koomap_{kind}", message)


# --- time -----------------------------------------------------------------------------------


def parse_utc(value: Any) -> datetime | None:
    """Wire time ("2024-03-18T02:15:40Z") -> aware UTC datetime; ``None``/"" -> ``None``."""
    if value is None:
        return None
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            raise rule_error("time", "Expected a UTC time like 2024-03-18T02:15:40Z") from None
    else:
        raise rule_error("time", "Expected a UTC time like 2024-03-18T02:15:40Z")
    if parsed.tzinfo is None:
        # The API only speaks UTC; a naive value from a form is taken as UTC, not local time.
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def format_utc(value: datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime(WIRE_TIME_FORMAT)


UtcTime = Annotated[
    datetime | None,
    BeforeValidator(parse_utc),
    PlainSerializer(format_utc, return_type=str, when_used="json-unless-none"),
]
"""Optional UTC timestamp: aware ``datetime`` in Python, ``YYYY-MM-DDTHH:MM:SSZ`` on the wire."""


# --- progress -------------------------------------------------------------------------------


def parse_progress(value: Any) -> float | None:
    """Progress string ("0.35") -> 0.35. ``None``/"" -> ``None``; a non-number is an error.

    A number outside [0, 1] is kept as sent (not guessed at, e.g. as a percentage): the console
    clamps it for the bar and flags it (`progress_out_of_range`) instead of hiding the row. Only
    what is not a finite number ("abc", NaN) fails, and then only its own row (see rows.py).
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise rule_error("progress", "Progress must be a number between 0 and 1")
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        try:
            number = float(text)
        except ValueError:
            raise rule_error("progress", "Progress must be a number between 0 and 1") from None
    else:
        raise rule_error("progress", "Progress must be a number between 0 and 1")
    if not math.isfinite(number):
        raise rule_error("progress", "Progress must be a number between 0 and 1")
    return number


def progress_out_of_range(value: float | None) -> bool:
    """True for a progress the server sent outside 0..1 (shown clamped, with a flag)."""
    return value is not None and not 0.0 <= value <= 1.0


def clamp_progress(value: float | None) -> float | None:
    return None if value is None else min(max(value, 0.0), 1.0)


def format_progress(value: float) -> str:
    return f"{value:.2f}"


Progress = Annotated[
    float | None,
    BeforeValidator(parse_progress),
    PlainSerializer(format_progress, return_type=str, when_used="json-unless-none"),
]


# --- numbers carried as strings ---------------------------------------------------------------


_MAX_DECIMAL_EXPONENT = 30


def parse_decimal(value: Any) -> Decimal | None:
    """Spur coordinates: strings in the schema, JSON numbers in one example; both accepted.

    ``Decimal`` keeps the operator's digits ("41.200" is sent back as "41.200").
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise rule_error("number", "Expected a number")
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int | float | str):
        text = str(value).strip()
        if not text:
            return None
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise rule_error("number", "Expected a number") from None
    else:
        raise rule_error("number", "Expected a number")
    if not number.is_finite():
        raise rule_error("number", "Expected a finite number")
    if number and abs(number.adjusted()) > _MAX_DECIMAL_EXPONENT:
        # "1e999999999" is a valid Decimal whose plain-text form would not fit in memory.
        raise rule_error("number", "Number is out of range")
    return number


def format_decimal(value: Decimal) -> str:
    return format(value, "f")


WireDecimal = Annotated[
    Decimal | None,
    BeforeValidator(parse_decimal),
    PlainSerializer(format_decimal, return_type=str, when_used="json-unless-none"),
]
"""Optional decimal that travels as a JSON string."""


def parse_required_decimal(value: Any) -> Decimal:
    number = parse_decimal(value)
    if number is None:
        raise rule_error("missing", "A number is required")
    return number


DecimalText = Annotated[
    Decimal,
    BeforeValidator(parse_required_decimal),
    PlainSerializer(format_decimal, return_type=str, when_used="json"),
]
"""Required decimal that travels as a JSON string (request side)."""


def parse_int_text(value: Any, label: str = "Value") -> int:
    """Integer that may arrive as ``40000`` or ``"40000"`` (ModelingParams, SPEC §3.2)."""
    if isinstance(value, bool):
        raise rule_error("integer", f"{label} must be a whole number")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d+\s*", value):
        return int(value)
    raise rule_error("integer", f"{label} must be a whole number")


def whole_number(label: str) -> BeforeValidator:
    """``parse_int_text`` with the field named in its message."""

    def parse(value: Any) -> int:
        return parse_int_text(value, label)

    return BeforeValidator(parse)


def _int_to_text(value: int) -> str:
    return str(int(value))


IntText = Annotated[
    int,
    whole_number("Value"),
    PlainSerializer(_int_to_text, return_type=str, when_used="json"),
]
"""Required integer that travels as a JSON string ("40000")."""


def parse_flag(value: Any) -> bool | None:
    """``"0"``/``"1"`` switches (``isClip``/``isTile``) -> bool."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value == 1)
    if value in ("0", "1"):
        return bool(value == "1")
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise rule_error("flag", 'Expected "0" or "1"')


def _flag_to_text(value: bool) -> str:
    return "1" if value else "0"


FlagText = Annotated[
    bool,
    BeforeValidator(parse_flag),
    PlainSerializer(_flag_to_text, return_type=str, when_used="json"),
]
"""Required "0"/"1" switch (request side)."""


Flag01 = Annotated[
    bool | None,
    BeforeValidator(parse_flag),
    PlainSerializer(_flag_to_text, return_type=str, when_used="json-unless-none"),
]


def _opt_text(value: Any) -> Any:
    # The SDK types these as strings; a server sending 500 or 1.5 means "500" / "1.5".
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return value


OptText = Annotated[str | None, BeforeValidator(_opt_text)]
"""Optional string that a tolerant reader also accepts as a JSON number (response side)."""


def _opt_count(value: Any) -> Any:
    if isinstance(value, str) and not value.strip():
        return None
    return value


OptCount = Annotated[int | None, BeforeValidator(_opt_count)]
"""Optional count: ``null`` or ``""`` means the server did not say (not zero)."""


def null_as_empty(value: Any) -> Any:
    """For list fields: a JSON ``null`` list means "no items"."""
    return [] if value is None else value


# --- operator-readable request validators -----------------------------------------------------

NAME_CHARSET = r"\u4e00-\u9fa5A-Za-z0-9_"
NAME_CHARSET_TEXT = "Chinese characters, letters, digits and _"


def text_rule(
    label: str,
    min_len: int,
    max_len: int,
    charset: str | None = NAME_CHARSET,
    charset_text: str = NAME_CHARSET_TEXT,
) -> AfterValidator:
    """Length (and charset) check with a message naming the field in plain words."""
    pattern = re.compile(f"[{charset}]*") if charset is not None else None

    def check(value: str) -> str:
        if not min_len <= len(value) <= max_len:
            if min_len == 0:
                raise rule_error("length", f"{label} must be at most {max_len} characters")
            if min_len == max_len:
                raise rule_error("length", f"{label} must be exactly {max_len} characters")
            raise rule_error("length", f"{label} must be {min_len} to {max_len} characters long")
        if pattern is not None and not pattern.fullmatch(value):
            raise rule_error("charset", f"{label} may only contain {charset_text}")
        return value

    return AfterValidator(check)


def enum_rule(label: str, choices: Iterable[object]) -> WrapValidator:
    """Replace pydantic's enum/literal message with one naming the field and its choices."""
    allowed = ", ".join(str(getattr(item, "value", item)) for item in choices)

    def check(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        try:
            return handler(value)
        except ValidationError:
            raise rule_error("choice", f"{label} must be one of: {allowed}") from None

    return WrapValidator(check)


def int_range(label: str, low: int, high: int) -> AfterValidator:
    def check(value: int) -> int:
        if not low <= value <= high:
            raise rule_error("range", f"{label} must be between {low:,} and {high:,}")
        return value

    return AfterValidator(check)


def decimal_range(label: str, low: int, high: int, *, exclusive: bool = False) -> AfterValidator:
    def check(value: Decimal) -> Decimal:
        inside = low < value < high if exclusive else low <= value <= high
        if not inside:
            ends = "exclusive" if exclusive else "inclusive"
            raise rule_error("range", f"{label} must be between {low:,} and {high:,} ({ends})")
        return value

    return AfterValidator(check)


def pattern_rule(label: str, regex: str, description: str) -> AfterValidator:
    compiled = re.compile(regex)

    def check(value: str) -> str:
        if not compiled.fullmatch(value):
            raise rule_error("format", f"{label} must be {description}")
        return value

    return AfterValidator(check)


Offset = Annotated[int, int_range("Offset", 0, 2_147_483_647)]
Limit = Annotated[int, int_range("Page size (limit)", 1, 100)]


def validation_messages(error: ValidationError) -> dict[str, str]:
    """Field path -> first operator-readable message, for forms that show errors per field."""
    messages: dict[str, str] = {}
    for item in error.errors(include_url=False):
        key = ".".join(str(part) for part in item["loc"]) or "__root__"
        messages.setdefault(key, str(item["msg"]))
    return messages


def comma_joined(value: Any) -> Any:
    """Form fields documented as comma-separated strings also accept a list."""
    if isinstance(value, list | tuple | set | frozenset):
        return ",".join(str(getattr(item, "value", item)) for item in value)
    return value


QueryParams = list[tuple[str, str]]


def query_params(payload: Mapping[str, Any]) -> QueryParams:
    """JSON-mode dump -> query pairs; arrays become repeated keys as the SDK sends them."""
    pairs: QueryParams = []
    for key, value in payload.items():
        items = value if isinstance(value, list) else [value]
        for item in items:
            if item is None:
                continue
            if isinstance(item, bool):
                pairs.append((key, "true" if item else "false"))
            else:
                pairs.append((key, str(item)))
    return pairs


class QueryModel(RequestModel):
    """Query string of a GET operation; ``to_query()`` gives the pairs to hand to httpx."""

    def to_query(self) -> QueryParams:
        return query_params(self.model_dump(by_alias=True, mode="json", exclude_none=True))
