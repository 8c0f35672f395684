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

# The standard chi_sim model that reads names (models/tesseract.toml), from the npm registry
# (the tesseract.js data package carries tessdata 4.0.0's chi_sim). Checked by sha256.
root="$(cd "$(dirname "$0")/.." && pwd)"
std="$root/models/tessdata/chi_sim.traineddata"
std_sha=fc05d89ab31d8b4e226910f16a8bcbf78e43bae3e2580bb5feefd052efdab363
if ! echo "$std_sha  $std" | sha256sum -c --status 2>/dev/null; then
  command -v npm >/dev/null || { echo "docgate: npm is needed to fetch the chi_sim model for names" >&2; exit 1; }
  echo "docgate: fetching the standard chi_sim model (npm @tesseract.js-data/chi_sim@1.0.0)" >&2
  tmp="$(mktemp -d)"
  (cd "$tmp" && npm pack --silent @tesseract.js-data/chi_sim@1.0.0 >/dev/null 2>&1 \
    && tar xzf tesseract.js-data-chi_sim-1.0.0.tgz package/4.0.0/chi_sim.traineddata.gz)
  mkdir -p "$root/models/tessdata"
  gunzip -c "$tmp/package/4.0.0/chi_sim.traineddata.gz" > "$std.part"
  rm -rf "$tmp"
  if ! echo "$std_sha  $std.part" | sha256sum -c --status; then
    rm -f "$std.part"
    echo "docgate: the downloaded chi_sim model does not match its pinned sha256" >&2
    exit 1
  fi
  mv "$std.part" "$std"
fi
