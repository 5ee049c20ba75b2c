# ktp-service application image. Fonts and image libraries come from Debian; Python packages from PyPI.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 KTP_DATA_DIR=/data
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-dejavu-core curl postgresql-client \
    && rm -rf /var/lib/apt/lists/*
RUN useradd --system --home /app --shell /usr/sbin/nologin ktp
WORKDIR /app
COPY pyproject.toml README.md ./
COPY ktp_service ./ktp_service
COPY printers ./printers
COPY billing ./billing
# The partner's verifier, which billing uses; the repository's ktp_verify is a link to it.
COPY verifier ./verifier
RUN ln -s verifier/ktp_verify ktp_verify
COPY templates ./templates
RUN pip install --no-cache-dir -e . && mkdir -p /data && chown ktp /data
USER ktp
EXPOSE 8000
# Migrations run on every start; they are idempotent.
CMD ["sh", "-c", "ktp db upgrade && ktp serve --host 0.0.0.0 --port 8000"]
