/**
 * Offline checks of the deployment files (there is no Docker engine or cluster in CI), run by
 * .ci/steps/deploy.sh after it rendered them:
 * - every Kubernetes object from `kubectl kustomize deploy/k8s` against the Kubernetes API's
 *   JSON schemas (kubernetes-models: required fields, types, enums; unknown fields pass);
 * - the Dockerfile with dockerfile-utils' linter (the engine of the VS Code Docker extension);
 * - the compose file as `docker-compose --profile tools config` resolved it (the profile
 *   brings in the ingest service);
 * - what this project relies on: pinned images, non-root users, health checks and probes,
 *   resources, references that resolve, and container permission flags equal to the deno
 *   tasks' (`start`, `refresh`, `ingest`) with the database at host `db` instead of loopback;
 * - the one-off ingest containers (compose service `ingest`, CronJob `rte-ingest`): they read
 *   only the RTE files, mounted read-only at /data, and the migrations;
 * - memory: the V8 heap limit, set once (DENO_V8_FLAGS in the Dockerfile), leaves at least
 *   40 % of every container limit of the image to non-heap memory, and compose and the
 *   Kubernetes Deployment give the service the same limit.
 *
 * Usage (the yaml package reads LOG_TOKENS and LOG_STREAM):
 *   deno run --allow-read=.,DIR --allow-env=LOG_TOKENS,LOG_STREAM deploy/validate.ts DIR/k8s.yaml DIR/compose.yaml
 */
import { isDeepStrictEqual } from "node:util";
import { validate as lintDockerfile } from "dockerfile-utils";
import { parse, parseAllDocuments } from "yaml";
import { Deployment, StatefulSet } from "kubernetes-models/apps/v1";
import { CronJob } from "kubernetes-models/batch/v1";
import { ConfigMap, Namespace, Secret, Service } from "kubernetes-models/v1";

// deno-lint-ignore no-explicit-any
type Json = any;

const MODELS: Record<string, { new (data: Json): { validate(): void } }> = {
  "v1/Namespace": Namespace,
  "v1/ConfigMap": ConfigMap,
  "v1/Secret": Secret,
  "v1/Service": Service,
  "apps/v1/Deployment": Deployment,
  "apps/v1/StatefulSet": StatefulSet,
  "batch/v1/CronJob": CronJob,
};
const NAMESPACE = "opendata-feeds";
// Share of a container's memory limit left to what the heap limit does not cover: native
// buffers, sockets, compiled code, the runtime itself.
const MIN_NON_HEAP_SHARE = 0.4;
const MIB = 2 ** 20;
const LOOPBACK_DB = ["127.0.0.1:5432", "localhost:5432"];
const CONTAINER_DB = "db:5432";
// Where the ingest containers find the RTE files; they read nothing else but the migrations.
const DATA_DIR = "/data";
const INGEST_READ = [DATA_DIR, "db/migrations"];
const USAGE = "usage: deno run --allow-read=.,DIR --allow-env=LOG_TOKENS,LOG_STREAM " +
  "deploy/validate.ts DIR/k8s.yaml DIR/compose.yaml";

