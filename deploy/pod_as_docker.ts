/**
 * The closest a machine without Kubernetes gets to running deploy/k8s: the `docker run`
 * arguments for the first container of one workload of `kubectl kustomize deploy/k8s`, with the
 * manifest's image, command, env (resolved from the rendered Secrets and ConfigMaps), user,
 * security settings, limits and volumes. What Docker cannot do as the kubelet would is refused
 * with one line rather than approximated silently.
 *
 * Usage: deno run --allow-read=FILE --allow-env=LOG_TOKENS,LOG_STREAM (read by yaml)
 *   deploy/pod_as_docker.ts RENDERED.yaml KIND/NAME
 *   [--name CONTAINER] [--network NET] [--volume-prefix PREFIX] [--host-path PATH=HOST_DIR]...
 *   [--publish SPEC]... [--detach]
 * prints the arguments to pass after `docker`, as a JSON array.
 */
import { parseArgs } from "node:util";
import { parseAllDocuments } from "yaml";
import { runMain } from "../lib/cli.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

export interface DockerRunOptions {
  name?: string;
  network?: string;
  /** Named volumes are PREFIX-<volume name>; the workload's name when unset. */
  volumePrefix?: string;
  /** Host directory for each hostPath volume's path. */
  hostPaths?: Record<string, string>;
  publish?: string[];
  /** Detach a Job's container too (Deployments and StatefulSets always are). */
  detach?: boolean;
}

const BYTES: Record<string, number> = {
  "": 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
};

export function dockerRunArgs(
  objects: Json[],
  kindName: string,
  options: DockerRunOptions = {},
): string[] {
  const { workload, pod, labels, container } = findContainer(objects, kindName);
  const fail: (why: string) => never = (why) => {
    throw new Error(`Cannot translate ${kindName}: ${why}`);
  };
  if (pod.initContainers?.length) fail("initContainers are not supported");
  const isJob = workload.kind === "CronJob" || workload.kind === "Job";
  const args = [
    "run",
    ...(isJob ? ["--rm"] : []),
    ...(!isJob || options.detach ? ["--detach"] : []),
  ];
  if (options.name) args.push("--name", options.name);
  if (options.network) {
    args.push("--network", options.network);
    // In the cluster, a Service's name resolves to the pods it selects.
    for (const service of servicesSelecting(objects, labels)) {
      args.push("--network-alias", service);
    }
  }
  args.push(...securityArgs(pod.securityContext ?? {}, container.securityContext ?? {}, fail));
  args.push(...limitArgs(container.resources?.limits ?? {}, fail));
  const env = containerEnv(objects, container, fail);
  for (const [name, value] of env) args.push("--env", `${name}=${value}`);
  args.push(...mountArgs(workload, pod, container, options, fail));
  for (const publish of options.publish ?? []) args.push("--publish", publish);
  const expand = (arg: string) => expandVariables(arg, env);
  const [entrypoint, ...commandRest] = (container.command ?? []).map(expand);
  if (entrypoint !== undefined) args.push("--entrypoint", entrypoint);
  args.push(container.image, ...commandRest, ...(container.args ?? []).map(expand));
  return args;
}

/** The readiness probe's HTTP GET, when it is a plain one a script could poll. */
export function readinessHttpGet(
  objects: Json[],
  kindName: string,
): { path: string; port: number } | undefined {
  const { container } = findContainer(objects, kindName);
  const get = container.readinessProbe?.httpGet;
  if (!get || (get.scheme ?? "HTTP") !== "HTTP" || get.host || get.httpHeaders?.length) return;
  const port = typeof get.port === "number"
    ? get.port
    : container.ports?.find((p: Json) => p.name === get.port)?.containerPort;
  return typeof port === "number" ? { path: get.path ?? "/", port } : undefined;
}

function findContainer(objects: Json[], kindName: string) {
  const [kind, name] = kindName.split("/");
  const workload = objects.find((o) => o?.kind === kind && o.metadata?.name === name);
  const template = kind === "CronJob"
    ? workload?.spec?.jobTemplate?.spec?.template
    : workload?.spec?.template;
  const container = template?.spec?.containers?.[0];
  if (!container) {
    throw new Error(`Cannot translate ${kindName}: no such workload with a container`);
  }
  return { workload, pod: template.spec, labels: template.metadata?.labels ?? {}, container };
}

