# The service image: the web UI built with Node, then Deno 2 serving main.ts as a non-root user.
# `docker compose up` builds it; see docs/deploy.md.

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
FROM denoland/deno:debian-2.9.6
# The image's `deno` user (uid 1993) owns DENO_DIR=/deno-dir, where dependencies are cached.
WORKDIR /app
USER deno
ENV DENO_NO_UPDATE_CHECK=1 \
    DENO_NO_PROMPT=1

# Dependencies first: this layer is rebuilt only when deno.json or deno.lock change.
COPY deno.json deno.lock ./
COPY vendor/ vendor/
RUN deno install --frozen

# Sources stay owned by root: the service cannot rewrite its own code.
COPY . .
COPY --from=web /web/dist web/dist
# Fails the build if any module the service or the refresh CLI imports is not cached.
RUN deno cache --frozen main.ts ingest/rte/refresh_cli.ts deploy/healthcheck.ts

# The V8 heap limit, set here only (compose and Kubernetes run this image): 256 MiB of old space
# plus a 48 MiB young generation (3 x 16 MiB semi-spaces) = 304 MiB, in a 512 MiB container
# (mem_limit in docker-compose.yml, limits.memory in deploy/k8s): 40 % is left for memory
# outside the heap. Without it V8 allows itself about 4 GiB and collects late: `deno task bench`
# peaked at 628 MiB RSS under 64-256 clients, 365 MiB with it. deploy/validate.ts checks this.
ENV DENO_V8_FLAGS=--max-old-space-size=256,--max-semi-space-size=16

EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["deno", "run", "--cached-only", "--allow-net=127.0.0.1:8000", "deploy/healthcheck.ts"]

# The flags of `deno task start`, with the database at host `db` (compose service and k8s
# Service) instead of loopback; .ci/steps/deploy.sh checks they stay in step.
CMD ["deno", "run", "--cached-only", "--frozen", \
     "--allow-net=0.0.0.0:8000,db:5432,eco2mix.rte-france.com:443,airqino-api.magentalab.it:443,airqino-auth.magentalab.it:443", \
     "--allow-env=DATABASE_URL,PG*,HOST,PORT,MAX_RANGE_DAYS,CONSUMPTION_CACHE_MB,RTE_BASE_URL,REFRESH_INTERVAL_MINUTES,RTE_BACKFILL_YEARS,AIRQINO_BASE_URL,AIRQINO_TOKEN,AIRQINO_REFRESH_TOKEN,AIRQINO_AUTH_URL,AIRQINO_STATIONS,AIRQUALITY_INTERVAL_MINUTES", \
     "--allow-read=web/dist,db/migrations", \
     "main.ts"]
