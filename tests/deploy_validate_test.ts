/**
 * deploy/validate.ts on broken variants of the deployment files: each mistake in the ingest
 * containers (wider permissions, a writable data folder, another pod security) is reported,
 * and the files as written report nothing about them.
 */
import assert from "node:assert/strict";
import { checkCompose, checkKubernetes, checkMemory } from "../deploy/validate.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

const TASKS: Record<string, string> = JSON.parse(
  await Deno.readTextFile(new URL("../deno.json", import.meta.url)),
).tasks;
const DB = { name: "DATABASE_URL", value: "postgres://opendata@db:5432/opendata_feeds" };
const POD_SECURITY = {
  runAsNonRoot: true,
  runAsUser: 1993,
  runAsGroup: 1993,
  seccompProfile: { type: "RuntimeDefault" },
};
const RESOURCES = { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "512Mi" } };
const CONTAINER_SECURITY = { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } };
const START_FLAGS = [
  "deno",
  "run",
  "--unstable-net",
  "--allow-net=0.0.0.0:8000,db:5432,eco2mix.rte-france.com:443," +
  "airqino-api.magentalab.it:443,airqino-auth.magentalab.it:443",
  "--allow-env=DATABASE_URL,PG*,HOST,PORT,SERVE_THREADS,MAX_RANGE_DAYS,CONSUMPTION_CACHE_MB,RTE_BASE_URL," +
  "REFRESH_INTERVAL_MINUTES,RTE_BACKFILL_YEARS,AIRQINO_BASE_URL,AIRQINO_TOKEN," +
  "AIRQINO_REFRESH_TOKEN,AIRQINO_AUTH_URL,AIRQINO_STATIONS,AIRQUALITY_INTERVAL_MINUTES",
  "--allow-read=web/dist,db/migrations,serving_worker.ts,app.ts,config.ts,routes,db,lib,vendor",
  "main.ts",
];
const INGEST_FLAGS = [
  "deno",
  "run",
  "--cached-only",
  "--allow-net=db:5432,eco2mix.rte-france.com:443",
  "--allow-env=DATABASE_URL,PG*,RTE_BASE_URL",
  "--allow-read=/data,db/migrations",
  "ingest/rte/cli.ts",
];

function object(kind: string, name: string, spec: Json, apiVersion = "v1"): Json {
  return { apiVersion, kind, metadata: { name, namespace: "opendata-feeds" }, spec };
}

function pod(name: string, container: Json, extra: Json = {}): Json {
  return {
    metadata: { labels: { "app.kubernetes.io/name": name } },
    spec: {
      securityContext: structuredClone(POD_SECURITY),
      containers: [{
        image: "opendata-feeds:local",
        resources: RESOURCES,
        securityContext: structuredClone(CONTAINER_SECURITY),
        env: [DB],
        ...container,
      }],
      ...extra,
    },
  };
}

function cronJob(name: string, template: Json): Json {
  return object("CronJob", name, {
    schedule: "7 * * * *",
    jobTemplate: {
      spec: { template: { ...template, spec: { restartPolicy: "Never", ...template.spec } } },
    },
  }, "batch/v1");
}

/** The service and the two CronJobs as deploy/k8s writes them, in short. */
function kubernetes(): Json[] {
  const app = pod("app", {
    name: "app",
    command: START_FLAGS,
    env: [DB, { name: "REFRESH_INTERVAL_MINUTES", value: "0" }],
    readinessProbe: { httpGet: { path: "/healthz", port: 8000 } },
    livenessProbe: { tcpSocket: { port: 8000 } },
  });
  return [
    object("Deployment", "app", {
      selector: { matchLabels: app.metadata.labels },
      template: app,
    }, "apps/v1"),
    cronJob(
      "rte-refresh",
      pod("rte-refresh", {
        name: "refresh",
        command: [
          "deno",
          "run",
          "--allow-net=db:5432,eco2mix.rte-france.com:443",
          "--allow-env=DATABASE_URL,PG*,RTE_BASE_URL,RTE_BACKFILL_YEARS",
          "--allow-read=db/migrations",
          "ingest/rte/refresh_cli.ts",
        ],
      }),
    ),
    cronJob(
      "rte-ingest",
      pod("rte-ingest", {
        name: "ingest",
        command: INGEST_FLAGS,
        args: ["/data"],
        volumeMounts: [{ name: "rte-files", mountPath: "/data", readOnly: true }],
        securityContext: { ...CONTAINER_SECURITY, readOnlyRootFilesystem: true },
      }, {
        volumes: [{ name: "rte-files", hostPath: { path: "/data/rte", type: "Directory" } }],
      }),
    ),
  ];
}