export function checkKubernetes(objects: Json[], tasks: Record<string, string>): string[] {
  const problems: string[] = [];
  const where = (o: Json) => `${o?.kind ?? "?"}/${o?.metadata?.name ?? "?"}`;
  for (const object of objects) {
    const Model = MODELS[`${object?.apiVersion}/${object?.kind}`];
    if (!Model) {
      problems.push(`${where(object)}: no schema for ${object?.apiVersion} ${object?.kind}`);
      continue;
    }
    try {
      new Model(object).validate();
    } catch (error) {
      problems.push(`${where(object)}: ${(error as Error).message}`);
    }
    if (object.kind !== "Namespace" && object.metadata?.namespace !== NAMESPACE) {
      problems.push(`${where(object)}: not in namespace ${NAMESPACE}`);
    }
  }
  const byKind = (kind: string) => objects.filter((o) => o?.kind === kind);
  for (const kind of ["Namespace", "Secret", "StatefulSet", "Service", "Deployment", "CronJob"]) {
    if (byKind(kind).length === 0) problems.push(`no ${kind}`);
  }
  const names = (kind: string) => new Set(byKind(kind).map((o) => o.metadata?.name));
  const secrets = new Map(byKind("Secret").map((o) => [o.metadata.name, o]));
  const configMaps = new Map(byKind("ConfigMap").map((o) => [o.metadata.name, o]));

  const pods: Array<{ owner: Json; spec: Json; labels: Json }> = [
    ...byKind("Deployment").map((o) => ({ owner: o, ...podOf(o.spec?.template) })),
    ...byKind("StatefulSet").map((o) => ({ owner: o, ...podOf(o.spec?.template) })),
    ...byKind("CronJob").map((o) => ({ owner: o, ...podOf(o.spec?.jobTemplate?.spec?.template) })),
  ];
  for (const { owner, spec } of pods) {
    const at = where(owner);
    if (spec?.securityContext?.runAsNonRoot !== true) problems.push(`${at}: runAsNonRoot unset`);
    for (const container of spec?.containers ?? []) {
      const c = `${at} container ${container.name}`;
      if (!/:[\w.-]+$/.test(container.image ?? "") || /:latest$/.test(container.image)) {
        problems.push(`${c}: pin image ${container.image} to a version tag`);
      }
      if (!container.resources?.requests || !container.resources?.limits?.memory) {
        problems.push(`${c}: resource requests and a memory limit are required`);
      }
      if (container.securityContext?.allowPrivilegeEscalation !== false) {
        problems.push(`${c}: allowPrivilegeEscalation must be false`);
      }
      for (const env of [...(container.env ?? []), ...(container.envFrom ?? [])]) {
        const secretKey = env.valueFrom?.secretKeyRef;
        const mapKey = env.valueFrom?.configMapKeyRef;
        if (secretKey && !(secretKey.key in secretKeys(secrets.get(secretKey.name)))) {
          problems.push(
            `${c}: env ${env.name} names missing secret key ${secretKey.name}.${secretKey.key}`,
          );
        }
        if (mapKey && !(mapKey.key in (configMaps.get(mapKey.name)?.data ?? {}))) {
          problems.push(
            `${c}: env ${env.name} names missing ConfigMap key ${mapKey.name}.${mapKey.key}`,
          );
        }
        if (env.secretRef && !secrets.has(env.secretRef.name)) {
          problems.push(`${c}: envFrom names missing Secret ${env.secretRef.name}`);
        }
      }
    }
  }
  for (const deployment of byKind("Deployment")) {
    const [container] = podOf(deployment.spec?.template).spec?.containers ?? [];
    const at = where(deployment);
    if (container?.readinessProbe?.httpGet?.path !== "/healthz") {
      problems.push(`${at}: readiness probe must GET /healthz`);
    }
    if (!container?.livenessProbe) problems.push(`${at}: no liveness probe`);
    const interval = container?.env?.find((e: Json) => e.name === "REFRESH_INTERVAL_MINUTES");
    if (interval?.value !== "0") {
      problems.push(`${at}: REFRESH_INTERVAL_MINUTES must be "0" (the CronJob refreshes)`);
    }
    // The Deployment runs the image's CMD (checked against `start`) unless it overrides it.
    if (container?.command) problems.push(...compareFlags(at, container.command, tasks.start));
  }
  for (const statefulSet of byKind("StatefulSet")) {
    if (!statefulSet.spec?.volumeClaimTemplates?.length) {
      problems.push(`${where(statefulSet)}: no volumeClaimTemplates`);
    }
    if (!names("Service").has(statefulSet.spec?.serviceName)) {
      problems.push(`${where(statefulSet)}: serviceName names no Service`);
    }
  }
  const cronJobTasks = new Set<string>();
  for (const cronJob of byKind("CronJob")) {
    const pod = podOf(cronJob.spec?.jobTemplate?.spec?.template).spec;
    const [container] = pod?.containers ?? [];
    const at = where(cronJob);
    const script = scriptOf(container?.command ?? []);
    const task = script &&
      Object.keys(tasks).find((name) => scriptOf(words(tasks[name])) === script);
    if (!task) {
      problems.push(`${at}: runs ${script ?? "no script"}, which no deno task runs`);
      continue;
    }
    cronJobTasks.add(task);
    if (task !== "ingest") {
      problems.push(...compareFlags(at, container.command, tasks[task]));
      continue;
    }
    problems.push(...checkIngestJob(at, pod, tasks.ingest, byKind("Deployment")[0]));
  }
  for (const task of ["refresh", "ingest"]) {
    if (!cronJobTasks.has(task)) problems.push(`no CronJob runs \`deno task ${task}\``);
  }
  for (const service of byKind("Service")) {
    const selector = Object.entries(service.spec?.selector ?? {});
    const matched = pods.some(({ labels }) => selector.every(([k, v]) => labels?.[k] === v));
    if (selector.length === 0 || !matched) problems.push(`${where(service)}: selects no pod`);
  }
  return problems;
}

