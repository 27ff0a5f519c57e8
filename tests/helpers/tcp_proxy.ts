/**
 * A TCP proxy in front of PostgreSQL that a test can turn into a failing database:
 * - "forward": a working database;
 * - "refuse": the port is closed (connection refused), open connections are cut;
 * - "reset": connections are accepted and closed at once (a load balancer whose backend is
 *   gone), open connections are cut;
 * - "freeze": connections are accepted, open or new, but nothing is passed on in either
 *   direction until the mode changes (a database that hangs); bytes sent meanwhile are held
 *   and delivered when it thaws.
 */
export type ProxyMode = "forward" | "refuse" | "reset" | "freeze";

export interface TcpProxy extends AsyncDisposable {
  /** The database URL with the proxy's host and port. */
  url: string;
  setMode(mode: ProxyMode): Promise<void>;
}

interface Pair {
  client: Deno.TcpConn;
  server: Deno.TcpConn;
  done: Promise<unknown>;
}

/** A proxy in front of the server of `databaseUrl`. */
export function startTcpProxy(databaseUrl: string): TcpProxy {
  const proxied = new URL(databaseUrl);
  const target = { hostname: proxied.hostname, port: Number(proxied.port || 5432) };
  let mode: ProxyMode = "forward";
  let thaw = Promise.withResolvers<void>();
  let listener: Deno.TcpListener | undefined;
  let accepting: Promise<void> | undefined;
  const pairs = new Set<Pair>();
  const port = listen(0);
  proxied.hostname = "127.0.0.1";
  proxied.port = String(port);

  function listen(onPort: number): number {
    listener = Deno.listen({ hostname: "127.0.0.1", port: onPort });
    const current = listener;
    accepting = (async () => {
      for await (const client of current) handle(client);
    })().catch(() => {}); // the listener was closed
    return (listener.addr as Deno.NetAddr).port;
  }

  async function handle(client: Deno.TcpConn) {
    if (mode === "reset") return client.close();
    let server: Deno.TcpConn;
    try {
      server = await Deno.connect(target);
    } catch {
      return client.close();
    }
    const pair: Pair = {
      client,
      server,
      done: Promise.allSettled([pipe(client, server), pipe(server, client)]).then(() => {
        closeQuietly(client);
        closeQuietly(server);
        pairs.delete(pair);
      }),
    };
    pairs.add(pair);
  }

  async function pipe(from: Deno.TcpConn, to: Deno.TcpConn) {
    const buffer = new Uint8Array(64 * 1024);
    while (true) {
      const n = await from.read(buffer);
      if (n === null) return;
      while (mode === "freeze") await thaw.promise;
      let written = 0;
      while (written < n) written += await to.write(buffer.subarray(written, n));
    }
  }

  async function cutAll() {
    const open = [...pairs];
    for (const pair of open) {
      closeQuietly(pair.client);
      closeQuietly(pair.server);
    }
    await Promise.all(open.map((pair) => pair.done));
  }

  async function setMode(next: ProxyMode) {
    const previous = mode;
    mode = next;
    if (previous === "freeze" && next !== "freeze") {
      thaw.resolve();
      thaw = Promise.withResolvers<void>();
    }
    if (next === "refuse" || next === "reset") await cutAll();
    if (next === "refuse" && listener) {
      listener.close();
      await accepting;
      listener = undefined;
    }
    if (next !== "refuse" && !listener) listen(port);
  }

  return {
    url: proxied.toString(),
    setMode,
    async [Symbol.asyncDispose]() {
      mode = "forward";
      thaw.resolve();
      listener?.close();
      await accepting;
      await cutAll();
    },
  };
}

function closeQuietly(conn: Deno.TcpConn) {
  try {
    conn.close();
  } catch {
    // already closed by the other direction
  }
}