/** `docker compose --profile tools config` of docker-compose.yml, in short. */
function compose(): Json {
  const environment = { DATABASE_URL: DB.value, PGPASSWORD: "opendata" };
  return {
    services: {
      db: {
        image: "postgres:15",
        healthcheck: { test: ["CMD-SHELL", "pg_isready"] },
        volumes: [{ type: "volume", source: "pgdata", target: "/var/lib/postgresql/data" }],
      },
      app: {
        build: { context: "." },
        image: "opendata-feeds:local",
        depends_on: { db: { condition: "service_healthy" } },
        environment: { ...environment, REFRESH_INTERVAL_MINUTES: "60" },
        mem_limit: "536870912",
      },
      ingest: {
        profiles: ["tools"],
        image: "opendata-feeds:local",
        depends_on: { db: { condition: "service_healthy" } },
        environment,
        entrypoint: [...INGEST_FLAGS],
        command: ["/data"],
        volumes: [{ type: "bind", source: "./data", target: "/data", read_only: true }],
        mem_limit: "536870912",
      },
    },
    volumes: { pgdata: {} },
  };
}

/** The problems `change` adds to the files as written. */
function kubernetesProblemsOf(change: (ingest: Json, objects: Json[]) => void): string[] {
  const before = checkKubernetes(kubernetes(), TASKS);
  const objects = kubernetes();
  const ingest = objects.find((o) => o.metadata.name === "rte-ingest").spec.jobTemplate.spec
    .template.spec;
  change(ingest, objects);
  return checkKubernetes(objects, TASKS).filter((problem) => !before.includes(problem));
}

function composeProblemsOf(change: (ingest: Json) => void): string[] {
  const config = compose();
  change(config.services.ingest);
  return checkCompose(config, TASKS);
}

Deno.test("the ingest CronJob and compose service as written pass the checks", () => {
  // Only the kinds this short version leaves out.
  assert.deepEqual(checkKubernetes(kubernetes(), TASKS), [
    "no Namespace",
    "no Secret",
    "no StatefulSet",
    "no Service",
  ]);
  assert.deepEqual(checkCompose(compose(), TASKS), []);
});

Deno.test("the service's listen entry is compared as the start task's default, 0.0.0.0:8000", () => {
  const problems = kubernetesProblemsOf((_, objects) => {
    objects[0].spec.template.spec.containers[0].command[3] = START_FLAGS[3].replace(
      ":8000",
      ":9000",
    );
  });
  assert.deepEqual(problems, [
    "Deployment/app: --allow-net differs from the task's: missing [0.0.0.0:8000], extra [0.0.0.0:9000]",
  ]);
});

Deno.test("a service container run without the task's unstable API is reported", () => {
  const problems = kubernetesProblemsOf((_, objects) => {
    objects[0].spec.template.spec.containers[0].command.splice(2, 1);
  });
  assert.deepEqual(problems, [
    "Deployment/app: runs `deno run`, the task `deno run --unstable-net`",
  ]);
});

Deno.test("an ingest CronJob reading more than /data and the migrations is reported", () => {
  const problems = kubernetesProblemsOf((ingest) => {
    ingest.containers[0].command = INGEST_FLAGS.map((f) =>
      f.replace(/^--allow-read=.*/, "--allow-read=/")
    );
  });
  assert.deepEqual(problems, [
    "CronJob/rte-ingest: --allow-read differs from the task's: missing [/data,db/migrations], extra [/]",
  ]);
});

Deno.test("an ingest CronJob with -A or a bare --allow-read is reported", () => {
  const allowAll = kubernetesProblemsOf((ingest) => {
    ingest.containers[0].command = ["deno", "run", "-A", "ingest/rte/cli.ts"];
  });
  assert.ok(allowAll.includes("CronJob/rte-ingest: uses -A"), allowAll.join("\n"));
  const bare = kubernetesProblemsOf((ingest) => {
    ingest.containers[0].command = INGEST_FLAGS.map((f) => f.replace(/^--allow-read=.*/, "-R"));
  });
  assert.deepEqual(bare, [
    "CronJob/rte-ingest: --allow-read differs from the task's: " +
    "missing [/data,db/migrations], extra [(everything)]",
  ]);
});

Deno.test("an ingest CronJob with a writable or missing data folder is reported", () => {
  const writable = kubernetesProblemsOf((ingest) => {
    delete ingest.containers[0].volumeMounts[0].readOnly;
  });
  assert.deepEqual(writable, [
    "CronJob/rte-ingest container ingest: the data folder /data must be mounted read-only",
  ]);
  const missing = kubernetesProblemsOf((ingest) => {
    ingest.containers[0].volumeMounts[0].mountPath = "/files";
  });
  assert.deepEqual(missing, [
    "CronJob/rte-ingest container ingest: mounts no data folder at /data",
  ]);
});

