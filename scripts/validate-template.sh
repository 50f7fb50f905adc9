#!/usr/bin/env bash
# Lints and scans the SAM template and the infra/ StackSet templates.
#
#   scripts/validate-template.sh            cfn-lint, sam validate --lint, checkov
#   scripts/validate-template.sh --self-test  each tool fed a broken copy of template.yaml
#                                             must fail: proof the checks can fail at all
#
# The tools are Python packages. They live in a project-local folder
# (.venv-tools) that this script fills on first use: one virtualenv per tool,
# because aws-sam-cli and checkov pin different exact boto3 versions and cannot
# share one environment. A stamp file named after the pinned versions makes
# later runs skip pip entirely. Delete .venv-tools or change a pin to reinstall.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

VENVS="${VIGIL_TOOLS_VENV:-$ROOT/.venv-tools}"
PYTHON="${PYTHON:-python3}"
# Pins checked against PyPI on 2026-11-21; bump them here and the stamp changes.
TOOLS=(aws-sam-cli==1.170.0 cfn-lint==1.58.0 checkov==3.3.30)
STAMP="$VENVS/.installed-$(printf '%s\n' "${TOOLS[@]}" | sha256sum | cut -c1-16)"

export SAM_CLI_TELEMETRY=0
export PIP_DISABLE_PIP_VERSION_CHECK=1
# Keep checkov offline: no platform mapping download, no package (SCA) scan.
export BC_SKIP_MAPPING=TRUE
export CHECKOV_RUN_SCA_PACKAGE_SCAN_V2=false
export AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-us-east-1}"

if [[ ! -f "$STAMP" ]]; then
  echo "==> installing ${TOOLS[*]} into ${VENVS#"$ROOT"/}/ (first run only, a few minutes)"
  for spec in "${TOOLS[@]}"; do
    venv="$VENVS/${spec%%==*}"
    [[ -x "$venv/bin/python" ]] || "$PYTHON" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --upgrade pip
    "$venv/bin/python" -m pip install --quiet "$spec"
  done
  rm -f "$VENVS"/.installed-*
  touch "$STAMP"
fi
SAM="$VENVS/aws-sam-cli/bin/sam"
CFN_LINT="$VENVS/cfn-lint/bin/cfn-lint"
CHECKOV="$VENVS/checkov/bin/checkov"

shopt -s nullglob
INFRA=(infra/*.yaml)
shopt -u nullglob

if [[ "${1:-}" == "--self-test" ]]; then
  scratch="$(mktemp -d)"
  trap 'rm -rf "$scratch"' EXIT
  # broken <name> <sed expression>: template.yaml with one fault, which the tool must catch.
  broken() {
    local out="$scratch/$1.yaml"
    sed -E "$2" template.yaml >"$out"
    if cmp -s template.yaml "$out"; then
      echo "self-test: the fault '$1' no longer applies to template.yaml; update the self-test" >&2
      exit 1
    fi
    echo "$out"
  }
  expect_failure() {
    local name="$1"
    shift
    if "$@" >"$scratch/out.txt" 2>&1; then
      echo "self-test FAILED: $name passed a broken template" >&2
      cat "$scratch/out.txt" >&2
      exit 1
    fi
    echo "    ok: $name rejected it ($(grep -m1 -E 'E[0-9]{4}|Error|FAILED|Check:' "$scratch/out.txt" | cut -c1-120))"
  }
  echo "==> self-test: a reference to a resource the template does not have"
  expect_failure cfn-lint "$CFN_LINT" "$(broken dangling-ref 's/!GetAtt VigilKey\.Arn/!GetAtt NoSuchKey.Arn/')"
  echo "==> self-test: a function of a resource type SAM does not know"
  expect_failure "sam validate" "$SAM" validate --lint --region us-east-1 --template "$(broken resource-type '0,/Type: AWS::Serverless::Function$/s//Type: AWS::Serverless::Functoin/')"
  echo "==> self-test: the findings table without encryption or point-in-time recovery"
  expect_failure checkov "$CHECKOV" -f "$(broken unencrypted 's/SSEEnabled: true/SSEEnabled: false/; s/PointInTimeRecoveryEnabled: true/PointInTimeRecoveryEnabled: false/')" --framework cloudformation --quiet --compact
  echo "validate-template: every check rejects a broken template"
  exit 0
fi

failed=()
run() {
  local name="$1"
  shift
  echo "==> $name"
  if "$@"; then
    echo "    ok"
  else
    echo "    FAILED: $name" >&2
    failed+=("$name")
  fi
}

run "cfn-lint" "$CFN_LINT" template.yaml "${INFRA[@]}"
run "sam validate --lint" "$SAM" validate --lint --template template.yaml --region us-east-1

checkov_files=()
for f in template.yaml "${INFRA[@]}"; do checkov_files+=(-f "$f"); done
checkov_args=("${checkov_files[@]}" --framework cloudformation --quiet --compact)
[[ -f .checkov.yaml ]] && checkov_args+=(--config-file .checkov.yaml)
run "checkov" "$CHECKOV" "${checkov_args[@]}"

if ((${#failed[@]})); then
  echo "validate-template: ${#failed[@]} check(s) failed: ${failed[*]}" >&2
  exit 1
fi
echo "validate-template: all checks passed"
