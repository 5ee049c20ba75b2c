"""Errors of the card layout engine. Each carries a human message that a clerk (or an operator) can act on.

    CardError
    ├── TemplateNotFound          unknown id, or an id that could name a file outside the templates dir
    ├── TemplateInvalid           the template file does not parse or validate; the message names the problem
    ├── FontMissing               a font the template needs is not installed (a server setup problem)
    ├── FieldDoesNotFit           a value cannot be fitted in its box, even shrunk or wrapped as allowed
    │   └── CharacterNotSupported a value holds a character the field's font cannot draw
    ├── ImageMissing              no photo / signature bytes were given
    └── ImageInvalid              the bytes are not a usable JPEG/PNG image (corrupt, too large, blank)

Each class carries the HTTP status and the stable ``code`` of the service's error answers (the application
renders them like its own domain errors); FontMissing is the server's setup, not the clerk's input (500).
"""

from __future__ import annotations


class CardError(Exception):
    """Base of every error raised by :mod:`ktp_service.cards`; ``str(err)`` is the human message."""

    status_code = 422
    code = "card_error"

    @property
    def message(self) -> str:
        return str(self)


class TemplateNotFound(CardError):
    status_code = 404
    code = "template_not_found"

    def __init__(self, template_id: str, reason: str = "no such template") -> None:
        self.template_id = template_id
        super().__init__(f"card template {template_id!r} not found: {reason}")


class TemplateInvalid(CardError):
    status_code = 422
    code = "template_invalid"

    def __init__(self, template_id: str, problems: list[str]) -> None:
        self.template_id = template_id
        self.problems = problems
        super().__init__(f"card template {template_id!r} is invalid: " + "; ".join(problems))


class FontMissing(CardError):
    status_code = 500
    code = "font_missing"

    def __init__(self, font: str, hint: str) -> None:
        self.font = font
        super().__init__(f"font {font!r} is not installed ({hint})")


class FieldDoesNotFit(CardError):
    status_code = 422
    code = "field_does_not_fit"

    def __init__(self, field_name: str, value: str, reason: str = "") -> None:
        self.field_name = field_name
        self.value = value
        self.reason = reason
        detail = f": {reason}" if reason else ""
        super().__init__(f"{field_name} does not fit on the card{detail} (value {value!r})")


class CharacterNotSupported(FieldDoesNotFit):
    status_code = 422
    code = "character_not_supported"

    def __init__(self, field_name: str, value: str, characters: str) -> None:
        self.characters = characters
        shown = ", ".join(f"{c!r} (U+{ord(c):04X})" for c in characters)
        super().__init__(field_name, value, f"the card font has no glyph for {shown}")


class ImageMissing(CardError):
    status_code = 422
    code = "image_missing"

    def __init__(self, field: str) -> None:
        self.field = field
        super().__init__(f"{field} is missing: an image (JPEG or PNG) is required to print the card")


class ImageInvalid(CardError):
    status_code = 422
    code = "image_invalid"

    def __init__(self, field: str, reason: str) -> None:
        self.field = field
        self.reason = reason
        super().__init__(f"{field} is not a usable image: {reason}")
