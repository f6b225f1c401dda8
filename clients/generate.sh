#!/usr/bin/env bash
# Regenerates the Go and Python client code from proto/ with the pinned local
# plugins (clients/install-plugins.sh installs them). Run from anywhere; it
# works from the repository root, where buf.yaml is.
set -euo pipefail
cd "$(dirname "$0")/.."

for tool in clients/.tools/bin/protoc-gen-go clients/.tools/bin/protoc-gen-go-grpc \
  clients/.tools/venv/bin/protoc-gen-mypy; do
  if [ ! -x "$tool" ]; then
    echo "missing $tool: run 'bash clients/install-plugins.sh' first" >&2
    exit 1
  fi
done

# Generated trees are rebuilt whole, so a proto file that is removed or
# renamed leaves nothing stale behind.
rm -rf clients/go/gen clients/python/src/herald
# mypy-protobuf announces every file on stderr; failures still show, since
# buf reports them and exits non-zero.
npx buf generate --template clients/buf.gen.yaml 2> >(grep -v '^Writing mypy to ' >&2)

# PEP 561: the stubs are used by type checkers only where the package says
# it is typed.
find clients/python/src/herald -type d -exec touch {}/py.typed \;