Deno.test("an ingest CronJob whose pod may run as root or escalate is reported", () => {
  const problems = kubernetesProblemsOf((ingest) => {
    ingest.securityContext = { runAsUser: 0 };
    ingest.containers[0].securityContext = {};
    delete ingest.containers[0].resources;
  });
  assert.deepEqual(problems, [
    "CronJob/rte-ingest: runAsNonRoot unset",
    "CronJob/rte-ingest container ingest: resource requests and a memory limit are required",
    "CronJob/rte-ingest container ingest: allowPrivilegeEscalation must be false",
    "CronJob/rte-ingest: pod securityContext differs from Deployment/app's",
    "CronJob/rte-ingest container ingest: securityContext.allowPrivilegeEscalation must be " +
    "false, as in Deployment/app",
    'CronJob/rte-ingest container ingest: securityContext.capabilities must be {"drop":["ALL"]}, ' +
    "as in Deployment/app",
  ]);
});

Deno.test("a missing ingest CronJob is reported", () => {
  const problems = kubernetesProblemsOf((_, objects) => {
    objects.splice(2, 1);
  });
  assert.deepEqual(problems, ["no CronJob runs `deno task ingest`"]);
});

Deno.test("a compose ingest service with wider permissions or a writable data folder is reported", () => {
  assert.deepEqual(
    composeProblemsOf((ingest) => {
      ingest.entrypoint = INGEST_FLAGS.map((f) => f.replace(/^--allow-read=.*/, "--allow-read=/"));
      ingest.volumes[0].read_only = false;
    }),
    [
      "compose: ingest entrypoint: --allow-read differs from the task's: " +
      "missing [/data,db/migrations], extra [/]",
      "compose: ingest: the data folder /data must be mounted read-only",
    ],
  );
  assert.deepEqual(
    composeProblemsOf((ingest) => {
      ingest.entrypoint = ["deno", "run", "-A", "ingest/rte/cli.ts"];
      ingest.volumes = ["./data:/data"];
    }),
    [
      "compose: ingest entrypoint: --allow-net differs from the task's: " +
      "missing [eco2mix.rte-france.com:443,db:5432], extra []",
      "compose: ingest entrypoint: --allow-env differs from the task's: " +
      "missing [DATABASE_URL,PG*,RTE_BASE_URL], extra []",
      "compose: ingest entrypoint: --allow-read differs from the task's: " +
      "missing [/data,db/migrations], extra []",
      "compose: ingest entrypoint: uses -A",
      "compose: ingest: the data folder /data must be mounted read-only",
    ],
  );
});

Deno.test("a compose ingest service on another database or not waiting for it is reported", () => {
  assert.deepEqual(
    composeProblemsOf((ingest) => {
      delete ingest.depends_on;
      ingest.environment = { DATABASE_URL: "postgres://other@db:5432/x", PGPASSWORD: "other" };
    }),
    [
      "compose: ingest does not wait for a healthy db",
      "compose: ingest's DATABASE_URL is not the app's",
      "compose: ingest's PGPASSWORD is not the app's",
    ],
  );
  assert.deepEqual(composeProblemsOf((ingest) => ingest.volumes = ["./data:/data:ro"]), []);
  const withoutIngest = compose();
  delete withoutIngest.services.ingest;
  assert.deepEqual(checkCompose(withoutIngest, TASKS), [
    "compose: no ingest service (render the file with --profile tools)",
  ]);
});

Deno.test("the ingest containers get the memory rules of the service's image", () => {
  const dockerfile = "FROM denoland/deno:debian-2.9.6\n" +
    "ENV DENO_V8_FLAGS=--max-old-space-size=256,--max-semi-space-size=16\n";
  assert.deepEqual(checkMemory(dockerfile, kubernetes(), compose()), []);
  const objects = kubernetes();
  objects[2].spec.jobTemplate.spec.template.spec.containers[0].resources = {
    limits: { memory: "384Mi" },
  };
  const config = compose();
  delete config.services.ingest.mem_limit;
  assert.deepEqual(checkMemory(dockerfile, objects, config), [
    "compose: ingest: no memory limit (the heap limit is 304 MiB)",
    "CronJob/rte-ingest container ingest: the 304 MiB heap limit " +
    "(--max-old-space-size=256,--max-semi-space-size=16) leaves 21 % of the 384 MiB memory " +
    "limit to non-heap memory; at least 40 % is needed",
  ]);
});

Deno.test("SERVE_THREADS multiplies the heap limit by the isolates it serves with", () => {
  const dockerfile = "FROM denoland/deno:debian-2.9.6\nENV SERVE_THREADS=2\n" +
    "ENV DENO_V8_FLAGS=--max-old-space-size=128,--max-semi-space-size=16\n";
  const problems = checkMemory(dockerfile, kubernetes(), compose());
  assert.ok(problems.length > 0);
  assert.ok(
    problems.every((problem) =>
      problem.endsWith(
        "the 352 MiB heap limit (2 isolates × --max-old-space-size=128,--max-semi-space-size=16) " +
          "leaves 31 % of the 512 MiB memory limit to non-heap memory; at least 40 % is needed",
      )
    ),
    problems.join("\n"),
  );
  assert.deepEqual(checkMemory(dockerfile.replace("128", "96"), kubernetes(), compose()), []);
});
