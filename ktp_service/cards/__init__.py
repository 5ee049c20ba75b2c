"""Card layout engine: declarative templates (``templates/*.yaml``) rendered to print-ready PNG or PDF.

    template = load_template("ktp-front-sragen", settings.templates_dir)
    problems = check_fit(template, data)          # before accepting a print job
    card = render_card(template, data, dpi=300, fmt="pdf", specimen=False)

Rendering is pure (template + data -> bytes). Errors are in :mod:`ktp_service.cards.errors`.
"""

from ktp_service.cards.data import CardData
from ktp_service.cards.errors import (
    CardError,
    CharacterNotSupported,
    FieldDoesNotFit,
    FontMissing,
    ImageInvalid,
    ImageMissing,
    TemplateInvalid,
    TemplateNotFound,
)
from ktp_service.cards.layout import FitProblem, FittedField
from ktp_service.cards.render import RenderedCard, check_fit, render_card, render_image
from ktp_service.cards.template import TEMPLATE_ID_PATTERN, CardTemplate
from ktp_service.cards.template_files import list_templates, load_template

__all__ = [
    "TEMPLATE_ID_PATTERN",
    "CardData",
    "CardError",
    "CardTemplate",
    "CharacterNotSupported",
    "FieldDoesNotFit",
    "FitProblem",
    "FittedField",
    "FontMissing",
    "ImageInvalid",
    "ImageMissing",
    "RenderedCard",
    "TemplateInvalid",
    "TemplateNotFound",
    "check_fit",
    "list_templates",
    "load_template",
    "render_card",
    "render_image",
]
