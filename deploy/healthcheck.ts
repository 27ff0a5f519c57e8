/** The container's health check: exit 0 when the local service's /healthz answers 200 in time. */
const response = await fetch("http://127.0.0.1:8000/healthz", {
  signal: AbortSignal.timeout(4_000),
}).catch(() => undefined);
await response?.body?.cancel();
Deno.exit(response?.ok ? 0 : 1);
