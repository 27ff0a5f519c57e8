/** deploy/pod_as_docker.ts: Kubernetes workloads as `docker run` arguments, on objects built here. */
import assert from "node:assert/strict";
import { stringify } from "yaml";
import { dockerRunArgs, readinessHttpGet } from "../deploy/pod_as_docker.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

const LABELS = { "app.kubernetes.io/name": "app" };

function container(overrides: Json = {}): Json {
  return {
    name: "app",
    image: "opendata-feeds:local",
    ports: [{ name: "http", containerPort: 8000 }],
    readinessProbe: { httpGet: { path: "/healthz", port: "http" } },
    resources: { limits: { cpu: "500m", memory: "512Mi" }, requests: { cpu: "100m" } },
    securityContext: {
      allowPrivilegeEscalation: false,
      capabilities: { drop: ["ALL"] },
      readOnlyRootFilesystem: true,
    },
    ...overrides,
  };
}

function podSpec(containerOverrides: Json = {}, specOverrides: Json = {}): Json {
  return {
    securityContext: {
      runAsNonRoot: true,
      runAsUser: 1993,
      runAsGroup: 1993,
      seccompProfile: { type: "RuntimeDefault" },
    },
    containers: [container(containerOverrides)],
    ...specOverrides,
  };
}

function deployment(containerOverrides: Json = {}, specOverrides: Json = {}): Json {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "app" },
    spec: {
      template: { metadata: { labels: LABELS }, spec: podSpec(containerOverrides, specOverrides) },
    },
  };
}

const SUPPORT: Json[] = [
  {
    kind: "Secret",
    metadata: { name: "db-credentials" },
    stringData: { POSTGRES_PASSWORD: "s3cret", POSTGRES_USER: "opendata" },
  },
  {
    kind: "Secret",
    metadata: { name: "encoded" },
    data: { TOKEN: btoa(String.fromCharCode(...new TextEncoder().encode("tökén"))) },
  },
  {
    kind: "ConfigMap",
    metadata: { name: "app-config-abc" },
    data: { DATABASE_URL: "postgres://db" },
  },
  { kind: "Service", metadata: { name: "app" }, spec: { selector: LABELS } },
  {
    kind: "Service",
    metadata: { name: "db" },
    spec: { selector: { "app.kubernetes.io/name": "db" } },
  },
];

const SECURITY_AND_LIMITS = [
  "--user",
  "1993:1993",
  "--cap-drop",
  "ALL",
  "--security-opt",
  "no-new-privileges",
  "--read-only",
  "--memory",
  "536870912",
  "--cpus",
  "0.5",
];

Deno.test("a Deployment runs detached as its user, without capabilities, within its limits", () => {
  const args = dockerRunArgs([deployment(), ...SUPPORT], "Deployment/app", {
    name: "feeds-app",
    network: "feeds",
    publish: ["127.0.0.1:18000:8000"],
  });
  assert.deepEqual(args, [
    "run",
    "--detach",
    "--name",
    "feeds-app",
    "--network",
    "feeds",
    "--network-alias",
    "app",
    ...SECURITY_AND_LIMITS,
    "--publish",
    "127.0.0.1:18000:8000",
    "opendata-feeds:local",
  ]);
});

Deno.test("env comes from values, Secrets and ConfigMaps, after envFrom", () => {
  const env = [
    { name: "REFRESH_INTERVAL_MINUTES", value: "0" },
    { name: "GREETING", value: "$(REFRESH_INTERVAL_MINUTES) $$(KEPT) $(UNKNOWN)" },
    {
      name: "DATABASE_URL",
      valueFrom: { configMapKeyRef: { name: "app-config-abc", key: "DATABASE_URL" } },
    },
    {
      name: "PGPASSWORD",
      valueFrom: { secretKeyRef: { name: "db-credentials", key: "POSTGRES_PASSWORD" } },
    },
    { name: "TOKEN", valueFrom: { secretKeyRef: { name: "encoded", key: "TOKEN" } } },
    {
      name: "ABSENT",
      valueFrom: { secretKeyRef: { name: "encoded", key: "ABSENT", optional: true } },
    },
    { name: "POSTGRES_USER", value: "overridden" },
  ];
  const envFrom = [{ secretRef: { name: "db-credentials" }, prefix: "DB_" }, {
    secretRef: { name: "db-credentials" },
  }];
  const args = dockerRunArgs([deployment({ env, envFrom }), ...SUPPORT], "Deployment/app");
  const values = args.flatMap((arg, i) => args[i - 1] === "--env" ? [arg] : []);
  assert.deepEqual(values, [
    "DB_POSTGRES_PASSWORD=s3cret",
    "DB_POSTGRES_USER=opendata",
    "POSTGRES_PASSWORD=s3cret",
    "POSTGRES_USER=overridden",
    "REFRESH_INTERVAL_MINUTES=0",
    "GREETING=0 $(KEPT) $(UNKNOWN)",
    "DATABASE_URL=postgres://db",
    "PGPASSWORD=s3cret",
    "TOKEN=tökén",
  ]);
});

