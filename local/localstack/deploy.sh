#!/usr/bin/env bash
# Build and deploy every Entrega stack into LocalStack, in the order a pipeline would: the
# shared bus and layer, the services, then the saga that calls them. Each stack is deployed
# with `sam deploy` from its own folder, exactly as on AWS; samlocal only points it at
# LocalStack. At the end, each REST API's base URL is written to /out/urls.env for the e2e
# container (docker-compose.localstack.yml).
set -euo pipefail

pip install --quiet aws-sam-cli-local==1.71.0 awscli-local==0.23.0
export AWS_ENDPOINT_URL="${AWS_ENDPOINT_URL:-http://localstack:4566}"
work=$(mktemp -d)
cp -r /entrega/. "$work"
cd "$work"

# With STRIPE_MOCK=1 the payments stack charges through stripe-mock instead of the simulated
# provider (stripe-mock accepts every card, so the e2e decline scenario is skipped then).
payments_overrides=()
if [[ "${STRIPE_MOCK:-0}" == "1" ]]; then
  awslocal ssm put-parameter --name /entrega/payments/stripe-secret-key --type SecureString \
    --value sk_test_entrega_localstack --overwrite >/dev/null
  payments_overrides=(StripeSecretKeyParameter=/entrega/payments/stripe-secret-key
                      StripeApiBase=http://stripe-mock:12111)
fi

for stack in contracts services/inventory services/payments services/recommendations \
             services/intake services/notifications orchestration; do
  name="entrega-$(basename "$stack")"
  overrides=()
  if [[ "$name" == "entrega-payments" && ${#payments_overrides[@]} -gt 0 ]]; then
    overrides=(--parameter-overrides "${payments_overrides[@]}")
  fi
  echo "== deploying $name"
  (cd "$stack" && samlocal build --quiet && samlocal deploy --stack-name "$name" --resolve-s3 \
     --no-confirm-changeset --no-fail-on-empty-changeset \
     --capabilities CAPABILITY_IAM CAPABILITY_AUTO_EXPAND "${overrides[@]}")
done

api_url() {  # the LocalStack URL of a stack's REST API: stack name, logical id of the API
  local id
  id=$(awslocal cloudformation describe-stack-resource --stack-name "$1" \
         --logical-resource-id "$2" --query StackResourceDetail.PhysicalResourceId --output text)
  echo "${AWS_ENDPOINT_URL}/restapis/${id}/Prod/_user_request_"
}

mkdir -p /out
{
  echo "ENTREGA_BASE_URL=$(api_url entrega-intake IntakeApi)"
  echo "ENTREGA_INVENTORY_URL=$(api_url entrega-inventory InventoryApi)"
  echo "ENTREGA_PAYMENTS_URL=$(api_url entrega-payments PaymentsApi)"
  echo "ENTREGA_NOTIFICATIONS_URL=$(api_url entrega-notifications NotificationsApi)"
  if [[ "${STRIPE_MOCK:-0}" == "1" ]]; then echo "ENTREGA_E2E_REAL_PROVIDER=1"; fi
} | tee /out/urls.env
