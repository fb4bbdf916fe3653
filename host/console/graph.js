// A state machine's definition drawn as a graph: states as nodes, transitions as edges
// (Choice rules and Catch edges labelled), each Parallel branch and Map processor a nested
// group. dagre (vendor/dagre.min.js, loaded before this module as the global `dagre`) lays it
// out; this module only turns the definition into dagre's graph and its layout into SVG.

const SVG = "http://www.w3.org/2000/svg";
const START = "__start__";
const END = "__end__";

const OPERATORS = {
  Equals: "==",
  LessThan: "<",
  GreaterThan: ">",
  LessThanEquals: "<=",
  GreaterThanEquals: ">=",
  Matches: "matches",
};

function clip(text, most = 44) {
  return text.length > most ? `${text.slice(0, most - 1)}…` : text;
}

/** A Choice rule as one line: `$.x == "a"`, `$.n > 3 and not (...)`, a JSONata Condition. */
export function ruleText(rule) {
  if (typeof rule.Condition === "string") {
    return rule.Condition.replace(/^\s*\{%\s*/, "").replace(/\s*%\}\s*$/, "");
  }
  if (Array.isArray(rule.And)) return rule.And.map((r) => `(${ruleText(r)})`).join(" and ");
  if (Array.isArray(rule.Or)) return rule.Or.map((r) => `(${ruleText(r)})`).join(" or ");
  if (rule.Not) return `not (${ruleText(rule.Not)})`;
  for (const [key, value] of Object.entries(rule)) {
    const is = key.match(/^Is(Null|Present|Numeric|String|Boolean|Timestamp)$/);
    if (is) return `${rule.Variable} is ${value ? "" : "not "}${is[1].toLowerCase()}`;
    const op = key.match(/^(String|Numeric|Boolean|Timestamp)(\w+?)(Path)?$/);
    if (op && OPERATORS[op[2]]) {
      const operand = op[3] ? value : JSON.stringify(value);
      return `${rule.Variable} ${OPERATORS[op[2]]} ${operand}`;
    }
  }
  return "rule";
}

/** What a node says under its name: the type, and for a Task what it calls. */
function subtitle(state) {
  if (state.Type !== "Task" || typeof state.Resource !== "string") return state.Type;
  const resource = state.Resource;
  const fn = resource.match(/:function:([^:]+)/);
  if (fn) return `Task · ${fn[1]}`;
  const service = resource.match(/^arn:aws:states:::(.+)$/);
  if (service) return `Task · ${service[1]}`;
  const activity = resource.match(/:activity:(.+)$/);
  if (activity) return `Activity · ${activity[1]}`;
  return "Task";
}

let measurer;
function textWidth(text, font) {
  measurer ||= document.createElement("canvas").getContext("2d");
  measurer.font = font;
  return measurer.measureText(text).width;
}

/**
 * The definition as a dagre graph. Node ids are the state's path (`Outer/0/Inner` for a
 * state in the first branch of Parallel `Outer`), since names repeat across branches.
 * A Parallel or Map is a group holding the state's own node (where edges arrive), its branches
 * (groups themselves) and a join node (where its edges leave), since dagre routes edges only
 * between plain nodes.
 */
