/**
 * The fetch given to @fal-ai/client. It adds a timeout to every request and makes
 * "single-shot" requests possible: the client retries every queue call on 429/5xx and
 * network errors, the submit included, and a retried submit is a second charge. When a
 * request's signal is registered as single-shot, a failure aborts that signal, and the
 * client's retry loop gives up on an aborted signal, surfacing the first error.
 *
 * "A failure" includes one while the body is read: the client reads the body after fetch
 * returns (response.js), inside its retry loop, so a 2xx whose connection drops mid-body
 * would be retried — fal already took that job. A single-shot answer is therefore read
 * whole here, before it is handed back.
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
      if (!controller) return response;
      // Read the body before aborting: aborting first would cut the error body off. A body
      // that cannot be read throws to the catch below, which aborts too.
      const body = await response.arrayBuffer();
      if (!response.ok) controller.abort();
      return new Response(NULL_BODY_STATUSES.has(response.status) ? null : body, { status: response.status, statusText: response.statusText, headers: response.headers });
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

/** Statuses a Response must be built without a body for (the Response constructor throws otherwise). */
const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

function acceptsEventStream(init: RequestInit | undefined): boolean {
  const headers = new Headers(init?.headers ?? {});
  return (headers.get("accept") ?? "").includes("text/event-stream");
}