/**
 * The one-off ingest Job: `deno task ingest` reading only the files mounted read-only at
 * /data and the migrations, with the service pod's security settings (and at least its
 * container's).
 */
function checkIngestJob(at: string, pod: Json, task: string, service: Json): string[] {
  const [container] = pod.containers;
  const serviceAt = `Deployment/${service?.metadata?.name}`;
  const problems = compareFlags(at, container.command, task, INGEST_READ);
  const mount = (container.volumeMounts ?? []).find((m: Json) => m.mountPath === DATA_DIR);
  problems.push(...checkDataMount(`${at} container ${container.name}`, mount?.readOnly, !!mount));
  const servicePod = podOf(service?.spec?.template).spec;
  if (!isDeepStrictEqual(pod.securityContext, servicePod?.securityContext)) {
    problems.push(`${at}: pod securityContext differs from ${serviceAt}'s`);
  }
  const serviceContainer = servicePod?.containers?.[0]?.securityContext ?? {};
  for (const [key, value] of Object.entries(serviceContainer)) {
    if (!isDeepStrictEqual(container.securityContext?.[key], value)) {
      problems.push(
        `${at} container ${container.name}: securityContext.${key} must be ` +
          `${JSON.stringify(value)}, as in ${serviceAt}`,
      );
    }
  }
  return problems;
}

function secretKeys(secret: Json): Record<string, unknown> {
  return { ...secret?.data, ...secret?.stringData };
}

function podOf(template: Json): { spec: Json; labels: Json } {
  return { spec: template?.spec, labels: template?.metadata?.labels };
}

export function checkDockerfile(
  text: string,
  tasks: Record<string, string>,
  readText: (path: string) => string,
): string[] {
  const problems = lintDockerfile(text).map((d) =>
    `Dockerfile:${d.range.start.line + 1}: ${d.message}`
  );
  const lines = joinContinuations(text);
  const froms = lines.filter((l) => /^FROM\s/i.test(l));
  for (const from of froms) {
    const image = from.split(/\s+/)[1];
    if (!/:[\w.-]+$/.test(image) || /:latest$/.test(image)) {
      problems.push(`Dockerfile: ${from}: pin the image to a version tag`);
    }
  }
  const finalStage = lines.slice(lines.lastIndexOf(froms.at(-1)!));
  const user = finalStage.filter((l) => /^USER\s/i.test(l)).at(-1)?.split(/\s+/)[1];
  if (!user || /^(root|0)(:|$)/.test(user)) problems.push("Dockerfile: final stage runs as root");
  // The health check hits /healthz, itself or through the script it runs.
  const healthcheck = finalStage.find((l) => /^HEALTHCHECK\s/.test(l)) ?? "";
  const script = healthcheck.match(/[\w/.-]+\.ts/)?.[0];
  if (!(script ? readText(script) : healthcheck).includes("/healthz")) {
    problems.push("Dockerfile: no HEALTHCHECK hitting /healthz");
  }
  // Installed in any stage (the deps stage trims them to what runs), checked in the last.
  if (!lines.some((l) => /^RUN\b.*\bdeno install --frozen\b/.test(l))) {
    problems.push("Dockerfile: dependencies are not installed with `deno install --frozen`");
  }
  if (!finalStage.some((l) => /^RUN\s+deno cache --frozen\b/.test(l))) {
    problems.push(
      "Dockerfile: the final stage does not check its modules with `deno cache --frozen`",
    );
  }
  const cmd = finalStage.filter((l) => /^CMD\s/.test(l)).at(-1);
  problems.push(
    ...compareFlags("Dockerfile CMD", cmd ? JSON.parse(cmd.slice(4)) : [], tasks.start),
  );
  return problems;
}