export function build(definition) {
  const g = new dagre.graphlib.Graph({ compound: true, multigraph: true });
  g.setGraph({ rankdir: "TB", nodesep: 28, ranksep: 36, edgesep: 14, marginx: 16, marginy: 16 });
  g.setDefaultEdgeLabel(() => ({}));
  const font = "13px system-ui, sans-serif";
  const small = "11px system-ui, sans-serif";

  g.setNode(START, { kind: "terminal", label: "Start", width: 56, height: 28 });
  g.setNode(END, { kind: "terminal", label: "End", width: 56, height: 28 });
  let edges = 0;
  const edge = (from, to, label, kind) => {
    const value = { kind };
    if (label) {
      value.label = clip(label);
      value.width = textWidth(value.label, small) + 10;
      value.height = 16;
      value.labelpos = "c";
    }
    g.setEdge(from, to, value, `e${edges++}`);
  };

  const scope = (states, startAt, parent, prefix, exit) => {
    const id = (name) => `${prefix}${name}`;
    for (const [name, state] of Object.entries(states || {})) {
      const node = {
        kind: "state",
        name,
        type: state.Type,
        label: name,
        sub: subtitle(state),
        height: 44,
      };
      node.width = Math.max(textWidth(name, `600 ${font}`), textWidth(node.sub, small)) + 28;
      let from = id(name);
      const nested =
        state.Type === "Parallel"
          ? (state.Branches || []).map((b, i) => ({ branch: b, label: `Branch ${i + 1}` }))
          : state.Type === "Map"
            ? [{ branch: state.ItemProcessor || state.Iterator || {}, label: "Item processor" }]
            : [];
      if (nested.length > 0) {
        const group = `${id(name)}::group`;
        g.setNode(group, { kind: "group", name, type: state.Type, label: name });
        if (parent) g.setParent(group, parent);
        g.setNode(id(name), node);
        g.setParent(id(name), group);
        from = `${id(name)}::join`;
        g.setNode(from, { kind: "join", name, width: 14, height: 14 });
        g.setParent(from, group);
        nested.forEach(({ branch, label }, i) => {
          const inner = `${id(name)}::branch${i}`;
          g.setNode(inner, { kind: "branch", label });
          g.setParent(inner, group);
          const innerPrefix = `${id(name)}/${i}/`;
          scope(branch.States, branch.StartAt, inner, innerPrefix, from);
          if (branch.StartAt) edge(id(name), `${innerPrefix}${branch.StartAt}`);
        });
      } else {
        g.setNode(id(name), node);
        if (parent) g.setParent(id(name), parent);
      }
      if (typeof state.Next === "string") edge(from, id(state.Next));
      if (state.End === true || state.Type === "Succeed" || state.Type === "Fail") {
        edge(from, exit, undefined, state.Type === "Fail" ? "fail" : undefined);
      }
      if (state.Type === "Choice") {
        for (const rule of state.Choices || []) {
          if (typeof rule.Next === "string") edge(from, id(rule.Next), ruleText(rule), "choice");
        }
        if (typeof state.Default === "string") edge(from, id(state.Default), "Default", "choice");
      }
      for (const catcher of state.Catch || []) {
        if (typeof catcher.Next === "string") {
          const errors = (catcher.ErrorEquals || []).join(", ");
          edge(from, id(catcher.Next), `Catch: ${errors}`, "catch");
        }
      }
    }
    return startAt === undefined ? undefined : id(startAt);
  };

  const first = scope(definition.States, definition.StartAt, undefined, "", END);
  if (first) edge(START, first);
  // An edge to a state that does not exist (an invalid definition) would add a bare node.
  for (const v of g.nodes()) {
    if (!g.node(v)) g.setNode(v, { kind: "missing", label: v, width: 80, height: 30 });
  }
  dagre.layout(g);
  return g;
}

function el(name, attributes = {}, parent) {
  const node = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attributes)) node.setAttribute(k, String(v));
  if (parent) parent.appendChild(node);
  return node;
}

function depth(g, v) {
  let d = 0;
  for (let p = g.parent(v); p; p = g.parent(p)) d += 1;
  return d;
}

/**
 * Draws `definition` into `container`. Returns `{ paint(progress), select(name) }`; `onSelect`
 * hears the name of a clicked state.
 */
