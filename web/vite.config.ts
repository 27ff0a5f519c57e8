import { defineConfig } from "vite";
import { svelte } from "@sveltejs/vite-plugin-svelte";

// `npm run dev` proxies the API to a service started with `deno task start`.
export default defineConfig({
  plugins: [svelte()],
  server: { proxy: { "/api": "http://127.0.0.1:8000" } },
  build: { target: "es2022", chunkSizeWarningLimit: 200 },
});
