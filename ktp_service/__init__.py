"""ktp-service: the application. API routes, services and wiring.

It may import :mod:`printers` (card-printer adapters) and :mod:`billing` (revenue-share ledger); they never
import it back.
"""

__version__ = "0.1.0"
