#!/usr/bin/env bash
# Runs `sam build` with the project's own tools: SAM CLI from the virtualenv that
# validate-template.sh creates, esbuild from node_modules (SAM looks for it on PATH).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
SAM="${VIGIL_TOOLS_VENV:-$ROOT/.venv-tools}/aws-sam-cli/bin/sam"
[[ -x "$SAM" ]] || bash scripts/validate-template.sh >/dev/null
[[ -x node_modules/.bin/esbuild ]] || { echo "esbuild missing: run npm ci first" >&2; exit 1; }
export PATH="$ROOT/node_modules/.bin:$PATH" SAM_CLI_TELEMETRY=0
"$SAM" build --template template.yaml --build-dir .aws-sam/build "$@"
# Each bundle must load as Lambda loads it, with its own environment from the template.
npx tsx scripts/check-bundles.ts .aws-sam/build