export function checkCompose(config: Json, tasks: Record<string, string>): string[] {
  const problems: string[] = [];
  const db = config?.services?.db;
  const app = config?.services?.app;
  if (!/^postgres:\d+/.test(db?.image ?? "")) {
    problems.push("compose: db image is not postgres:<major>");
  }
  if (!db?.healthcheck?.test) problems.push("compose: db has no healthcheck");
  const volume = (db?.volumes ?? []).map((v: Json) =>
    typeof v === "string" ? v.split(":")[0] : v.source
  )
    .find((name: string) => name in (config?.volumes ?? {}));
  if (!volume) problems.push("compose: db data is not on a named volume");
  if (app?.depends_on?.db?.condition !== "service_healthy") {
    problems.push("compose: app does not wait for a healthy db");
  }
  if (!app?.build) problems.push("compose: app is not built from the Dockerfile");
  problems.push(...checkComposeEnv("app", app, "start", tasks));
  problems.push(...checkComposeIngest(config, tasks));
  return problems;
}

/** `docker compose run --rm ingest`: `deno task ingest` in the app's image, on the stack's db. */
function checkComposeIngest(config: Json, tasks: Record<string, string>): string[] {
  const app = config?.services?.app;
  const ingest = config?.services?.ingest;
  if (!ingest) return ["compose: no ingest service (render the file with --profile tools)"];
  const problems: string[] = [];
  if (ingest.image !== app?.image) problems.push("compose: ingest does not run the app's image");
  if (ingest.depends_on?.db?.condition !== "service_healthy") {
    problems.push("compose: ingest does not wait for a healthy db");
  }
  for (const name of ["DATABASE_URL", "PGPASSWORD"]) {
    if (ingest.environment?.[name] !== app?.environment?.[name]) {
      problems.push(`compose: ingest's ${name} is not the app's`);
    }
  }
  problems.push(...checkComposeEnv("ingest", ingest, "ingest", tasks));
  const entrypoint = typeof ingest.entrypoint === "string"
    ? words(ingest.entrypoint)
    : ingest.entrypoint ?? [];
  problems.push(
    ...compareFlags("compose: ingest entrypoint", entrypoint, tasks.ingest, INGEST_READ),
  );
  const mount = (ingest.volumes ?? []).map((v: Json) =>
    typeof v === "string"
      ? { target: v.split(":")[1], readOnly: v.split(":")[2]?.split(",").includes("ro") }
      : { target: v.target, readOnly: v.read_only }
  ).find((v: Json) => v.target === DATA_DIR);
  problems.push(...checkDataMount("compose: ingest", mount?.readOnly, !!mount));
  return problems;
}

function checkDataMount(at: string, readOnly: unknown, mounted: boolean): string[] {
  if (!mounted) return [`${at}: mounts no data folder at ${DATA_DIR}`];
  return readOnly === true ? [] : [`${at}: the data folder ${DATA_DIR} must be mounted read-only`];
}

