/**
 * A JSON resource that reloads whenever the URL it depends on changes: the previous request
 * is aborted, so a slow answer for an old day never replaces the one for the new day.
 */
import { ApiError, getJson } from "./api.ts";

export interface Resource<T> {
  readonly status: "idle" | "loading" | "ready" | "error";
  readonly data: T | undefined;
  readonly error: ApiError | undefined;
  reload(): void;
}

/** `url()` returning null means "nothing to load" (e.g. no station chosen yet). */
export function resource<T>(url: () => string | null): Resource<T> {
  let status = $state<Resource<T>["status"]>("idle");
  let data = $state.raw<T | undefined>();
  let error = $state.raw<ApiError | undefined>();
  let attempt = $state(0);

  $effect(() => {
    const target = url();
    void attempt; // read, so that reload() re-runs this effect
    data = undefined;
    error = undefined;
    if (target === null) {
      status = "idle";
      return;
    }
    status = "loading";
    const controller = new AbortController();
    getJson<T>(target, controller.signal).then(
      (value) => {
        data = value;
        status = "ready";
      },
      (reason: unknown) => {
        if (controller.signal.aborted) return;
        error = reason instanceof ApiError
          ? reason
          : new ApiError(0, "Unexpected response", String(reason));
        status = "error";
      },
    );
    return () => controller.abort();
  });

  return {
    get status() {
      return status;
    },
    get data() {
      return data;
    },
    get error() {
      return error;
    },
    reload() {
      attempt++;
    },
  };
}
