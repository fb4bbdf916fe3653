// The console talks to the host through the same AWS API every client uses: Step Functions'
// JSON 1.0 protocol on POST / and Lambda's REST API. With `serve --credentials`, the session
// cookie set at sign-in stands in for a signature (see api/auth.rs).

/** An error answered by the API, in AWS's shape: `name` is its `__type`. */
export class ApiError extends Error {
  constructor(name, message, status) {
    super(message || name);
    this.name = name;
    this.status = status;
  }
}

async function answer(response) {
  const text = await response.text();
  let body = {};
  try {
    body = text ? JSON.parse(text) : {};
  } catch {
    throw new ApiError("InternalFailure", text || response.statusText, response.status);
  }
  if (!response.ok) {
    const name =
      body.__type || response.headers.get("x-amzn-errortype") || `HTTP ${response.status}`;
    throw new ApiError(name.split(":")[0], body.message || body.Message, response.status);
  }
  return body;
}

/** Calls a Step Functions action, e.g. `states("ListStateMachines", {})`. */
export async function states(action, input = {}) {
  const response = await fetch("/", {
    method: "POST",
    headers: {
      "content-type": "application/x-amz-json-1.0",
      "x-amz-target": `AWSStepFunctions.${action}`,
    },
    body: JSON.stringify(input),
  });
  return answer(response);
}

/** Every page of a Step Functions list action, up to `limit` items. */
export async function all(action, input, key, limit = 1000) {
  const items = [];
  let nextToken;
  do {
    const page = await states(action, { ...input, ...(nextToken ? { nextToken } : {}) });
    items.push(...(page[key] || []));
    nextToken = page.nextToken;
  } while (nextToken && items.length < limit);
  return { items, more: Boolean(nextToken) };
}

/** Lambda's ListFunctions, every page. */
export async function functions() {
  const items = [];
  let marker;
  do {
    const query = marker ? `?Marker=${encodeURIComponent(marker)}` : "";
    const page = await answer(await fetch(`/2015-03-31/functions/${query}`));
    items.push(...(page.Functions || []));
    marker = page.NextMarker;
  } while (marker);
  return items;
}

/** Whether the console must sign in, and whether it has. */
export async function session() {
  return answer(await fetch("/console/session"));
}

export async function signIn(accessKeyId, secretAccessKey) {
  const response = await fetch("/console/sign-in", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ accessKeyId, secretAccessKey }),
  });
  return answer(response);
}

export async function signOut() {
  return answer(await fetch("/console/sign-out", { method: "POST" }));
}

/**
 * Follows an execution's history as the host commits it, from the event after `after` (0: from
 * the start): `onEvents(events, status)` gets each batch of new events; the feed closes itself
 * once the execution has ended. Returns a function that stops following.
 */
export function follow(executionArn, after, onEvents, onProblem) {
  const source = new EventSource(
    `/console/history?executionArn=${encodeURIComponent(executionArn)}&after=${after}`,
  );
  source.addEventListener("history", (message) => {
    const { status, events } = JSON.parse(message.data);
    onEvents(events, status);
    if (status !== "RUNNING") source.close();
  });
  source.addEventListener("failure", (message) => {
    onProblem(JSON.parse(message.data).message);
    source.close();
  });
  // The browser reconnects by itself (sending the last event's id); say so meanwhile.
  source.onerror = () => {
    if (source.readyState === EventSource.CONNECTING) onProblem("reconnecting to the host…");
  };
  return () => source.close();
}
