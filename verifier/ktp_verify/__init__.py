"""ktp-verify: the revenue-share partner's own check of a month's signed bundle from ktp-service.

Needs only the Python standard library and ``cryptography``; it never imports the service. The service
uses these same modules (canonical JSON, the record format, pricing, the roll-up, checkpoints, the bundle
check), so what the partner runs is what the regency runs. Command line: ``ktp-verify`` or
``python -m ktp_verify`` (:mod:`ktp_verify.cli`).
"""

__version__ = "1.0.0"
