#!/usr/bin/env bash
# Runs the containers for real: a Docker engine with stand-in base images
# (../shared/tools/containers), then docs/deploy.md's Docker Compose flow command by command, as
# the document writes it (a command missing from the document fails the step), then the minikube
# manifests' containers with `docker run` as Kubernetes would run them (deploy/pod_as_docker.ts).
# Always ends with `docker compose down -v` and the engine stopped, even on failure.
set -euo pipefail
cd "$(dirname "$0")/../.."
TOOLS=../shared/tools/containers
if [ ! -d "$TOOLS" ]; then
  echo "SKIPPED: $TOOLS is absent, so no Docker engine or stand-in images can run here"
  exit 0
fi
started=$SECONDS
step() { printf -- '-- %s (%d s)\n' "$*" $((SECONDS - started)); }
fail() { echo "containers: $*" >&2; exit 1; }
work=$(mktemp -d)
K8S_NET=opendata-k8s
K8S_CONTAINERS=(k8s-db k8s-app)

remove_everything() {
  docker compose --profile tools down -v --remove-orphans >/dev/null 2>&1
  docker rm -f -v "${K8S_CONTAINERS[@]}" >/dev/null 2>&1
  docker volume rm k8s-data k8s-run >/dev/null 2>&1
  docker network rm "$K8S_NET" >/dev/null 2>&1
}
cleanup() {
  status=$?
  set +e
  if [ "$status" -ne 0 ] && docker info >/dev/null 2>&1; then
    docker compose logs --no-color --tail=40 2>&1 | sed 's/^/  compose | /'
    for name in "${K8S_CONTAINERS[@]}"; do docker logs --tail=20 "$name" 2>&1 | sed "s/^/  $name | /"; done
  fi
  remove_everything
  "$TOOLS/down.sh" >/dev/null 2>&1
  rm -rf "$work"
  echo "containers step took $((SECONDS - started)) s"
  exit "$status"
}
trap cleanup EXIT

# The commands of docs/deploy.md's shell blocks, comments and indentation stripped.
documented_commands() {
  awk '/^```sh$/ { block = 1; next } /^```$/ { block = 0 } block' docs/deploy.md |
    sed -E 's/[[:space:]]+#.*$//; s/^[[:space:]]+//; s/[[:space:]]+$//' | grep -v '^$'
}
# documented COMMAND: runs COMMAND only if docs/deploy.md shows it word for word.
documented() {
  documented_commands | grep -qxF -- "$1" || fail "not in docs/deploy.md as written: $1"
  echo "+ $1"
  eval "$1"
}
# The consumption of the README's SQL question, read from the API (60 930.454 MW in 2018).
summary_mean_w() {
  curl -sf "localhost:${1}/api/consumption/summary?start=2018-01-01T06:00&end=2018-01-03T17:00" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["mean_w"])'
}
expect_mean() { # expect_mean PORT WHEN
  local got
  got=$(summary_mean_w "$1") || fail "$2: the summary endpoint did not answer"
  [ "$got" = 60930453782 ] || fail "$2: mean_w is $got, expected 60930453782 (the 2018 file's)"
  echo "   $2: mean_w $got W"
}

step "engine and stand-in images"
"$TOOLS/engine.sh" >"$work/engine.log" 2>&1 || { cat "$work/engine.log"; fail "engine.sh failed"; }
DOCKER_CONFIG=$("$TOOLS/engine.sh" --config)
export DOCKER_CONFIG
"$TOOLS/standins.sh" >"$work/standins.log" 2>&1 || { cat "$work/standins.log"; fail "standins.sh failed"; }
remove_everything || true # leftovers of an interrupted earlier run

step "docker compose: build, start, wait until healthy"
documented "docker compose up --build -d --wait"
health=$(docker inspect --format '{{.State.StartedAt}} {{range .State.Health.Log}}{{if eq .ExitCode 0}}{{.End.UTC.Format "2006-01-02T15:04:05.000000"}} {{end}}{{end}}' "$(docker compose ps -q app)")
read -r app_started first_healthy _ <<<"$health"
docker compose logs --no-color --timestamps app >"$work/app.log"
listening=$(awk '/Listening on/ { print $3; exit }' "$work/app.log")
python3 - "$app_started" "$listening" "$first_healthy" <<'EOF'
import sys
from datetime import datetime
def at(text): return datetime.fromisoformat(text[:26].rstrip("Z") if "." in text else text.rstrip("Z"))
started, listening, healthy = (at(t) for t in sys.argv[1:4])
print(f"   app container started; serving after {(listening - started).total_seconds():.1f} s, "
      f"healthy after {(healthy - started).total_seconds():.1f} s")
