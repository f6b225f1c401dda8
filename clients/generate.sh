#!/usr/bin/env bash
# Regenerates the Go and Python client code from proto/ with the pinned local
# plugins (clients/install-plugins.sh installs them). Run from anywhere; it
# works from the repository root, where buf.yaml is.
#
# The code is generated into a scratch folder and replaces the committed
# trees only when every plugin succeeded, so a broken tool never leaves the
# checkout without its generated code.
set -euo pipefail
cd "$(dirname "$0")/.."

tools=clients/.tools
missing() {
  echo "$1: run 'bash clients/install-plugins.sh' first" >&2
  exit 1
}
for tool in bin/protoc-gen-go bin/protoc-gen-go-grpc venv/bin/protoc-gen-mypy venv/bin/protoc-gen-mypy_grpc; do
  [ -x "$tools/$tool" ] || missing "missing $tools/$tool"
done
"$tools/venv/bin/python" -c 'import grpc_tools.protoc, mypy_protobuf' 2>/dev/null ||
  missing "$tools/venv lacks grpcio-tools or mypy-protobuf"

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
npx buf generate --template clients/buf.gen.yaml --output "$scratch"

# PEP 561: type checkers use the stubs only where the package says it is typed.
find "$scratch/clients/python/src/herald" -type d -exec touch {}/py.typed \;

# Whole trees are replaced, so a proto file removed or renamed leaves nothing
# stale behind.
for tree in clients/go/gen clients/python/src/herald; do
  rm -rf "$tree"
  mkdir -p "$(dirname "$tree")"
  mv "$scratch/$tree" "$tree"
done
