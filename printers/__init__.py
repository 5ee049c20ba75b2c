"""Card-printer adapters behind one small port (``printers.base``).

Each adapter lives in its own module and is chosen by name in a printer's configuration. This package knows
nothing of the web application or the database: it receives finished documents (rendered card bytes) and
reports printer and job state in the IPP vocabulary (RFC 8011).
"""