/** Every variable a compose service sets must be one its task may read. */
function checkComposeEnv(
  service: string,
  definition: Json,
  task: string,
  tasks: Record<string, string>,
): string[] {
  const allowed = flagValues(words(tasks[task]), "--allow-env");
  return Object.keys(definition?.environment ?? {})
    .filter((name) => !allowed.some((pattern) => matchesEnv(pattern, name)))
    .map((name) => `compose: ${service} sets ${name}, which \`deno task ${task}\` may not read`);
}

export interface HeapLimit {
  /** The DENO_V8_FLAGS value, as set in the Dockerfile. */
  flags: string;
  /** Isolates the service runs: its serving threads, SERVE_THREADS (1 when unset). */
  isolates: number;
  /** The most the V8 heaps may grow to: per isolate, old space plus the young generation. */
  mib: number;
}

/**
 * The V8 heap limit that the image's ENV DENO_V8_FLAGS sets, times the isolates ENV
 * SERVE_THREADS runs. Both sizes must be given: the young generation is three semi-spaces (V8: two halves
 * plus the new large-object space), 96 MiB with Deno 2.9's default semi-space, on top of
 * --max-old-space-size.
 */
export function heapLimitOf(dockerfile: string): HeapLimit | undefined {
  const lines = joinContinuations(dockerfile);
  const finalStage = lines.slice(lines.findLastIndex((l) => /^FROM\s/i.test(l)));
  const env = finalStage.filter((l) => /^ENV\s/i.test(l)).join(" ");
  const flags = /\bDENO_V8_FLAGS=("[^"]*"|\S+)/.exec(env)?.[1].replaceAll('"', "");
  const size = (name: string) => Number(new RegExp(`--${name}=(\\d+)`).exec(flags ?? "")?.[1]);
  const oldSpace = size("max-old-space-size");
  const semiSpace = size("max-semi-space-size");
  if (!flags || !oldSpace || !semiSpace) return undefined;
  const isolates = Number(/\bSERVE_THREADS=(\d+)/.exec(env)?.[1] ?? 1);
  return { flags, isolates, mib: isolates * (oldSpace + 3 * semiSpace) };
}

/** How the limit is set: the flags, and the isolates they apply to when more than one. */
function heapFlags({ flags, isolates }: HeapLimit): string {
  return isolates > 1 ? `${isolates} isolates × ${flags}` : flags;
}

/** MiB in a Kubernetes quantity: "512Mi", "1Gi" (powers of 1024), "500M" (of 1000), bytes. */
export function kubernetesMib(quantity: unknown): number | undefined {
  const units: Record<string, number> = { "": 1, k: 1e3, M: 1e6, G: 1e9, Ki: 2 ** 10, Mi: MIB };
  return sizeMib(quantity, (unit) => units[unit] ?? (unit === "Gi" ? 1024 * MIB : undefined));
}

/** MiB in a compose size: "512m", "1g" (powers of 1024, any case), bytes. */
export function composeMib(size: unknown): number | undefined {
  const units: Record<string, number> = { "": 1, b: 1, k: 2 ** 10, kb: 2 ** 10, m: MIB, mb: MIB };
  return sizeMib(
    size,
    (unit) => units[unit.toLowerCase()] ?? (/^gb?$/i.test(unit) ? 1024 * MIB : undefined),
  );
}

function sizeMib(value: unknown, bytesPer: (unit: string) => number | undefined) {
  const match = /^(\d+(?:\.\d+)?)([a-z]*)$/i.exec(String(value ?? "").trim());
  const unit = match && bytesPer(match[2]);
  return unit ? Number(match[1]) * unit / MIB : undefined;
}

/**
 * One heap limit for every container of the service's image (the Dockerfile's ENV, never
 * overridden), each with a memory limit leaving room for non-heap memory, and the same limit
 * for the service in compose and in Kubernetes.
 */
