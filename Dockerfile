# syntax=docker/dockerfile:1
# LynrieScoop service image. Build: docker build -t lynriescoop .   (or: docker compose build)

# ---- build: install the package and its pinned dependencies into a virtualenv ---------------------------
FROM python:3.11-slim AS build

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1

RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH

WORKDIR /src
# README.md is the package's long description (pyproject.toml), so it is part of the build.
COPY pyproject.toml README.md ./
COPY src ./src
RUN pip install --upgrade pip && pip install .

# ---- runtime --------------------------------------------------------------------------------------------
FROM python:3.11-slim

# ENVIRONMENT=production: the image listens on 0.0.0.0, so it never seeds demo accounts, refuses to start while
# they exist or with the committed broker password, and requires JWT_SECRET, DATABASE_URL and MQTT_URL (SECURITY.md).
# For a development container, pass -e ENVIRONMENT=development (it still does not seed on 0.0.0.0).
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    ENVIRONMENT=production \
    HOST=0.0.0.0 \
    PORT=8000 \
    LYNRIESCOOP_ROOT=/app

RUN groupadd --system --gid 10001 lynriescoop \
    && useradd --system --uid 10001 --gid lynriescoop --home-dir /app --shell /usr/sbin/nologin lynriescoop

COPY --from=build /opt/venv /opt/venv

# `lynriescoop serve` and `lynriescoop migrate` run Alembic from the working directory.
WORKDIR /app
COPY alembic.ini ./
COPY migrations ./migrations
# var/ is DATA_DIR and holds MAIL_DIR: only written to when no SMTP_HOST is set.
RUN mkdir -p /app/var/mail && chown -R lynriescoop:lynriescoop /app/var

USER lynriescoop

EXPOSE 8000

HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=6 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/readyz' % os.environ.get('PORT', '8000'), timeout=3)"]

# Exec form: the server is PID 1 and receives SIGTERM from `docker stop` directly.
CMD ["lynriescoop", "serve", "--host", "0.0.0.0"]
