# ktp-service application image: one image for the three roles of docker-compose.yml (migrate, app, worker).
# Debian packages come from scripts/runtime-packages.txt, the same list `make run` installs, so the image can
# never lack what the service needs to run (tests/integration/test_compose.py checks this file reads it).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 KTP_DATA_DIR=/data
COPY scripts/runtime-packages.txt /tmp/runtime-packages.txt
RUN apt-get update \
    && sed 's/#.*//' /tmp/runtime-packages.txt | xargs apt-get install -y --no-install-recommends \
    && rm -rf /var/lib/apt/lists/* /tmp/runtime-packages.txt
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
# Serves with the print worker in the same process; docker-compose.yml runs migrations once as the schema
# owner and the API and the worker apart, under the restricted application role.
CMD ["ktp", "serve", "--host", "0.0.0.0", "--port", "8000"]
