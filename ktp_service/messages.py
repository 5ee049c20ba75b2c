"""What the service tells a person about a print job, stored as a code and its parameters, never as text.

A message is written once (``Message("printer_not_ready", {"printer": "kalijambe-1", "reasons": [...]})``)
and translated every time it is shown, in the reader's language, from the one catalogue
(:mod:`ktp_service.catalogue`, keys ``msg.<code>``). So the English console shows English and the API
answers in the language its client asks for (``Accept-Language``), Indonesian by default.

Parameter values are plain strings, numbers, or lists of printer-state-reason keywords. Two parameter
names are translated themselves: ``state`` (a job state, shown by its label) and ``reasons`` (printer
conditions, shown by their labels, e.g. ``media-jam-error`` -> "Macet" / "Jammed").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from string import Formatter

from ktp_service.catalogue import CATALOGUE, DEFAULT_LANGUAGE, LANGUAGES, translate
from printers.base import reason_keyword

ParamValue = str | int | list[str]

# A message stored before messages became codes: its old text is kept as it was (migration a4).
LEGACY_TEXT = "legacy_text"


@dataclass(frozen=True)
class Message:
    code: str
    params: Mapping[str, ParamValue] = field(default_factory=dict)

    def text(self, lang: str = DEFAULT_LANGUAGE) -> str:
        return render(self.code, self.params, lang)


def render(code: str | None, params: Mapping[str, ParamValue] | None, lang: str = DEFAULT_LANGUAGE) -> str:
    """The message in ``lang``; no code is no message (an empty string)."""
    if not code:
        return ""
    key = f"msg.{code}"
    if key not in CATALOGUE:
        return code  # a code this build does not know (a newer one wrote it): visible, never a crash
    return render_key(key, params, lang)


def render_key(key: str, params: Mapping[str, ParamValue] | None, lang: str = DEFAULT_LANGUAGE) -> str:
    """The catalogue's text for ``key`` with ``params`` filled in, each in ``lang``; a parameter the text
    names and the message lacks (an optional note) is left empty."""
    values = {name: _param_text(name, value, lang) for name, value in (params or {}).items()}
    template = translate(key, lang)
    return template.format_map({name: values.get(name, "") for name in placeholders(template)}).strip()


def placeholders(template: str) -> set[str]:
    """The parameter names a catalogue text uses (``{job}`` -> ``job``)."""
    return {name for _, name, _, _ in Formatter().parse(template) if name}


def condition_labels(reasons: Iterable[str], lang: str = DEFAULT_LANGUAGE) -> list[str]:
    """Printer conditions in words (``media-jam-error`` -> "Macet"), each once, in the order given."""
    out: list[str] = []
    for reason in reasons:
        keyword = reason_keyword(reason)
        if keyword in ("none", ""):
            continue
        key = f"pstate.{keyword}"
        label = translate(key, lang) if key in CATALOGUE else keyword
        if label not in out:
            out.append(label)
    return out


def _param_text(name: str, value: ParamValue, lang: str) -> str:
    if name == "state" and isinstance(value, str):
        return translate(f"state.{value}", lang)
    if name == "reason" and isinstance(value, str) and f"reason.{value}" in CATALOGUE:
        return translate(f"reason.{value}", lang)  # an issuance reason (baru, hilang...) in words
    if name == "reasons" and isinstance(value, list):
        return ", ".join(condition_labels(value, lang)) or translate("msg.param.no_reason", lang)
    if isinstance(value, list):
        return ", ".join(value)
    return str(value)


def advice_keys(reasons: Iterable[str]) -> list[str]:
    """Catalogue keys of what a person should do about printer conditions, each once, in order."""
    out: list[str] = []
    for reason in reasons:
        key = f"advice.{reason_keyword(reason)}"
        if key in CATALOGUE and CATALOGUE[key] not in [CATALOGUE[k] for k in out]:
            out.append(key)
    return out


def advice(reasons: Iterable[str], lang: str = DEFAULT_LANGUAGE) -> list[str]:
    """What a person should do about printer conditions, in ``lang``."""
    return [translate(key, lang) for key in advice_keys(reasons)]


def pick_language(accept_language: str | None) -> str:
    """The most preferred language of an ``Accept-Language`` header that the catalogue has (``q`` weights
    respected, ``en-US`` counts as ``en``); Indonesian when none is."""
    offers: list[tuple[float, int, str]] = []
    for position, part in enumerate((accept_language or "").split(",")):
        tag, _, rest = part.strip().partition(";")
        weight = 1.0
        if rest.strip().startswith("q="):
            try:
                weight = float(rest.strip()[2:])
            except ValueError:
                weight = 0.0
        primary = tag.strip().lower().split("-")[0]
        if primary in LANGUAGES and weight > 0:
            offers.append((-weight, position, primary))
    return min(offers)[2] if offers else DEFAULT_LANGUAGE
