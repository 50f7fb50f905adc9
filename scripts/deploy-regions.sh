#!/usr/bin/env bash
# Deploys the Vigil stack to several Regions, in order, from one build.
#
#   scripts/deploy-regions.sh                          the Regions below, in order
#   scripts/deploy-regions.sh eu-west-1 us-east-1      those, in that order
#   scripts/deploy-regions.sh -- --no-confirm-changeset   extra flags for sam deploy
#
# Each Region is a samconfig.toml environment ([<region>.deploy.parameters]).
# Stops at the first failure and says what was deployed before it. Uses the
# sam on PATH, else the one scripts/validate-template.sh installs.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export SAM_CLI_TELEMETRY=0

DEFAULT_REGIONS=(us-east-1 eu-west-1 ap-northeast-1)

regions=()
deploy_args=()
while (($#)); do
  case "$1" in
    -h | --help)
      sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    --)
      shift
      deploy_args=("$@")
      break
      ;;
    -*)
      echo "deploy-regions: unknown option $1 (pass sam deploy flags after --)" >&2
      exit 2
      ;;
    *)
      regions+=("$1")
      shift
      ;;
  esac
done
((${#regions[@]})) || regions=("${DEFAULT_REGIONS[@]}")

SAM="$(command -v sam || true)"
[[ -n "$SAM" ]] || SAM="$ROOT/.venv-tools/aws-sam-cli/bin/sam"
if [[ ! -x "$SAM" ]]; then
  echo "deploy-regions: sam not found; run scripts/validate-template.sh once to install it" >&2
  exit 2
fi

for region in "${regions[@]}"; do
  if ! grep -q "^\[${region}\.deploy\.parameters\]" samconfig.toml; then
    echo "deploy-regions: samconfig.toml has no [${region}.deploy.parameters]" >&2
    exit 2
  fi
done

deployed=()
report() {
  echo "deployed: ${deployed[*]:-none}"
}
trap report EXIT

# SAM's esbuild builder looks for esbuild on PATH; the project has it as a
# devDependency (npm ci first).
[[ -x node_modules/.bin/esbuild ]] || {
  echo "deploy-regions: node_modules/.bin/esbuild missing; run npm ci first" >&2
  exit 2
}
PATH="$ROOT/node_modules/.bin:$PATH"

echo "==> sam build"
"$SAM" build

for region in "${regions[@]}"; do
  echo "==> sam deploy --config-env $region"
  if ! "$SAM" deploy --config-env "$region" ${deploy_args[@]+"${deploy_args[@]}"}; then
    echo "deploy-regions: $region failed; Regions after it were not attempted" >&2
    exit 1
  fi
  deployed+=("$region")
done
