#!/usr/bin/env bash
# Build and deploy every Entrega stack into LocalStack, in the order a pipeline would:
# the shared bus and layer, the services, then the saga that calls them.
set -euo pipefail

pip install --quiet aws-sam-cli-local==1.71.0
work=$(mktemp -d)
cp -r /entrega/. "$work"
cd "$work"

for stack in contracts services/inventory services/payments services/recommendations \
             services/intake services/notifications orchestration; do
  name="entrega-$(basename "$stack")"
  echo "== deploying $name"
  (cd "$stack" && samlocal build --quiet && samlocal deploy --stack-name "$name" --resolve-s3 \
     --no-confirm-changeset --no-fail-on-empty-changeset \
     --capabilities CAPABILITY_IAM CAPABILITY_AUTO_EXPAND)
done

api_id=$(aws apigateway get-rest-apis --query 'items[0].id' --output text)
echo "Entrega API: http://localstack:4566/restapis/${api_id}/Prod/_user_request_"
