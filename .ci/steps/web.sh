#!/usr/bin/env bash
# CI gate for the web UI: Debian's Chromium for the end-to-end tests (tests/web_e2e_test.ts,
# run by `deno task test`), then a clean install, type check and build of web/ into web/dist.
# `npm run check` and `npm run build` first generate the API's types (src/lib/api/schema.d.ts,
# not committed) from the committed OpenAPI document, src/lib/api/openapi.json.
set -euo pipefail
cd "$(dirname "$0")/../.."

if [ ! -x /usr/bin/chromium ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
/usr/bin/chromium --version 2>/dev/null

cd web
npm ci --no-audit --no-fund
npm run check
npm run build