if (healthy - listening).total_seconds() > 5:
    sys.exit("containers: healthy more than 5 s after the app started serving")
EOF
documented "curl -s localhost:8000/healthz"
echo

step "the image carries only what it runs"
size=$(docker image inspect --format '{{.Size}}' opendata-feeds:local)
base=$(docker image inspect --format '{{.Size}}' denoland/deno:debian-2.9.6)
echo "   opendata-feeds:local $((size / 1000000)) MB, of which $(((size - base) / 1000000)) MB above its base image"
packages=$(docker run --rm --entrypoint ls opendata-feeds:local /deno-dir/npm/registry.npmjs.org)
for dev in playwright-core kubernetes-models dockerfile-utils; do
  if grep -qx "$dev" <<<"$packages"; then fail "the image holds the development package $dev"; fi
done
for absent in tests bench docs web/src web/node_modules deploy/k8s deploy/validate.ts deploy/runtime_deps.ts openapi_cli.ts; do
  if docker run --rm --entrypoint test opendata-feeds:local -e "/app/$absent"; then
    fail "the image holds /app/$absent"
  fi
done
echo "   npm packages: $(tr '\n' ' ' <<<"$packages")"

step "docker compose: load a real RTE file into the running stack, read it back"
export RTE_DATA_DIR=../shared/data/rte/national/annuel-definitif
documented "docker compose run --rm ingest /data/eCO2mix_RTE_Annuel-Definitif_2018.zip"
documented "curl -s 'localhost:8000/api/consumption/summary?start=2018-01-01T06:00&end=2018-01-03T17:00'"
echo
expect_mean 8000 "after the load"

step "docker compose: down + up keeps the data, down -v deletes it"
documented "docker compose down"
documented "docker compose up -d --wait"
expect_mean 8000 "after down and up"
documented "docker compose down -v"
volume="$(docker compose config --format json | python3 -c 'import json, sys; print(json.load(sys.stdin)["name"])')_pgdata"
if docker volume ls -q | grep -qxF "$volume"; then fail "down -v left the volume $volume"; fi
echo "   the volume $volume is gone"

step "minikube manifests: their containers under docker run"
kubectl kustomize deploy/k8s >"$work/k8s.yaml"
as_docker() { # as_docker KIND/NAME [OPTIONS...]: `docker run` of that pod's container
  local args
  deno run --cached-only --allow-read="$work" --allow-env=LOG_TOKENS,LOG_STREAM deploy/pod_as_docker.ts "$work/k8s.yaml" "$@" \
    >"$work/args.json"
  mapfile -d '' -t args < <(python3 -c 'import json, sys; print("\0".join(json.load(sys.stdin)), end="")' <"$work/args.json")
  docker "${args[@]}"
}
docker network create "$K8S_NET" >/dev/null
as_docker StatefulSet/db --name k8s-db --network "$K8S_NET" --volume-prefix k8s >/dev/null
for _ in $(seq 1 60); do docker exec k8s-db pg_isready -q -h 127.0.0.1 && break; sleep 1; done
docker exec k8s-db pg_isready -h 127.0.0.1 || fail "the db StatefulSet's container is not ready"
mkdir -p "$work/rte" && cp ../shared/data/rte/national/annuel-definitif/eCO2mix_RTE_Annuel-Definitif_2018.zip "$work/rte/"
chmod -R a+rX "$work"
echo "   rte-ingest Job (uid 1993, read-only root, no capabilities):"
as_docker CronJob/rte-ingest --network "$K8S_NET" --host-path "/data/rte=$work/rte" 2>&1 |
  sed 's/^/   | /'
as_docker Deployment/app --name k8s-app --network "$K8S_NET" --publish 127.0.0.1:18000:8000 >/dev/null
for _ in $(seq 1 60); do curl -sf localhost:18000/healthz >/dev/null && break; sleep 1; done
curl -sf localhost:18000/healthz >/dev/null || fail "the app Deployment's container never became ready"
expect_mean 18000 "app Deployment after the rte-ingest Job"
echo "containers: all checks passed"