function servicesSelecting(objects: Json[], labels: Record<string, string>): string[] {
  return objects
    .filter((o) => o?.kind === "Service")
    .filter((s) => {
      const selector = Object.entries(s.spec?.selector ?? {});
      return selector.length > 0 && selector.every(([k, v]) => labels[k] === v);
    })
    .map((s) => s.metadata.name);
}

function securityArgs(podContext: Json, containerContext: Json, fail: (why: string) => never) {
  const context = { ...podContext, ...containerContext };
  const args: string[] = [];
  const user = context.runAsUser;
  // The kubelet checks the image's user when runAsUser is unset; Docker cannot.
  if (context.runAsNonRoot && !(Number.isInteger(user) && user !== 0)) {
    fail("runAsNonRoot needs a numeric runAsUser other than 0");
  }
  if (user !== undefined) {
    args.push(
      "--user",
      context.runAsGroup === undefined ? `${user}` : `${user}:${context.runAsGroup}`,
    );
  } else if (context.runAsGroup !== undefined) {
    fail("runAsGroup without runAsUser is not supported");
  }
  // fsGroup's other half, group ownership of volumes, comes from the image: Docker copies the
  // mount point's owner and mode into a new named volume.
  for (const group of [podContext.fsGroup, ...(podContext.supplementalGroups ?? [])]) {
    if (group !== undefined) args.push("--group-add", `${group}`);
  }
  for (const capability of context.capabilities?.drop ?? []) args.push("--cap-drop", capability);
  for (const capability of context.capabilities?.add ?? []) args.push("--cap-add", capability);
  if (context.allowPrivilegeEscalation === false) {
    args.push("--security-opt", "no-new-privileges");
  }
  if (context.readOnlyRootFilesystem) args.push("--read-only");
  if (context.privileged) fail("privileged is not supported");
  // RuntimeDefault is what Docker applies anyway: its default seccomp profile.
  const seccomp = context.seccompProfile?.type;
  if (seccomp !== undefined && seccomp !== "RuntimeDefault") {
    fail(`seccompProfile ${seccomp} is not supported`);
  }
  return args;
}

function limitArgs(limits: Json, fail: (why: string) => never): string[] {
  const args: string[] = [];
  if (limits.memory !== undefined) {
    const match = /^(\d+(?:\.\d+)?)([a-zA-Z]*)$/.exec(String(limits.memory));
    const factor = match && BYTES[match[2]];
    if (!factor) fail(`memory limit "${limits.memory}" is not a quantity`);
    args.push("--memory", `${Math.ceil(Number(match[1]) * factor)}`);
  }
  if (limits.cpu !== undefined) {
    const match = /^(\d+(?:\.\d+)?)(m?)$/.exec(String(limits.cpu));
    if (!match) fail(`cpu limit "${limits.cpu}" is not a quantity`);
    args.push("--cpus", `${Number(match[1]) / (match[2] ? 1000 : 1)}`);
  }
  return args;
}

/** The container's environment as the kubelet builds it: envFrom first, then env, in order. */
function containerEnv(objects: Json[], container: Json, fail: (why: string) => never) {
  const env = new Map<string, string>();
  const find = (kind: string, name: string) =>
    objects.find((o) => o?.kind === kind && o.metadata?.name === name);
  for (const source of container.envFrom ?? []) {
    const ref = source.secretRef ?? source.configMapRef;
    const kind = source.secretRef ? "Secret" : "ConfigMap";
    const object = ref && find(kind, ref.name);
    if (!ref) fail("envFrom supports secretRef and configMapRef only");
    if (!object) {
      if (ref.optional) continue;
      fail(`envFrom names missing ${kind} ${ref.name}`);
    }
    for (const [key, value] of Object.entries(entries(object))) {
      env.set(`${source.prefix ?? ""}${key}`, value);
    }
  }
  for (const variable of container.env ?? []) {
    if (variable.valueFrom === undefined) {
      env.set(variable.name, expandVariables(String(variable.value ?? ""), env));
      continue;
    }
    const ref = variable.valueFrom.secretKeyRef ?? variable.valueFrom.configMapKeyRef;
    if (!ref) fail(`env ${variable.name}: ${Object.keys(variable.valueFrom)} is not supported`);
    const kind = variable.valueFrom.secretKeyRef ? "Secret" : "ConfigMap";
    const value = entries(find(kind, ref.name))[ref.key];
    if (value !== undefined) env.set(variable.name, value);
    else if (!ref.optional) {
      fail(`env ${variable.name} names missing ${kind} key ${ref.name}.${ref.key}`);
    }
  }
  return env;
}

