#!/usr/bin/env bash
# Runs every test of the workspace (unit, property, integration, CLI, and the service's fault
# tests against a real RabbitMQ and PostgreSQL), after installing and starting what they
# need. CI runs exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
# Starts RabbitMQ and a throwaway PostgreSQL; exports DOCGATE_TEST_AMQP_URL and
# DOCGATE_TEST_PG_URL, which the service and store tests read (under CI they fail without).
# The object-store tests need nothing more: they run an S3 server (s3s-fs) in-process.
eval "$(bash scripts/services.sh start)"
if [ -z "${DOCGATE_KEEP_SERVICES:-}" ]; then
  trap 'bash scripts/services.sh stop' EXIT
fi
# Tesseract (later) uses OpenMP; it must be limited before any process starts.
export OMP_THREAD_LIMIT=1
cargo test --workspace -j 2 --no-fail-fast "$@"
