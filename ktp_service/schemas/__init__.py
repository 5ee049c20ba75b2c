"""Request and response bodies (pydantic). One family per resource: ``XCreate``, ``XUpdate``, ``XPublic``."""