function entries(object: Json): Record<string, string> {
  const decoded = Object.entries(object?.data ?? {}).map(([key, value]) =>
    object.kind === "Secret"
      ? [
        key,
        new TextDecoder().decode(Uint8Array.from(atob(String(value)), (c) => c.charCodeAt(0))),
      ]
      : [key, String(value)]
  );
  const plain = Object.entries(object?.stringData ?? {}).map(([k, v]) => [k, String(v)]);
  return Object.fromEntries([...decoded, ...plain]);
}

/** Kubernetes' $(NAME) references to earlier variables; $$ escapes; unknown names stay as is. */
function expandVariables(text: string, env: Map<string, string>): string {
  return text.replace(
    /\$(\$|\(([^)]*)\))/g,
    (whole, escape, name) => escape === "$" ? "$" : env.get(name) ?? whole,
  );
}

function mountArgs(
  workload: Json,
  pod: Json,
  container: Json,
  options: DockerRunOptions,
  fail: (why: string) => never,
): string[] {
  const claims = new Set(
    (workload.spec?.volumeClaimTemplates ?? []).map((c: Json) => c.metadata?.name),
  );
  const prefix = options.volumePrefix ?? workload.metadata.name;
  const args: string[] = [];
  for (const mount of container.volumeMounts ?? []) {
    if (mount.subPath || mount.subPathExpr) {
      fail(`volumeMount ${mount.name}: subPath is not supported`);
    }
    const volume = (pod.volumes ?? []).find((v: Json) => v.name === mount.name);
    const readonly = mount.readOnly ? ",readonly" : "";
    if (claims.has(mount.name) || volume?.persistentVolumeClaim || volume?.emptyDir) {
      args.push(
        "--mount",
        `type=volume,src=${prefix}-${mount.name},dst=${mount.mountPath}${readonly}`,
      );
    } else if (volume?.hostPath) {
      const host = options.hostPaths?.[volume.hostPath.path];
      if (!host) fail(`hostPath ${volume.hostPath.path} has no --host-path mapping`);
      if (!host.startsWith("/")) {
        fail(`--host-path ${volume.hostPath.path}=${host} is not absolute`);
      }
      args.push("--mount", `type=bind,src=${host},dst=${mount.mountPath}${readonly}`);
    } else {
      const type = volume ? Object.keys(volume).find((k) => k !== "name") : "missing";
      fail(`volume ${mount.name} (${type}) is not supported`);
    }
  }
  return args;
}

function main(args: string[]): number {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      name: { type: "string" },
      network: { type: "string" },
      "volume-prefix": { type: "string" },
      "host-path": { type: "string", multiple: true },
      publish: { type: "string", multiple: true },
      detach: { type: "boolean" },
    },
  });
  if (positionals.length !== 2) {
    console.error("usage: deploy/pod_as_docker.ts RENDERED.yaml KIND/NAME [options]");
    return 2;
  }
  const documents = parseAllDocuments(Deno.readTextFileSync(positionals[0]));
  const error = documents.flatMap((d) => d.errors)[0];
  if (error) throw new Error(`Cannot parse ${positionals[0]}: ${error.message}`);
  const hostPaths = Object.fromEntries((values["host-path"] ?? []).map((pair) => {
    const [path, ...host] = pair.split("=");
    return [path, host.join("=")];
  }));
  const objects = documents.map((d) => d.toJSON()).filter(Boolean);
  const options = {
    name: values.name,
    network: values.network,
    volumePrefix: values["volume-prefix"],
    hostPaths,
    publish: values.publish,
    detach: values.detach,
  };
  console.log(JSON.stringify(dockerRunArgs(objects, positionals[1], options)));
  return 0;
}

if (import.meta.main) Deno.exit(await runMain(() => Promise.resolve(main(Deno.args))));