export function draw(container, definition, onSelect) {
  const g = build(definition);
  const { width, height } = g.graph();
  container.replaceChildren();
  const svg = el("svg", {
    class: "graph",
    viewBox: `0 0 ${Math.ceil(width)} ${Math.ceil(height)}`,
    width: Math.ceil(width),
    height: Math.ceil(height),
    role: "img",
    "aria-label": "the state machine's graph",
  });
  const defs = el("defs", {}, svg);
  const marker = el(
    "marker",
    { id: "arrow", viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto" },
    defs,
  );
  el("path", { d: "M0,0 L10,5 L0,10 z", class: "arrowhead" }, marker);

  const groups = g
    .nodes()
    .filter((v) => ["group", "branch"].includes(g.node(v).kind))
    .sort((a, b) => depth(g, a) - depth(g, b));
  for (const v of groups) {
    const n = g.node(v);
    const attrs = { class: n.kind === "group" ? "group" : "branch" };
    if (n.kind === "group") {
      attrs["data-group"] = n.name;
      attrs["data-type"] = n.type;
    }
    const box = el("g", attrs, svg);
    el("rect", { x: n.x - n.width / 2, y: n.y - n.height / 2, width: n.width, height: n.height, rx: 8 }, box);
    // At the bottom left: the top is where the edges come in.
    const label = el("text", { x: n.x - n.width / 2 + 6, y: n.y + n.height / 2 - 5, class: "group-label" }, box);
    label.textContent = n.kind === "group" ? `${n.type}: ${n.label}` : n.label;
  }

  for (const e of g.edges()) {
    const value = g.edge(e);
    const d = value.points.map((p, i) => `${i ? "L" : "M"}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(" ");
    const path = el("path", { d, class: `edge ${value.kind || ""}`.trim(), "marker-end": "url(#arrow)" }, svg);
    path.dataset.from = e.v;
    path.dataset.to = e.w;
    if (value.label) {
      const tag = el("g", { class: `edge-label ${value.kind || ""}`.trim() }, svg);
      el("rect", { x: value.x - value.width / 2, y: value.y - 8, width: value.width, height: 16, rx: 3 }, tag);
      const text = el("text", { x: value.x, y: value.y + 4, "text-anchor": "middle" }, tag);
      text.textContent = value.label;
      const title = el("title", {}, tag);
      title.textContent = value.label;
    }
  }

  const byName = new Map();
  for (const v of g.nodes()) {
    const n = g.node(v);
    if (["group", "branch"].includes(n.kind)) continue;
    const x = n.x - n.width / 2;
    const y = n.y - n.height / 2;
    if (n.kind === "join") {
      el("circle", { cx: n.x, cy: n.y, r: 6, class: "join" }, svg);
      continue;
    }
    if (n.kind === "terminal" || n.kind === "missing") {
      const t = el("g", { class: n.kind }, svg);
      el("rect", { x, y, width: n.width, height: n.height, rx: n.height / 2 }, t);
      const text = el("text", { x: n.x, y: n.y + 4, "text-anchor": "middle" }, t);
      text.textContent = n.label;
      continue;
    }
    const node = el("g", { class: "node", "data-state": n.name, "data-type": n.type, "data-id": v, tabindex: 0 }, svg);
    el("rect", { x, y, width: n.width, height: n.height, rx: 6 }, node);
    const name = el("text", { x: n.x, y: n.y - 2, "text-anchor": "middle", class: "name" }, node);
    name.textContent = n.label;
    const sub = el("text", { x: n.x, y: n.y + 13, "text-anchor": "middle", class: "sub" }, node);
    sub.textContent = n.sub;
    const pick = () => onSelect && onSelect(n.name);
    node.addEventListener("click", pick);
    node.addEventListener("keydown", (event) => event.key === "Enter" && pick());
    if (!byName.has(n.name)) byName.set(n.name, []);
    byName.get(n.name).push(node);
  }
  container.appendChild(svg);

  return {
    /** Colours every state by what `progress` (a Progress) says of it. */
    paint(progress) {
      for (const [name, nodes] of byName) {
        const status = progress.status(name);
        const retries = progress.states.get(name)?.retries || 0;
        for (const node of nodes) {
          node.dataset.status = status;
          node.dataset.retries = retries;
        }
      }
      for (const group of svg.querySelectorAll("g.group")) {
        group.dataset.status = progress.status(group.dataset.group);
      }
    },
    /** Marks the state the details panel shows. */
    select(name) {
      for (const node of svg.querySelectorAll("g.node")) {
        node.classList.toggle("selected", node.dataset.state === name);
      }
    },
  };
}
