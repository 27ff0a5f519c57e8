/// <reference types="node" />
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import { defineConfig, type Plugin } from "vite";
import { svelte } from "@sveltejs/vite-plugin-svelte";

// `npm run dev` proxies the API to a service started with `deno task start`.
export default defineConfig({
  plugins: [svelte(), precompress()],
  server: { proxy: { "/api": "http://127.0.0.1:8000" } },
  build: { target: "es2022", chunkSizeWarningLimit: 200 },
});

const TEXT_FILE = /\.(html|js|css|svg|json|txt|map)$/;

/**
 * Writes a `.br` and a `.gz` twin next to every text file of the build, index.html included,
 * which the service sends to clients that accept them (routes/web.ts): compressed once here at
 * maximum quality, too slow to do per request. A twin no smaller than its file is not written.
 */
function precompress(): Plugin {
  return {
    name: "precompress",
    apply: "build",
    writeBundle({ dir }, bundle) {
      for (const fileName of Object.keys(bundle).filter((name) => TEXT_FILE.test(name))) {
        const path = join(dir!, fileName);
        const file = readFileSync(path);
        writeSmaller(`${path}.br`, brotli(file), file);
        writeSmaller(`${path}.gz`, gzipSync(file, { level: constants.Z_BEST_COMPRESSION }), file);
      }
    },
  };
}

function brotli(file: Buffer): Buffer {
  return brotliCompressSync(file, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
      [constants.BROTLI_PARAM_SIZE_HINT]: file.length,
    },
  });
}

function writeSmaller(path: string, compressed: Buffer, file: Buffer): void {
  if (compressed.length < file.length) writeFileSync(path, compressed);
}
