/**
 * Access tokens for the AirQino API. Since 2026 it wants an OAuth2 bearer token from Keycloak,
 * and Keycloak's access tokens live minutes, so a fixed AIRQINO_TOKEN soon stops working.
 * With AIRQINO_REFRESH_TOKEN the service runs the refresh_token grant itself: it caches the
 * access token until shortly before it expires and keeps a rotated refresh token in memory.
 * Tokens never appear in errors or logs.
 */
import { z } from "zod";
import type { Config } from "../../config.ts";
import { fetchAndReadWithRetry, HttpError, readText } from "../http.ts";

export const CLIENT_ID = "airqino-api";

/** A new access token is fetched this long before the old one expires (clock skew, slow calls). */
export const EXPIRY_MARGIN_MS = 30_000;

/** The API or the token endpoint refused the credentials: fix the configuration, not the data. */
export class AuthRequiredError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AuthRequiredError";
  }
}

export interface AccessTokens {
  /** The token to send as `Authorization: Bearer`, or undefined to call anonymously. */
  token(signal?: AbortSignal): Promise<string | undefined>;
  /** The API answered 401 to the current token: drop it. True when a retry can use a new one. */
  renew(): boolean;
  /** Why a 401 happened, for the error message: which setting to check. */
  readonly hint: string;
}

/** No token, or the fixed AIRQINO_TOKEN: nothing to renew. */
export function fixedToken(token: string | undefined): AccessTokens {
  return {
    token: () => Promise.resolve(token),
    renew: () => false,
    hint: token ? "AIRQINO_TOKEN was rejected" : "set AIRQINO_REFRESH_TOKEN or AIRQINO_TOKEN",
  };
}

export interface RefreshTokenOptions {
  authUrl: string;
  refreshToken: string;
  timeoutMs?: number;
  retries?: number;
  baseDelayMs?: number;
  /** Epoch ms; tests move it forward instead of waiting. */
  now?: () => number;
}

// Keycloak's answer; other fields (refresh_expires_in, session_state, scope) are not needed.
const TokenResponse = z.object({
  access_token: z.string().min(1),
  expires_in: z.number().positive().optional(),
  refresh_token: z.string().min(1).optional(),
});

const TokenError = z.object({
  error: z.string(),
  error_description: z.string().optional(),
});

/** Keycloak's refresh_token grant (client `airqino-api`). Create one per process and keep it. */
export class RefreshingTokens implements AccessTokens {
  readonly hint = "the access token obtained with AIRQINO_REFRESH_TOKEN was rejected";
  readonly #options: RefreshTokenOptions;
  readonly #now: () => number;
  #refreshToken: string;
  #access?: { token: string; renewAtMs: number };
  // Concurrent callers share one token request.
  #pending?: Promise<string>;

  constructor(options: RefreshTokenOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#refreshToken = options.refreshToken;
  }

  async token(signal?: AbortSignal): Promise<string> {
    if (this.#access && this.#now() < this.#access.renewAtMs) return this.#access.token;
    this.#pending ??= this.#request(signal).finally(() => this.#pending = undefined);
    return await this.#pending;
  }

  renew(): boolean {
    this.#access = undefined;
    return true;
  }

  async #request(signal?: AbortSignal): Promise<string> {
    const { authUrl, timeoutMs = 30_000, retries = 2, baseDelayMs = 1_000 } = this.#options;
    const requestedAt = this.#now();
    const { status, ok, text } = await fetchAndReadWithRetry(authUrl, readText, {
      method: "POST",
      headers: {
        accept: "application/json",
        "content-type": "application/x-www-form-urlencoded",
      },
      body: new URLSearchParams({
        grant_type: "refresh_token",
        client_id: CLIENT_ID,
        refresh_token: this.#refreshToken,
      }),
      timeoutMs,
      retries,
      baseDelayMs,
      signal,
      setting: "AIRQINO_AUTH_URL",
    });
    const json = parseJson(text);
    if (status === 400 || status === 401) {
      const error = TokenError.safeParse(json);
      const reason = error.success
        ? [error.data.error, error.data.error_description].filter(Boolean).join(": ")
        : "no OAuth2 error in the body";
      throw new AuthRequiredError(
        `AirQino refresh token rejected by ${authUrl} (HTTP ${status} ${
          shorten(reason)
        }): set a new AIRQINO_REFRESH_TOKEN`,
      );
    }
    if (!ok) {
      throw new HttpError(`POST ${authUrl} answered HTTP ${status} to the token refresh`, status);
    }
    const parsed = TokenResponse.safeParse(json);
    if (!parsed.success) {
      throw new HttpError(`POST ${authUrl} answered 200 without an access_token`);
    }
    const { access_token, expires_in, refresh_token } = parsed.data;
    // Keycloak may rotate the refresh token; the old one can be revoked once the new one is used.
    if (refresh_token) this.#refreshToken = refresh_token;
    this.#access = {
      token: access_token,
      renewAtMs: expires_in === undefined
        ? Infinity // no expiry given: used until the API answers 401
        : requestedAt + Math.max(0, expires_in * 1000 - EXPIRY_MARGIN_MS),
    };
    return access_token;
  }
}

/** The refresh token when configured (it outlives any fixed token), else AIRQINO_TOKEN or none. */
export function accessTokensFromConfig(config: Config): AccessTokens {
  return config.airqinoRefreshToken
    ? new RefreshingTokens({
      authUrl: config.airqinoAuthUrl,
      refreshToken: config.airqinoRefreshToken,
    })
    : fixedToken(config.airqinoToken);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function shorten(text: string): string {
  const line = text.replace(/\s+/g, " ");
  return line.length > 120 ? `${line.slice(0, 120)}…` : line;
}