export function checkMemory(dockerfile: string, objects: Json[], compose: Json): string[] {
  const heap = heapLimitOf(dockerfile);
  if (!heap) {
    return [
      "Dockerfile: set ENV DENO_V8_FLAGS=--max-old-space-size=N,--max-semi-space-size=M " +
      "(the heap limit, in MiB)",
    ];
  }
  const problems: string[] = [];
  const app = compose?.services?.app;
  const repository = (image: string | undefined) => image?.replace(/:[\w.-]+$/, "");
  // The app first: its limit is the one Kubernetes must match. Then the tools of its image.
  const services = Object.entries(compose?.services ?? {}) as Array<[string, Json]>;
  const containers: Array<{ at: string; mib?: number; env: Json; command: unknown }> = [
    ["app", app],
    ...services.filter(([name, service]) => name !== "app" && service?.image === app?.image),
  ].map(([name, service]) => ({
    at: `compose: ${name}`,
    mib: composeMib(service?.mem_limit ?? service?.deploy?.resources?.limits?.memory),
    env: service?.environment,
    command: [service?.entrypoint ?? [], service?.command ?? []].flat(),
  }));
  for (const object of objects) {
    const template = object?.kind === "CronJob"
      ? object.spec?.jobTemplate?.spec?.template
      : object?.spec?.template;
    for (const container of template?.spec?.containers ?? []) {
      if (repository(container.image) !== repository(app?.image)) continue;
      containers.push({
        at: `${object.kind}/${object.metadata?.name} container ${container.name}`,
        mib: kubernetesMib(container.resources?.limits?.memory),
        env: Object.fromEntries((container.env ?? []).map((e: Json) => [e.name, e.value])),
        command: container.command,
      });
    }
  }
  for (const { at, mib, env, command } of containers) {
    if (env && "DENO_V8_FLAGS" in env) {
      problems.push(`${at}: sets DENO_V8_FLAGS; the heap limit is set once, in the Dockerfile`);
    }
    if (JSON.stringify(command ?? []).includes("--v8-flags")) {
      problems.push(`${at}: passes --v8-flags; the heap limit is set once, in the Dockerfile`);
    }
    if (mib === undefined) {
      problems.push(`${at}: no memory limit (the heap limit is ${heap.mib} MiB)`);
    } else if (heap.mib > mib * (1 - MIN_NON_HEAP_SHARE)) {
      problems.push(
        `${at}: the ${heap.mib} MiB heap limit (${heapFlags(heap)}) leaves ${
          Math.round((1 - heap.mib / mib) * 100)
        } % of the ${mib} MiB memory limit to non-heap memory; at least ${
          MIN_NON_HEAP_SHARE * 100
        } % is needed`,
      );
    }
  }
  const deployment = containers.find(({ at }) => at.startsWith("Deployment/"));
  if (!deployment) problems.push(`no Deployment runs the image ${repository(app?.image)}`);
  else if (containers[0].mib !== undefined && deployment.mib !== containers[0].mib) {
    problems.push(
      `compose: app memory limit (${containers[0].mib} MiB) differs from ${deployment.at}'s ` +
        `(${deployment.mib} MiB)`,
    );
  }
  const dockerCmd = joinContinuations(dockerfile).filter((l) => /^CMD\s/.test(l)).at(-1) ?? "";
  if (dockerCmd.includes("--v8-flags")) {
    problems.push("Dockerfile CMD: passes --v8-flags; set the heap limit in ENV DENO_V8_FLAGS");
  }
  return problems;
}

/**
 * A container's deno flags must be the task's, the database aside: loopback in the task,
 * host `db` in containers; `read`, when given, replaces the task's --allow-read.
 */
