#!/usr/bin/env bash
# Run the end-to-end suite (tests/e2e) against the stacks deploy.sh put into LocalStack.
# The suite only speaks HTTP to the URLs in /out/urls.env; it installs the project's locked
# test dependencies the way `make check` does, in a copy of the read-only checkout.
set -euo pipefail

set -a
# shellcheck disable=SC1091
source /out/urls.env
set +a
work=$(mktemp -d)
cp -r /entrega/. "$work"
cd "$work"
rm -rf .venv node_modules
make install
# The sample shop's menu, stock and opening hours, written through the stacks' outputs.
.venv/bin/python -m entrega_local.seed
.venv/bin/pytest tests/e2e -p no:cacheprovider
