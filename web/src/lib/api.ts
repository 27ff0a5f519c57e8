/** Fetches JSON from the service; failures become an `ApiError` built from problem+json. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail?: string,
  ) {
    super(detail ?? title);
  }
}

export async function getJson<T>(url: string, signal: AbortSignal): Promise<T> {
  let response: Response;
  try {
    response = await fetch(url, { signal, headers: { accept: "application/json" } });
  } catch (error) {
    if (signal.aborted) throw error;
    throw new ApiError(0, "Network error", "The service could not be reached.");
  }
  if (!response.ok) throw await problemError(response);
  return (await response.json()) as T;
}

async function problemError(response: Response): Promise<ApiError> {
  const problem = (await response.json().catch(() => ({}))) as {
    title?: unknown;
    detail?: unknown;
  };
  return new ApiError(
    response.status,
    typeof problem.title === "string" ? problem.title : response.statusText || "Error",
    typeof problem.detail === "string" ? problem.detail : undefined,
  );
}
