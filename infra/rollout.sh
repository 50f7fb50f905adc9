#!/usr/bin/env bash
# Rolls out Vigil's organization-wide pieces (see infra/README.md).
#
#   infra/rollout.sh forwarder --security-account 111122223333 \
#       --ou-ids ou-abcd-11111111,ou-abcd-22222222 \
#       --regions us-east-1,eu-west-1,ap-northeast-1 [--call-as DELEGATED_ADMIN]
#   infra/rollout.sh reader --security-account 111122223333 --org-id o-exampleorgid
#
# forwarder: creates (or updates) the SERVICE_MANAGED StackSet of
#   member-forwarder.yaml with auto-deployment, then adds stack instances for
#   the OUs and Regions. Run from the management account, or from a delegated
#   StackSets administrator with --call-as DELEGATED_ADMIN.
# reader: deploys management-organizations-reader.yaml as a plain stack; run
#   with management-account credentials.
#
# Common options: --dry-run prints the aws commands instead of running them;
# --profile NAME is passed to every aws call.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

usage() {
  sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'
  exit "${1:-0}"
}
die() {
  echo "rollout: $*" >&2
  exit 2
}

(($#)) || usage 2
command_name="$1"
shift

security_account=""
org_id=""
ou_ids=""
regions=""
central_bus="vigil-central"
stack_set="vigil-member-forwarder"
reader_stack="vigil-organizations-reader"
trusted_role_pattern="vigil-DirectoryFunctionRole-*"
call_as="SELF"
max_concurrent_percent=25
dry_run=false
aws_global=()

while (($#)); do
  case "$1" in
    --security-account) security_account="${2:?}"; shift 2 ;;
    --org-id) org_id="${2:?}"; shift 2 ;;
    --ou-ids) ou_ids="${2:?}"; shift 2 ;;
    --regions) regions="${2:?}"; shift 2 ;;
    --central-bus-name) central_bus="${2:?}"; shift 2 ;;
    --stack-set-name) stack_set="${2:?}"; shift 2 ;;
    --stack-name) reader_stack="${2:?}"; shift 2 ;;
    --trusted-role-pattern) trusted_role_pattern="${2:?}"; shift 2 ;;
    --call-as) call_as="${2:?}"; shift 2 ;;
    --max-concurrent-percent) max_concurrent_percent="${2:?}"; shift 2 ;;
    --profile) aws_global+=(--profile "${2:?}"); shift 2 ;;
    --dry-run) dry_run=true; shift ;;
    -h | --help) usage 0 ;;
    *) die "unknown option $1" ;;
  esac
done

aws_cmd() {
  if $dry_run; then
    printf '%q ' aws ${aws_global[@]+"${aws_global[@]}"} "$@"
    echo
  else
    aws ${aws_global[@]+"${aws_global[@]}"} "$@"
  fi
}

# Waits for a stack set operation to finish; fails unless it SUCCEEDED.
wait_operation() {
  local op="$1" status
  $dry_run && return 0
  while :; do
    status="$(aws ${aws_global[@]+"${aws_global[@]}"} cloudformation describe-stack-set-operation \
      --stack-set-name "$stack_set" --operation-id "$op" --call-as "$call_as" \
      --query StackSetOperation.Status --output text)"
    case "$status" in
      RUNNING | QUEUED | STOPPING) sleep 15 ;;
      SUCCEEDED) echo "    operation $op succeeded"; return 0 ;;
      *) die "operation $op ended $status (aws cloudformation list-stack-set-operation-results --stack-set-name $stack_set --operation-id $op --call-as $call_as)" ;;
    esac
  done
}

[[ "$security_account" =~ ^[0-9]{12}$ ]] || die "--security-account must be a 12-digit account ID"

case "$command_name" in
  forwarder)
    [[ -n "$ou_ids" ]] || die "--ou-ids is required (comma-separated, e.g. ou-abcd-11111111,ou-abcd-22222222)"
    [[ -n "$regions" ]] || die "--regions is required (comma-separated)"
    [[ "$call_as" == SELF || "$call_as" == DELEGATED_ADMIN ]] || die "--call-as is SELF or DELEGATED_ADMIN"
    IFS=',' read -r -a region_list <<<"$regions"
    template="file://$HERE/member-forwarder.yaml"
    params=(
      "ParameterKey=SecurityAccountId,ParameterValue=$security_account"
      "ParameterKey=CentralBusName,ParameterValue=$central_bus"
    )

    # Stack set: create once, later runs update the template and parameters.
    if ! $dry_run && aws ${aws_global[@]+"${aws_global[@]}"} cloudformation describe-stack-set \
      --stack-set-name "$stack_set" --call-as "$call_as" >/dev/null 2>&1; then
      echo "==> updating stack set $stack_set (all existing instances)"
      op="$(aws_cmd cloudformation update-stack-set \
        --stack-set-name "$stack_set" \
        --template-body "$template" \
        --parameters "${params[@]}" \
        --capabilities CAPABILITY_IAM \
        --call-as "$call_as" \
        --operation-preferences "RegionConcurrencyType=PARALLEL,FailureTolerancePercentage=0,MaxConcurrentPercentage=$max_concurrent_percent" \
        --query OperationId --output text)"
      if $dry_run; then echo "$op"; else wait_operation "$op"; fi
    else
      echo "==> creating stack set $stack_set"
      aws_cmd cloudformation create-stack-set \
        --stack-set-name "$stack_set" \
        --description "Vigil: forward Config and GuardDuty findings to the central bus" \
        --template-body "$template" \
        --parameters "${params[@]}" \
        --capabilities CAPABILITY_IAM \
        --permission-model SERVICE_MANAGED \
        --auto-deployment Enabled=true,RetainStacksOnAccountRemoval=false \
        --managed-execution Active=true \
        --call-as "$call_as"
    fi

    echo "==> adding stack instances: OUs $ou_ids, Regions ${region_list[*]}"
    op="$(aws_cmd cloudformation create-stack-instances \
      --stack-set-name "$stack_set" \
      --deployment-targets "OrganizationalUnitIds=$ou_ids" \
      --regions "${region_list[@]}" \
      --operation-preferences "RegionConcurrencyType=PARALLEL,FailureTolerancePercentage=0,MaxConcurrentPercentage=$max_concurrent_percent" \
      --call-as "$call_as" \
      --query OperationId --output text)"
    if $dry_run; then echo "$op"; else wait_operation "$op"; fi
    ;;

  reader)
    [[ "$org_id" =~ ^o-[a-z0-9]{10,32}$ ]] || die "--org-id must look like o-exampleorgid"
    echo "==> deploying stack $reader_stack (management account)"
    aws_cmd cloudformation deploy \
      --stack-name "$reader_stack" \
      --template-file "$HERE/management-organizations-reader.yaml" \
      --capabilities CAPABILITY_NAMED_IAM \
      --no-fail-on-empty-changeset \
      --parameter-overrides \
      "OrganizationId=$org_id" \
      "SecurityAccountId=$security_account" \
      "TrustedRoleNamePattern=$trusted_role_pattern"
    aws_cmd cloudformation describe-stacks --stack-name "$reader_stack" \
      --query "Stacks[0].Outputs[?OutputKey=='RoleArn'].OutputValue" --output text
    ;;

  *) usage 2 ;;
esac
