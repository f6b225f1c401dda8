#!/usr/bin/env bash
# Installs the local code generators that `npm run generate` runs for the Go
# and Python clients, pinned, into clients/.tools (ignored by git):
#   - protoc-gen-go and protoc-gen-go-grpc, built with `go install` from the
#     Go module proxy;
#   - a Python virtual environment with grpcio-tools (protoc and the gRPC
#     Python generator, as a library), mypy-protobuf (the .pyi type stubs),
#     and what the Python client's tests need at run time.
# Nothing is fetched from a remote plugin registry: generation runs offline
# once this has run. Safe to run again; it reinstalls only what is missing or
# at another version.
set -euo pipefail
cd "$(dirname "$0")"

PROTOC_GEN_GO_VERSION=v1.36.12
PROTOC_GEN_GO_GRPC_VERSION=v1.6.2

tools="$PWD/.tools"
mkdir -p "$tools/bin"

# `go version -m` reads the module version recorded in the binary, so a
# changed pin reinstalls and an unchanged one costs nothing.
install_go_tool() {
  local package="$1" module="$2" version="$3"
  local binary="${package##*/}"
  if ! go version -m "$tools/bin/$binary" 2>/dev/null | grep -q "mod[[:space:]]*${module}[[:space:]]*${version}"; then
    GOBIN="$tools/bin" go install "${package}@${version}"
  fi
}
install_go_tool google.golang.org/protobuf/cmd/protoc-gen-go \
  google.golang.org/protobuf "$PROTOC_GEN_GO_VERSION"
install_go_tool google.golang.org/grpc/cmd/protoc-gen-go-grpc \
  google.golang.org/grpc/cmd/protoc-gen-go-grpc "$PROTOC_GEN_GO_GRPC_VERSION"

# A virtual environment's scripts name its interpreter by absolute path, so
# one made before the checkout moved cannot run them: make it again.
if [ -x "$tools/venv/bin/python" ] && [ -f "$tools/venv/bin/protoc-gen-mypy" ] &&
  [ "$(head -1 "$tools/venv/bin/protoc-gen-mypy")" != "#!$tools/venv/bin/python" ]; then
  rm -rf "$tools/venv"
fi
if [ ! -x "$tools/venv/bin/python" ]; then
  python3 -m venv "$tools/venv"
fi
"$tools/venv/bin/python" -m pip install --quiet --disable-pip-version-check \
  -r python/requirements-dev.txt
# The client package itself, editable, so that its tests import what
# `npm run generate` wrote, as a team that depends on it would.
"$tools/venv/bin/python" -m pip install --quiet --disable-pip-version-check \
  --no-deps --editable ./python