Deno.test("a CronJob's command becomes the entrypoint, its rest and the args follow the image", () => {
  const cronJob = {
    kind: "CronJob",
    metadata: { name: "rte-refresh" },
    spec: {
      jobTemplate: {
        spec: {
          template: {
            metadata: { labels: { "app.kubernetes.io/name": "rte-refresh" } },
            spec: podSpec({
              env: [{ name: "DIR", value: "/data" }],
              command: ["deno", "run", "--allow-read=$(DIR)", "cli.ts"],
              args: ["$(DIR)"],
            }),
          },
        },
      },
    },
  };
  assert.deepEqual(dockerRunArgs([cronJob, ...SUPPORT], "CronJob/rte-refresh", { network: "n" }), [
    "run",
    "--rm",
    "--network",
    "n",
    ...SECURITY_AND_LIMITS,
    "--env",
    "DIR=/data",
    "--entrypoint",
    "deno",
    "opendata-feeds:local",
    "run",
    "--allow-read=/data",
    "cli.ts",
    "/data",
  ]);
  const detached = dockerRunArgs([cronJob], "CronJob/rte-refresh", { detach: true });
  assert.deepEqual(detached.slice(0, 3), ["run", "--rm", "--detach"]);
});

Deno.test("args without a command follow the image, keeping its entrypoint", () => {
  const args = dockerRunArgs([deployment({ args: ["--verbose"] })], "Deployment/app");
  assert.deepEqual(args.slice(-2), ["opendata-feeds:local", "--verbose"]);
  assert.ok(!args.includes("--entrypoint"));
});

Deno.test("a StatefulSet's claims and emptyDirs become named volumes, in the db's network name", () => {
  const statefulSet = {
    kind: "StatefulSet",
    metadata: { name: "db" },
    spec: {
      template: {
        metadata: { labels: { "app.kubernetes.io/name": "db" } },
        spec: {
          securityContext: { runAsNonRoot: true, runAsUser: 999, runAsGroup: 999, fsGroup: 999 },
          containers: [{
            name: "postgres",
            image: "postgres:15",
            resources: { limits: { memory: "1Gi" } },
            volumeMounts: [
              { name: "data", mountPath: "/var/lib/postgresql/data" },
              { name: "run", mountPath: "/var/run/postgresql" },
              { name: "old", mountPath: "/old", readOnly: true },
            ],
          }],
          volumes: [
            { name: "run", emptyDir: {} },
            { name: "old", persistentVolumeClaim: { claimName: "old" } },
          ],
        },
      },
      volumeClaimTemplates: [{ metadata: { name: "data" } }],
    },
  };
  assert.deepEqual(
    dockerRunArgs([statefulSet, ...SUPPORT], "StatefulSet/db", {
      network: "feeds",
      volumePrefix: "feeds",
    }),
    [
      "run",
      "--detach",
      "--network",
      "feeds",
      "--network-alias",
      "db",
      "--user",
      "999:999",
      "--group-add",
      "999",
      "--memory",
      "1073741824",
      "--mount",
      "type=volume,src=feeds-data,dst=/var/lib/postgresql/data",
      "--mount",
      "type=volume,src=feeds-run,dst=/var/run/postgresql",
      "--mount",
      "type=volume,src=feeds-old,dst=/old,readonly",
      "postgres:15",
    ],
  );
});

Deno.test("a hostPath volume binds the host directory mapped to its path", () => {
  const workload = deployment(
    { volumeMounts: [{ name: "rte-files", mountPath: "/data", readOnly: true }] },
    { volumes: [{ name: "rte-files", hostPath: { path: "/data/rte", type: "Directory" } }] },
  );
  const args = dockerRunArgs([workload], "Deployment/app", {
    hostPaths: { "/data/rte": "/srv/rte" },
  });
  assert.deepEqual(args.slice(args.indexOf("--mount"), args.indexOf("--mount") + 2), [
    "--mount",
    "type=bind,src=/srv/rte,dst=/data,readonly",
  ]);
  assert.throws(
    () => dockerRunArgs([workload], "Deployment/app"),
    { message: "Cannot translate Deployment/app: hostPath /data/rte has no --host-path mapping" },
  );
});

Deno.test("memory limits become bytes and cpu limits a number of cpus", () => {
  const cases: Array<[Json, string[]]> = [
    [{ memory: "512Mi", cpu: "1" }, ["--memory", "536870912", "--cpus", "1"]],
    [{ memory: "1.5Gi", cpu: "250m" }, ["--memory", "1610612736", "--cpus", "0.25"]],
    [{ memory: "500M", cpu: 2 }, ["--memory", "500000000", "--cpus", "2"]],
    [{ memory: "1G" }, ["--memory", "1000000000"]],
    [{ memory: 268435456 }, ["--memory", "268435456"]],
  ];
  for (const [limits, expected] of cases) {
    const args = dockerRunArgs([deployment({ resources: { limits } })], "Deployment/app");
    const start = args.indexOf("--memory");
    assert.deepEqual(args.slice(start, start + expected.length), expected, JSON.stringify(limits));
  }
  assert.throws(
    () =>
      dockerRunArgs([deployment({ resources: { limits: { memory: "lots" } } })], "Deployment/app"),
    { message: 'Cannot translate Deployment/app: memory limit "lots" is not a quantity' },
  );
});