function compareFlags(at: string, command: string[], task: string, read?: string[]): string[] {
  const expected = words(task);
  const problems: string[] = [];
  for (
    const flag of ["--allow-net", "--allow-env", "--allow-read", "--allow-write", "--allow-run"]
  ) {
    let want = flag === "--allow-read" && read ? read : flagValues(expected, flag);
    if (flag === "--allow-net" && want.length > 0) {
      want = [...want.filter((h) => !LOOPBACK_DB.includes(h)), CONTAINER_DB];
    }
    const got = flagValues(command, flag);
    const missing = want.filter((value) => !got.includes(value));
    const extra = got.filter((value) => !want.includes(value));
    if (missing.length > 0 || extra.length > 0) {
      problems.push(
        `${at}: ${flag} differs from the task's: missing [${missing}], extra [${extra}]`,
      );
    }
  }
  if (command.some((arg) => /^(-A|--allow-all)$/.test(arg))) problems.push(`${at}: uses -A`);
  if (command.at(-1) !== expected.at(-1)) {
    problems.push(`${at}: runs ${command.at(-1)}, the task runs ${expected.at(-1)}`);
  }
  const [got, want] = [command, expected].map(runnerOf);
  if (got !== want) problems.push(`${at}: runs \`deno ${got}\`, the task \`deno ${want}\``);
  return problems;
}

/**
 * A task's words as its shell passes them when no variable is set: quotes dropped and
 * `${NAME:-default}` as its default (`start` computes its listen address in `sh -c '…'`).
 */
function words(task: string): string[] {
  return task.replace(/\$\{\w+:-([^}]*)\}/g, "$1").replace(/["']/g, "").split(/\s+/)
    .filter(Boolean);
}

/** How deno runs the script: its subcommand and the unstable APIs it enables. */
function runnerOf(command: string[]): string {
  const subcommand = command[command.lastIndexOf("deno") + 1]; // `start` builds the UI first
  const unstable = command.filter((arg) => arg.startsWith("--unstable")).sort();
  return [subcommand, ...unstable].join(" ");
}

/** The first script a command runs: what follows is its arguments, not deno's flags. */
function scriptOf(command: string[]): string | undefined {
  return command.find((arg) => /\.[jt]s$/.test(arg));
}

// Deno's short permission flags; a flag with no list allows everything.
const SHORT_FLAGS: Record<string, string> = {
  "-N": "--allow-net",
  "-E": "--allow-env",
  "-R": "--allow-read",
  "-W": "--allow-write",
};
const EVERYTHING = "(everything)";

function flagValues(command: string[], flag: string): string[] {
  const script = scriptOf(command);
  const flags = script ? command.slice(0, command.indexOf(script)) : command;
  return flags.flatMap((arg) => {
    const [name, list] = arg.split(/=(.*)/s);
    if ((SHORT_FLAGS[name] ?? name) !== flag) return [];
    return list === undefined ? [EVERYTHING] : list.split(",").filter(Boolean);
  });
}

function matchesEnv(pattern: string, name: string): boolean {
  return pattern.endsWith("*") ? name.startsWith(pattern.slice(0, -1)) : pattern === name;
}

function joinContinuations(text: string): string[] {
  return text.replace(/\\\n\s*/g, "").split("\n").map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#"));
}

async function main(args: string[]): Promise<number> {
  if (args.length !== 2) {
    console.error(USAGE);
    return 2;
  }
  const tasks = JSON.parse(await Deno.readTextFile("deno.json")).tasks;
  const documents = parseAllDocuments(await Deno.readTextFile(args[0]));
  const objects = documents.map((d) => d.toJSON()).filter(Boolean);
  const dockerfile = await Deno.readTextFile("Dockerfile");
  const compose = parse(await Deno.readTextFile(args[1]));
  const problems = [
    ...documents.flatMap((d) => d.errors.map((e) => `${args[0]}: ${e.message}`)),
    ...checkKubernetes(objects, tasks),
    ...checkDockerfile(dockerfile, tasks, Deno.readTextFileSync),
    ...checkCompose(compose, tasks),
    ...checkMemory(dockerfile, objects, compose),
  ];
  for (const problem of problems) console.error(problem);
  if (problems.length > 0) return 1;
  const heap = heapLimitOf(dockerfile)!;
  console.log(`deploy files valid: Dockerfile, compose, ${objects.length} Kubernetes objects`);
  console.log(
    `memory: V8 heap limit ${heap.mib} MiB (${heapFlags(heap)}), container limit ${
      composeMib(compose.services.app.mem_limit)
    } MiB in compose and Kubernetes`,
  );
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
