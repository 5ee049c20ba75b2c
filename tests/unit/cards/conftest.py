"""Fixtures for the card engine tests: the real KTP template from templates/ and the built-in sample."""

from __future__ import annotations

import pytest

from ktp_service.cards import CardData, CardTemplate, load_template
from ktp_service.cards.sample import sample_card_data
from tests.unit.cards.helpers import KTP, TEMPLATES_DIR


@pytest.fixture(scope="session")
def ktp() -> CardTemplate:
    return load_template(KTP, TEMPLATES_DIR)


@pytest.fixture(scope="session")
def sample() -> CardData:
    return sample_card_data()
