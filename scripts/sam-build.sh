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
# Each bundle must load as Lambda loads it (configuration comes from the environment).
for f in .aws-sam/build/*/handler.mjs; do
  if ! TABLE_NAME=build-check AWS_REGION=us-east-1 AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true \
    node --input-type=module -e "const m = await import('$ROOT/$f'); if (typeof m.handler !== 'function') { console.error('no handler export'); process.exit(1); }" 2>/tmp/sam-build-load.err; then
    echo "does not load: $f" >&2; cut -c1-400 /tmp/sam-build-load.err | tail -5 >&2; exit 1
  fi
  echo "loads: $f ($(du -k "$f" | cut -f1) KB)"
done
