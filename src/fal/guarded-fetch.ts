/**
 * The fetch given to @fal-ai/client. It adds a timeout to every request and makes
 * "single-shot" requests possible: the client retries every queue call on 429/5xx and
 * network errors, the submit included, and a retried submit is a second charge. When a
 * request's signal is registered as single-shot, a failure aborts that signal, and the
 * client's retry loop gives up on an aborted signal, surfacing the first error.
 */
export interface GuardedFetch {
  fetch: typeof fetch;
  /** A signal whose request must be sent at most once. */
  singleShotSignal(): AbortSignal;
}

export function createGuardedFetch(timeoutMs: number, baseFetch: typeof fetch = fetch, streamTimeoutMs = timeoutMs): GuardedFetch {
  const singleShot = new WeakMap<AbortSignal, AbortController>();
  const guarded: typeof fetch = async (input, init) => {
    const controller = init?.signal ? singleShot.get(init.signal) : undefined;
    // A status stream stays open while the job runs: it gets its own, longer limit, after which it is reopened.
    const timeout = AbortSignal.timeout(acceptsEventStream(init) ? streamTimeoutMs : timeoutMs);
    const signal = init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
    try {
      const response = await baseFetch(input, { ...init, signal });
      if (controller && !response.ok) {
        // Read the body before aborting: aborting first would cut the error body off.
        const body = await response.arrayBuffer();
        controller.abort();
        return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
      }
      return response;
    } catch (error) {
      controller?.abort();
      throw error;
    }
  };
  return {
    fetch: guarded,
    singleShotSignal() {
      const controller = new AbortController();
      singleShot.set(controller.signal, controller);
      return controller.signal;
    },
  };
}

function acceptsEventStream(init: RequestInit | undefined): boolean {
  const headers = new Headers(init?.headers ?? {});
  return (headers.get("accept") ?? "").includes("text/event-stream");
}
