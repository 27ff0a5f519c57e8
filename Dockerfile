# The service image: the web UI built with Node, then Deno 2 serving main.ts as a non-root user,
# with only the sources and npm packages the service and its CLIs import.
# `docker compose up` builds it; see docs/deploy.md.

# What the image runs: the service, its CLIs and the container health check.
ARG ENTRY_POINTS="main.ts serving_worker.ts ingest/rte/cli.ts ingest/rte/refresh_cli.ts ingest/airqino/cli.ts \
ingest/ticketmaster/cli.ts deploy/healthcheck.ts"

# Node stage: builds web/dist (Vite). Only its output reaches the final image.
FROM node:22-bookworm-slim AS web
WORKDIR /web
COPY web/package.json web/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY web/ ./
# The page labels half-hours with the server's own time-zone code.
COPY lib/zoned_time.ts /lib/zoned_time.ts
RUN npm run build

# Deno 2, pinned to the version the project is developed and tested with (deno.lock v5).
# Dependencies stage: deno.lock also lists the development tools' packages (browser tests,
# deploy/validate.ts), and Deno installs every package its lock lists. So this stage installs
# them all (checked against the lock), drops from deno.json the imports that no entry point
# uses, lets Deno prune deno.lock to match (deploy/runtime_deps.ts checks it only shrank), and
# installs that into a fresh DENO_DIR, again checked against the lock.
FROM denoland/deno:debian-2.9.6 AS deps
ARG ENTRY_POINTS
WORKDIR /app
ENV DENO_NO_UPDATE_CHECK=1 \
    DENO_NO_PROMPT=1
COPY deno.json deno.lock ./
COPY vendor/ vendor/
# Rebuilt only when deno.json or deno.lock change.
RUN deno install --frozen
COPY main.ts service.ts serving_worker.ts app.ts config.ts jobs.ts ./
COPY routes/ routes/
COPY db/ db/
COPY ingest/ ingest/
COPY lib/ lib/
COPY deploy/healthcheck.ts deploy/runtime_deps.ts deploy/
RUN deno run --allow-run=deno --allow-read=. --allow-write=deno.json,deno.lock \
      deploy/runtime_deps.ts $ENTRY_POINTS && \
    DENO_DIR=/runtime-deno-dir deno install --frozen && \
    rm deploy/runtime_deps.ts

FROM denoland/deno:debian-2.9.6
ARG ENTRY_POINTS
# The image's `deno` user (uid 1993) owns DENO_DIR=/deno-dir, where dependencies are cached.
WORKDIR /app
ENV DENO_NO_UPDATE_CHECK=1 \
    DENO_NO_PROMPT=1
COPY --from=deps --chown=deno:deno /runtime-deno-dir/ /deno-dir/
# The deps stage's sources with the trimmed deno.json and deno.lock. They stay owned by root:
# the service cannot rewrite its own code.
COPY --from=deps /app/ ./
COPY --from=web /web/dist web/dist
USER deno
# Fails the build if any module the service, its CLIs or the health check import is missing.
RUN deno cache --frozen $ENTRY_POINTS

# Two serving threads (service.ts), whatever the host's core count: each is a V8
# isolate with its own heap, so the count is fixed here with the heap limit, set here only
# (compose and Kubernetes run this image): 96 MiB of old space plus a 48 MiB young generation
# (3 x 16 MiB semi-spaces) = 144 MiB per isolate, 288 MiB for two, in a 512 MiB container
# (mem_limit in docker-compose.yml, limits.memory in deploy/k8s): over 40 % is left for memory
# outside the heaps, where the rows and texts held in memory live (array buffers). Without a
# limit V8 allows itself about 4 GiB and collects late. deploy/validate.ts checks this, and
# `deno task bench` runs the service with these values.
ENV SERVE_THREADS=2
ENV DENO_V8_FLAGS=--max-old-space-size=96,--max-semi-space-size=16

EXPOSE 8000
# Every 3 s, so `docker compose up --wait` sees the app healthy within seconds of it serving
# (Docker 20.10 has no --start-interval); one check costs about 20 ms of CPU.
HEALTHCHECK --interval=3s --timeout=5s --start-period=60s --retries=3 \
  CMD ["deno", "run", "--cached-only", "--allow-net=127.0.0.1:8000", "deploy/healthcheck.ts"]

# The flags of `deno task start`, with the database at host `db` (compose service and k8s
# Service) instead of loopback; .ci/steps/deploy.sh checks they stay in step.
CMD ["deno", "run", "--unstable-net", "--cached-only", "--frozen", \
     "--allow-net=0.0.0.0:8000,db:5432,eco2mix.rte-france.com:443,airqino-api.magentalab.it:443,airqino-auth.magentalab.it:443", \
     "--allow-env=DATABASE_URL,PG*,HOST,PORT,SERVE_THREADS,MAX_RANGE_DAYS,CONSUMPTION_CACHE_MB,RTE_BASE_URL,REFRESH_INTERVAL_MINUTES,RTE_BACKFILL_YEARS,AIRQINO_BASE_URL,AIRQINO_TOKEN,AIRQINO_REFRESH_TOKEN,AIRQINO_AUTH_URL,AIRQINO_STATIONS,AIRQUALITY_INTERVAL_MINUTES", \
     "--allow-read=web/dist,db/migrations,serving_worker.ts,app.ts,config.ts,routes,db,lib,vendor", \
     "main.ts"]
