"""Field types that accept exactly what the JSON Schema export promises.

marshmallow coerces by default ("2.8" -> 2.8, "yes" -> True). A producer that
sends a string where the contract says number would pass here and fail in any
other language's consumer, so the payload fields take JSON types only.
"""

from __future__ import annotations

from typing import Any

from marshmallow import fields, validate

from dagtilbud_contracts.municipalities import MUNICIPALITY_CODES


class JsonNumber(fields.Float):
    """A JSON number: int or float, never a numeric string."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> float:
        if isinstance(value, str):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


class JsonBoolean(fields.Boolean):
    """A JSON true/false, never 1, "yes" or "on"."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


def integer(**kwargs: Any) -> fields.Integer:
    return fields.Integer(strict=True, **kwargs)


def text(min_length: int = 1, max_length: int = 200, **kwargs: Any) -> fields.String:
    return fields.String(validate=validate.Length(min=min_length, max=max_length), **kwargs)


def pattern(regex: str, **kwargs: Any) -> fields.String:
    return fields.String(validate=validate.Regexp(regex), **kwargs)


def choice(choices: tuple[str, ...], **kwargs: Any) -> fields.String:
    return fields.String(validate=validate.OneOf(choices), **kwargs)


def web_url(**kwargs: Any) -> fields.URL:
    # apispec labels URL fields "url", which no JSON Schema validator knows.
    metadata = {"format": "uri", **kwargs.pop("metadata", {})}
    return fields.URL(schemes={"http", "https"}, metadata=metadata, **kwargs)


def municipality_code(**kwargs: Any) -> fields.Integer:
    # The default OneOf message would list all 98 codes.
    check = validate.OneOf(MUNICIPALITY_CODES, error="Not a DST municipality code, e.g. 101.")
    description = "DST municipality code without leading zero, e.g. 101."
    metadata = {"description": description, **kwargs.pop("metadata", {})}
    return fields.Integer(strict=True, validate=check, metadata=metadata, **kwargs)
