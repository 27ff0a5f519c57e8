/** An app wired to a fresh test database, plus a config with test-friendly defaults. */
import { createApp } from "../../app.ts";
import { type Config, loadConfig } from "../../config.ts";
import { createTestDatabase, type TestDatabase } from "./database.ts";

export interface TestApp extends AsyncDisposable {
  db: TestDatabase;
  config: Config;
  request(path: string, init?: RequestInit): Promise<Response>;
}

export async function createTestApp(
  overrides: Partial<Config> = {},
): Promise<TestApp> {
  const db = await createTestDatabase();
  const config = { ...loadConfig({ DATABASE_URL: db.url }), ...overrides };
  const app = createApp({ sql: db.sql, config });
  return {
    db,
    config,
    request: async (path, init) => await app.request(path, init),
    [Symbol.asyncDispose]: () => db[Symbol.asyncDispose](),
  };
}
