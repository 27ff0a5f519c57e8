/** Serves a fetch handler on a free loopback port for the length of a test. */
export interface TestServer extends AsyncDisposable {
  url: string;
}

export function serve(
  handler: (request: Request) => Response | Promise<Response>,
): TestServer {
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    onListen: () => {},
  }, handler);
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    async [Symbol.asyncDispose]() {
      await server.shutdown();
    },
  };
}
