#!/usr/bin/env bash
# Offline checks of the deployment files (no Docker engine or cluster here): the compose file
# with `docker-compose config` (Debian's docker-compose, or the `docker compose` plugin), the
# kustomize tree rendered with `kubectl kustomize` (Debian's kubernetes-client if no kubectl),
# then deploy/validate.ts: Kubernetes schemas, Dockerfile lint, and the project's own rules.
set -euo pipefail
cd "$(dirname "$0")/../.."
started=$SECONDS

apt_install() {
  [ -n "${apt_updated:-}" ] || { apt-get update -qq; apt_updated=1; }
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null 2>&1 ||
    { echo "cannot install $* from apt" >&2; return 1; }
}

if docker compose version >/dev/null 2>&1; then
  compose=(docker compose)
else
  command -v docker-compose >/dev/null 2>&1 || apt_install docker-compose
  compose=(docker-compose)
fi
command -v kubectl >/dev/null 2>&1 || apt_install kubernetes-client

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# With an empty .env: the defaults in docker-compose.yml must make a valid file by themselves.
: >"$out/empty.env"
"${compose[@]}" --env-file "$out/empty.env" -f docker-compose.yml --profile tools config -q
"${compose[@]}" --env-file "$out/empty.env" -f docker-compose.yml --profile tools config >"$out/compose.yaml"
kubectl kustomize deploy/k8s >"$out/k8s.yaml"
deno run --cached-only --allow-read=.,"$out" --allow-env=LOG_TOKENS,LOG_STREAM \
  deploy/validate.ts "$out/k8s.yaml" "$out/compose.yaml" 2> >(grep -v punycode >&2)
echo "deploy checks took $((SECONDS - started)) s"
