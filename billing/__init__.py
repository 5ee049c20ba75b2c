"""Revenue-share billing: contracts, allocation rules, the append-only hash-chained ledger, periods and
signed statements.

Pure domain and persistence: it knows nothing of FastAPI or of the web application. Money is whole rupiah
as ``int`` everywhere; every rounding rule is a named function.
"""
