#!/usr/bin/env bash
# Installs the real compilers that build the committed fixtures of
# tests/fixtures/real/ (profiles: toolchains/real.toml; build them with
# `python -m toolchains.real build`).  Not needed to run the tests: the
# binaries are committed; only zig (PyPI `ziglang`) is.
# Debian bookworm + bookworm-backports (Go 1.23), npm for AssemblyScript.
set -euo pipefail
if ! grep -rqs bookworm-backports /etc/apt/sources.list /etc/apt/sources.list.d/; then
  cat > /etc/apt/sources.list.d/backports.sources <<'SRC'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
fi
apt-get update -q
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
  clang lld clang-19 lld-19 wasi-libc libclang-rt-14-dev-wasm32 libclang-rt-19-dev-wasm32 \
  rustc libstd-rust-dev-wasm32 \
  emscripten binaryen \
  golang-1.23-go
npm_dir="$(dirname "$0")/.npm"
mkdir -p "$npm_dir"
npm install --prefix "$npm_dir" --no-audit --no-fund \
  assemblyscript@0.28.20 @assemblyscript/wasi-shim@0.1.0
