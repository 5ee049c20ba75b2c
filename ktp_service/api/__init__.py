"""HTTP API (FastAPI). Routes are thin: parse, call a service, shape the answer."""
