/**
 * A raw HTTP/1.1 server on a free loopback port that can drop the connection mid-body, which
 * Deno.serve cannot: it answers 200 with the full Content-Length, writes only the first
 * `cutAfter(attempt)` bytes of the body when that is a number, and closes the connection.
 */
import type { TestServer } from "./server.ts";

export interface CutConnectionStub extends TestServer {
  /** Requests received so far. */
  attempts: number;
}

export function serveCutBodies(
  body: string,
  cutAfter: (attempt: number) => number | undefined,
  contentType = "application/json",
): CutConnectionStub {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const bytes = new TextEncoder().encode(body);
  const handled: Promise<void>[] = [];
  const stub: CutConnectionStub = {
    url: `http://127.0.0.1:${listener.addr.port}`,
    attempts: 0,
    async [Symbol.asyncDispose]() {
      listener.close();
      await accepting;
      await Promise.all(handled);
    },
  };
  const answer = async (conn: Deno.Conn) => {
    try {
      await readRequestHead(conn);
      const cut = cutAfter(++stub.attempts);
      const head = "HTTP/1.1 200 OK\r\n" + `content-type: ${contentType}\r\n` +
        `content-length: ${bytes.length}\r\nconnection: close\r\n\r\n`;
      await writeAll(conn, new TextEncoder().encode(head));
      await writeAll(conn, cut === undefined ? bytes : bytes.subarray(0, cut));
    } finally {
      conn.close();
    }
  };
  const accepting = (async () => {
    try {
      for await (const conn of listener) handled.push(answer(conn));
    } catch (error) {
      if (!(error instanceof Deno.errors.BadResource)) throw error;
    }
  })();
  return stub;
}

/** Reads up to the blank line that ends the request head (the stub's clients send no body). */
async function readRequestHead(conn: Deno.Conn): Promise<void> {
  const buffer = new Uint8Array(16 * 1024);
  let text = "";
  while (!text.includes("\r\n\r\n")) {
    const n = await conn.read(buffer);
    if (n === null) return;
    text += new TextDecoder().decode(buffer.subarray(0, n));
  }
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  for (let written = 0; written < bytes.length;) {
    written += await conn.write(bytes.subarray(written));
  }
}
