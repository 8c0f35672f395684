#!/usr/bin/env bash
# Installs the Debian packages docgate needs (only those missing), so that the two README
# commands work on a fresh Debian machine that has only the Rust toolchain.
set -euo pipefail

# CJK fonts: the fixture generator renders documents with them (and its tests run it).
PACKAGES=(
  fonts-noto-cjk fonts-wqy-zenhei fonts-wqy-microhei fonts-arphic-uming
  pkg-config
  # OCR (docgate-ocr): Tesseract 5 with the models pinned in models/tesseract.toml, and
  # what the tesseract-sys/leptonica-sys bindings are generated and linked with.
  tesseract-ocr tesseract-ocr-chi-sim tesseract-ocr-eng libtesseract-dev libleptonica-dev
  clang libclang-dev
  # The service: the broker workers consume from, and PostgreSQL for the store's tests.
  rabbitmq-server postgresql
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "docgate: installing Debian packages: ${missing[*]}" >&2
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