Deno.test("runAsNonRoot is refused without a numeric runAsUser other than 0", () => {
  for (const user of [undefined, 0, "1993"]) {
    const workload = deployment({}, { securityContext: { runAsNonRoot: true, runAsUser: user } });
    assert.throws(() => dockerRunArgs([workload], "Deployment/app"), {
      message:
        "Cannot translate Deployment/app: runAsNonRoot needs a numeric runAsUser other than 0",
    });
  }
  const containerWins = deployment({ securityContext: { runAsUser: 1000 } });
  assert.deepEqual(
    dockerRunArgs([containerWins], "Deployment/app").slice(2, 4),
    ["--user", "1000:1993"],
  );
});

Deno.test("env naming a missing key or an unsupported source is refused", () => {
  const missing = deployment({
    env: [{
      name: "PGPASSWORD",
      valueFrom: { secretKeyRef: { name: "db-credentials", key: "NOPE" } },
    }],
  });
  assert.throws(() => dockerRunArgs([missing, ...SUPPORT], "Deployment/app"), {
    message:
      "Cannot translate Deployment/app: env PGPASSWORD names missing Secret key db-credentials.NOPE",
  });
  const noConfigMap = deployment({
    env: [{ name: "URL", valueFrom: { configMapKeyRef: { name: "gone", key: "URL" } } }],
  });
  assert.throws(() => dockerRunArgs([noConfigMap], "Deployment/app"), {
    message: "Cannot translate Deployment/app: env URL names missing ConfigMap key gone.URL",
  });
  const fieldRef = deployment({
    env: [{ name: "POD", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } }],
  });
  assert.throws(() => dockerRunArgs([fieldRef], "Deployment/app"), {
    message: "Cannot translate Deployment/app: env POD: fieldRef is not supported",
  });
});

Deno.test("ConfigMap volumes and unknown workloads are refused", () => {
  const workload = deployment(
    { volumeMounts: [{ name: "config", mountPath: "/etc/app" }] },
    { volumes: [{ name: "config", configMap: { name: "app-config-abc" } }] },
  );
  assert.throws(() => dockerRunArgs([workload], "Deployment/app"), {
    message: "Cannot translate Deployment/app: volume config (configMap) is not supported",
  });
  assert.throws(() => dockerRunArgs([workload], "Deployment/other"), {
    message: "Cannot translate Deployment/other: no such workload with a container",
  });
});

Deno.test("the readiness probe's HTTP GET is given with its named port resolved", () => {
  assert.deepEqual(readinessHttpGet([deployment()], "Deployment/app"), {
    path: "/healthz",
    port: 8000,
  });
  const exec = deployment({ readinessProbe: { exec: { command: ["true"] } } });
  assert.equal(readinessHttpGet([exec], "Deployment/app"), undefined);
});

Deno.test("the CLI prints the arguments as JSON, and a refusal as one line", async () => {
  const file = await Deno.makeTempFile({ suffix: ".yaml" });
  try {
    const workload = deployment(
      { volumeMounts: [{ name: "rte-files", mountPath: "/data" }] },
      { volumes: [{ name: "rte-files", hostPath: { path: "/data/rte" } }] },
    );
    await Deno.writeTextFile(file, [workload, ...SUPPORT].map((o) => stringify(o)).join("---\n"));
    const run = (...args: string[]) =>
      new Deno.Command("deno", {
        args: [
          "run",
          `--allow-read=${file}`,
          "--allow-env=LOG_TOKENS,LOG_STREAM",
          new URL("../deploy/pod_as_docker.ts", import.meta.url).pathname,
          file,
          "Deployment/app",
          ...args,
        ],
        stdout: "piped",
        stderr: "piped",
      }).output();
    const ok = await run("--network", "feeds", "--host-path", "/data/rte=/srv/rte");
    assert.equal(ok.code, 0, new TextDecoder().decode(ok.stderr));
    const args = JSON.parse(new TextDecoder().decode(ok.stdout));
    assert.deepEqual(args.slice(0, 6), [
      "run",
      "--detach",
      "--network",
      "feeds",
      "--network-alias",
      "app",
    ]);
    assert.ok(args.includes("type=bind,src=/srv/rte,dst=/data"));
    const refused = await run();
    assert.equal(refused.code, 1);
    assert.equal(
      new TextDecoder().decode(refused.stderr),
      "error: Cannot translate Deployment/app: hostPath /data/rte has no --host-path mapping\n",
    );
  } finally {
    await Deno.remove(file);
  }
});
