// The console's pages: state machines, one machine (its graph, a start form, its executions),
// one execution (the graph coloured live, the history, each state's input and output, Stop and
// Redrive), functions, activities. Pages are addressed by the URL's fragment (#/machine/ARN),
// so that a link or a reload shows the same page.

import * as api from "./api.js";
import { draw } from "./graph.js";
import { Progress } from "./progress.js";

const view = document.getElementById("view");
const notice = document.getElementById("notice");

/** A DOM element: `h("a", { href: "#/" }, "text", child, ...)`. Text is never parsed as HTML. */
function h(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attributes)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? "" : String(v));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

function time(seconds) {
  if (seconds === undefined || seconds === null) return "";
  const d = new Date(seconds * 1000);
  const pad = (n, w = 2) => String(n).padStart(w, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

function badge(status) {
  return h("span", { class: `badge ${String(status || "").toLowerCase()}`, "data-testid": "status" }, status || "");
}

/** A list's table: a header cell per column (its text, or `[text, class]`), then `rows`. */
function table(id, columns, rows, body = h("tbody", {})) {
  const head = columns.map((c) => (Array.isArray(c) ? h("th", { class: c[1] }, c[0]) : h("th", {}, c)));
  body.append(...rows);
  return h("table", { class: "list", id }, h("thead", {}, h("tr", {}, head)), body);
}

/** A page that lists things: its title, then `list()`'s table, or what to do when it is empty. */
function listing(title, count, empty, list) {
  return [h("h1", {}, title), count === 0 ? h("p", { class: "empty" }, empty) : list()];
}

function pretty(text) {
  if (text === undefined || text === null) return "";
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return String(text);
  }
}

function say(message, kind = "error") {
  notice.replaceChildren(message ? h("div", { class: `notice ${kind}`, role: "alert" }, message) : "");
}

function failure(e) {
  say(e instanceof api.ApiError ? `${e.name}: ${e.message}` : String(e));
}

const link = {
  machine: (arn) => `#/machine/${encodeURIComponent(arn)}`,
  execution: (arn) => `#/execution/${encodeURIComponent(arn)}`,
};

const STATUSES = ["RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED", "PENDING_REDRIVE"];

// ---- State machines ------------------------------------------------------------------------

async function machinesPage() {
  const { items: machines } = await api.all("ListStateMachines", {}, "stateMachines");
  const counts = await Promise.all(
    machines.map(async (m) => {
      if (m.type === "EXPRESS") return null;
      const { items, more } = await api.all(
        "ListExecutions",
        { stateMachineArn: m.stateMachineArn, maxResults: 1000 },
        "executions",
      );
      const byStatus = {};
      for (const e of items) byStatus[e.status] = (byStatus[e.status] || 0) + 1;
      return { byStatus, more };
    }),
  );
  const shown = ["RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"];
  const rows = machines.map((m, i) =>
    h(
      "tr",
      { "data-machine": m.name },
      h("td", {}, h("a", { href: link.machine(m.stateMachineArn) }, m.name)),
      h("td", {}, m.type),
      h("td", {}, time(m.creationDate)),
      shown.map((s) =>
        h(
          "td",
          { class: "count", "data-count": s },
          counts[i] === null
            ? h("span", { title: "Express executions are not listed, as in AWS" }, "—")
            : `${counts[i].byStatus[s] || 0}${counts[i].more ? "+" : ""}`,
        ),
      ),
    ),
  );
  const columns = ["Name", "Type", "Created", ...shown.map((s) => [s.replace("_", " ").toLowerCase(), "count"])];
  return listing(
    "State machines",
    machines.length,
    "No state machine yet. Create one with `aws stepfunctions create-state-machine` or `stepwise deploy`.",
    () => table("machines", columns, rows),
  );
}

// ---- One machine ---------------------------------------------------------------------------

async function machinePage(arn) {
  const machine = await api.states("DescribeStateMachine", { stateMachineArn: arn });
  const definition = JSON.parse(machine.definition);
  const states = statesOf(definition);
  const graph = h("div", { class: "graph-box", id: "graph" });
  const details = h("pre", { class: "state-definition", id: "state-details" }, "Click a state to see its definition.");
  const painter = draw(graph, definition, (name) => {
    painter.select(name);
    details.textContent = JSON.stringify(states.get(name)?.state, null, 2);
  });

  const nameInput = h("input", { id: "execution-name", placeholder: "a name (optional)", maxlength: 80 });
  const inputBox = h("textarea", { id: "execution-input", rows: 5, spellcheck: "false" }, "{}");
  const result = h("div", { id: "start-result" });
  const start = async () => {
    say("");
    try {
      const input = inputBox.value.trim() || "{}";
      const body = { stateMachineArn: arn, input };
      if (nameInput.value.trim()) body.name = nameInput.value.trim();
      if (machine.type === "EXPRESS") {
        const out = await api.states("StartSyncExecution", body);
        result.replaceChildren(
          h("p", {}, "Express execution ", badge(out.status)),
          h("pre", {}, out.status === "SUCCEEDED" ? pretty(out.output) : `${out.error || ""}\n${out.cause || ""}`),
        );
      } else {
        const out = await api.states("StartExecution", body);
        location.hash = link.execution(out.executionArn);
      }
    } catch (e) {
      failure(e);
    }
  };

  const filter = h("select", { id: "status-filter" }, h("option", { value: "" }, "All statuses"), STATUSES.map((s) => h("option", { value: s }, s)));
  const list = h("div", { id: "executions" });
  const refresh = async () => {
    if (machine.type === "EXPRESS") {
      list.replaceChildren(h("p", { class: "empty" }, "Express executions are not listed, as in AWS: start one above to see its result."));
      return;
    }
    try {
      const input = { stateMachineArn: arn, maxResults: 100 };
      if (filter.value) input.statusFilter = filter.value;
      const { executions } = await api.states("ListExecutions", input);
      list.replaceChildren(
        executions.length === 0
          ? h("p", { class: "empty" }, filter.value ? `No ${filter.value} execution.` : "No execution yet.")
          : table(
              undefined,
              ["Name", "Status", "Started", "Ended"],
              executions.map((e) =>
                h(
                  "tr",
                  { "data-execution": e.name },
                  h("td", {}, h("a", { href: link.execution(e.executionArn) }, e.name)),
                  h("td", {}, badge(e.status)),
                  h("td", {}, time(e.startDate)),
                  h("td", {}, time(e.stopDate)),
                ),
              ),
            ),
      );
    } catch (e) {
      failure(e);
    }
  };
  filter.addEventListener("change", refresh);
  await refresh();

  return [
    h("p", { class: "crumbs" }, h("a", { href: "#/" }, "State machines"), " / ", machine.name),
    h("h1", {}, machine.name, " ", h("span", { class: "kind" }, machine.type)),
    h("p", { class: "arn" }, machine.stateMachineArn),
    h("div", { class: "split" }, graph, h("aside", {}, h("h2", {}, "State"), details)),
    h(
      "section",
      { class: "start" },
      h("h2", {}, "Start an execution"),
      nameInput,
      inputBox,
      h("button", { id: "start", onclick: start }, machine.type === "EXPRESS" ? "Start (synchronous)" : "Start execution"),
      result,
    ),
    h("section", {}, h("h2", {}, "Executions ", filter, " ", h("button", { class: "secondary", onclick: refresh }, "Refresh")), list),
  ];
}

/**
 * Every state of the definition, Parallel branches' and Map processors' included: name ->
 * { state, parent } (the Map or Parallel holding it). A name used twice keeps its first.
 */
function statesOf(definition) {
  const states = new Map();
  const walk = (scope, parent) => {
    for (const [name, state] of Object.entries(scope || {})) {
      if (!states.has(name)) states.set(name, { state, parent });
      const inner = [...(state.Branches || []), state.ItemProcessor || state.Iterator].filter(Boolean);
      for (const branch of inner) walk(branch.States, name);
    }
  };
  walk(definition.States, undefined);
  return states;
}

/** For Progress: the nearest state of `type` holding the state `name` (itself included). */
function enclosingIn(definition) {
  const states = statesOf(definition);
  return (name, type) => {
    for (let n = name; n !== undefined; n = states.get(n)?.parent) {
      if (states.get(n)?.state.Type === type) return n;
    }
    return undefined;
  };
}

// ---- One execution -------------------------------------------------------------------------

async function executionPage(arn, cleanups) {
  let execution = await api.states("DescribeExecution", { executionArn: arn });
  const forExecution = await api.states("DescribeStateMachineForExecution", { executionArn: arn });
  const definition = JSON.parse(forExecution.definition);
  const progress = new Progress(enclosingIn(definition));
  let selected;

  const header = h("div", { class: "summary", id: "summary" });
  const actions = h("div", { class: "actions" });
  const graph = h("div", { class: "graph-box", id: "graph" });
  const stateBox = h("div", { id: "state-details" }, h("p", { class: "empty" }, "Click a state to see its input and output."));
  const rows = h("tbody", {});
  const live = h("span", { class: "live", id: "live" });

  const showState = () => {
    if (!selected) return;
    const s = progress.states.get(selected);
    const status = progress.status(selected);
    stateBox.replaceChildren(
      h("h3", {}, selected, " ", status ? h("span", { class: `badge ${status}`, "data-testid": "state-status" }, status) : ""),
      !s
        ? h("p", { class: "empty" }, "Not reached.")
        : h(
            "div",
            {},
            s.retries ? h("p", {}, `Retried ${s.retries} time${s.retries > 1 ? "s" : ""}.`) : "",
            s.entered > 1 ? h("p", {}, `Entered ${s.entered} times; the last is shown.`) : "",
            h("h4", {}, "Input"),
            h("pre", { "data-testid": "state-input" }, pretty(s.input)),
            h("h4", {}, "Output"),
            h("pre", { "data-testid": "state-output" }, s.output === undefined ? "" : pretty(s.output)),
            s.error ? [h("h4", {}, "Error"), h("pre", {}, [s.error.error, s.error.cause].filter(Boolean).join("\n"))] : "",
          ),
    );
  };
  const painter = draw(graph, definition, (name) => {
    selected = name;
    painter.select(name);
    showState();
  });

  const renderHeader = () => {
    header.replaceChildren(
      h(
        "dl",
        {},
        h("dt", {}, "Status"),
        h("dd", { id: "execution-status" }, badge(execution.status)),
        h("dt", {}, "State machine"),
        h("dd", {}, h("a", { href: link.machine(execution.stateMachineArn) }, execution.stateMachineArn.split(":").slice(6).join(":"))),
        h("dt", {}, "Started"),
        h("dd", {}, time(execution.startDate)),
        execution.stopDate ? [h("dt", {}, "Ended"), h("dd", {}, time(execution.stopDate))] : "",
        execution.redriveCount ? [h("dt", {}, "Redrives"), h("dd", { id: "redrive-count" }, execution.redriveCount)] : "",
        execution.error ? [h("dt", {}, "Error"), h("dd", { class: "error" }, execution.error)] : "",
        execution.cause ? [h("dt", {}, "Cause"), h("dd", {}, h("pre", {}, pretty(execution.cause)))] : "",
      ),
      h("details", {}, h("summary", {}, "Execution input"), h("pre", { id: "execution-input" }, pretty(execution.input))),
      execution.output !== undefined ? h("details", {}, h("summary", {}, "Execution output"), h("pre", { id: "execution-output" }, pretty(execution.output))) : "",
    );
    const buttons = [];
    if (execution.status === "RUNNING") {
      buttons.push(h("button", { id: "stop", class: "danger", onclick: stop }, "Stop execution"));
    }
    if (execution.redriveStatus === "REDRIVABLE") {
      buttons.push(h("button", { id: "redrive", onclick: redrive }, "Redrive"));
    }
    actions.replaceChildren(...buttons);
  };

  const addRows = (events) => {
    for (const event of events) {
      const key = Object.keys(event).find((k) => k.endsWith("EventDetails"));
      const owner = progress.owners.get(event.id) || "";
      rows.append(
        h(
          "tr",
          { "data-event": event.type },
          h("td", { class: "count" }, event.id),
          h("td", {}, event.type),
          h("td", {}, owner),
          h("td", {}, time(event.timestamp)),
          h("td", {}, key ? h("details", {}, h("summary", {}, "details"), h("pre", {}, JSON.stringify(event[key], null, 2))) : ""),
        ),
      );
    }
  };

  let unfollow = () => {};
  const startFollowing = () => {
    unfollow();
    live.textContent = "live";
    live.className = "live on";
    unfollow = api.follow(
      arn,
      progress.events.at(-1)?.id ?? 0,
      async (events, status) => {
        say("");
        progress.add(events);
        addRows(events);
        painter.paint(progress);
        showState();
        if (status !== execution.status || status !== "RUNNING") {
          execution = await api.states("DescribeExecution", { executionArn: arn });
          renderHeader();
        }
        if (status !== "RUNNING") {
          live.textContent = "ended";
          live.className = "live";
        }
      },
      (problem) => say(problem, "warning"),
    );
  };
  cleanups.push(() => unfollow());

  async function stop() {
    try {
      await api.states("StopExecution", { executionArn: arn, error: "Stopped", cause: "stopped from the console" });
    } catch (e) {
      failure(e);
    }
  }
  async function redrive() {
    try {
      await api.states("RedriveExecution", { executionArn: arn });
      execution = await api.states("DescribeExecution", { executionArn: arn });
      renderHeader();
      startFollowing();
    } catch (e) {
      failure(e);
    }
  }

  renderHeader();
  startFollowing();
  return [
    h(
      "p",
      { class: "crumbs" },
      h("a", { href: "#/" }, "State machines"),
      " / ",
      h("a", { href: link.machine(execution.stateMachineArn) }, execution.stateMachineArn.split(":").pop()),
      " / ",
      execution.name,
    ),
    h("h1", {}, execution.name, " ", live),
    actions,
    header,
    h("div", { class: "split" }, graph, h("aside", {}, h("h2", {}, "State"), stateBox)),
    h("div", { class: "legend" }, ["entered", "succeeded", "failed", "caught", "retried", "aborted"].map((s) => h("span", { class: `badge ${s}` }, s))),
    h(
      "section",
      {},
      h("h2", {}, "Event history"),
      table("history", [["ID", "count"], "Type", "State", "Timestamp", ""], [], rows),
    ),
  ];
}

// ---- Functions and activities --------------------------------------------------------------

async function functionsPage() {
  const functions = await api.functions();
  const columns = ["Name", "Runtime", ["Memory (MB)", "count"], ["Timeout (s)", "count"], ["Code size", "count"], "Last modified"];
  return listing(
    "Functions",
    functions.length,
    "No function yet. Deploy one with `aws lambda create-function` or `stepwise deploy`.",
    () =>
      table(
        "functions",
        columns,
        functions.map((f) =>
          h(
            "tr",
            { "data-function": f.FunctionName },
            h("td", {}, f.FunctionName),
            h("td", {}, f.Runtime || "wasm component"),
            h("td", { class: "count" }, f.MemorySize),
            h("td", { class: "count" }, f.Timeout),
            h("td", { class: "count" }, f.CodeSize),
            h("td", {}, f.LastModified),
          ),
        ),
      ),
  );
}

async function activitiesPage() {
  const { items } = await api.all("ListActivities", {}, "activities");
  return listing(
    "Activities",
    items.length,
    "No activity yet. Create one with `aws stepfunctions create-activity`.",
    () =>
      table(
        "activities",
        ["Name", "ARN", "Created"],
        items.map((a) => h("tr", { "data-activity": a.name }, h("td", {}, a.name), h("td", { class: "arn" }, a.activityArn), h("td", {}, time(a.creationDate)))),
      ),
  );
}

// ---- Sign-in and routing -------------------------------------------------------------------

function signInPage() {
  const id = h("input", { id: "access-key-id", autocomplete: "username", required: true });
  const secret = h("input", { id: "secret-access-key", type: "password", autocomplete: "current-password", required: true });
  const form = h(
    "form",
    {
      class: "sign-in",
      onsubmit: async (event) => {
        event.preventDefault();
        try {
          await api.signIn(id.value.trim(), secret.value);
          say("");
          route();
        } catch (e) {
          failure(e);
        }
      },
    },
    h("h1", {}, "Sign in"),
    h("p", {}, "This host lets in only the key pairs of its credentials file."),
    h("label", {}, "Access key ID", id),
    h("label", {}, "Secret access key", secret),
    h("button", { type: "submit", id: "sign-in" }, "Sign in"),
  );
  return [form];
}

let cleanups = [];

async function route() {
  for (const c of cleanups) c();
  cleanups = [];
  const hash = decodeURIComponent(location.hash || "#/");
  const [, page, ...rest] = hash.split("/");
  const arg = rest.join("/");
  for (const a of document.querySelectorAll("nav a")) {
    a.classList.toggle("current", a.dataset.page === (page || "machines") || (a.dataset.page === "machines" && ["machine", "execution"].includes(page)));
  }
  view.setAttribute("aria-busy", "true");
  try {
    const session = await api.session();
    document.getElementById("sign-out").hidden = !(session.signInRequired && session.signedIn);
    let content;
    if (!session.signedIn) content = signInPage();
    else if (page === "machine") content = await machinePage(arg);
    else if (page === "execution") content = await executionPage(arg, cleanups);
    else if (page === "functions") content = await functionsPage();
    else if (page === "activities") content = await activitiesPage();
    else content = await machinesPage();
    view.replaceChildren(...content);
  } catch (e) {
    view.replaceChildren(h("h1", {}, "Cannot show this page"));
    failure(e);
  } finally {
    view.removeAttribute("aria-busy");
  }
}

document.getElementById("sign-out").addEventListener("click", async () => {
  await api.signOut();
  route();
});
window.addEventListener("hashchange", route);
route();
