// The web console in a real browser: Debian's chromium driven by playwright-core. Run by
// host/tests/all/console.rs, which starts the host, deploys what the pages show and passes:
//   CONSOLE_DEPS   where scripts/console-test-deps installed playwright-core
//   CHROMIUM       the browser binary
//   STEPWISE_URL   the host
//   SCREENSHOTS    where each page's screenshot goes
// and, for the `sign-in` scenario, ACCESS_KEY_ID and SECRET_ACCESS_KEY.
// `node console.test.mjs tour|sign-in`; exits non-zero at the first failed check.

import assert from "node:assert/strict";
import { mkdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

function env(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

const require = createRequire(join(env("CONSOLE_DEPS"), "package.json"));
const { chromium } = require("playwright-core");
const base = env("STEPWISE_URL");
const shots = env("SCREENSHOTS");
mkdirSync(shots, { recursive: true });
// A failed run's screenshot from before is not this run's.
rmSync(join(shots, `failed-${process.argv[2]}.png`), { force: true });

const browser = await chromium.launch({
  executablePath: env("CHROMIUM"),
  // CI runs as root, where Chromium's own sandbox cannot start.
  args: ["--no-sandbox"],
});
const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
page.setDefaultTimeout(20_000);
const problems = [];
page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
page.on("console", (m) => m.type() === "error" && problems.push(`console error: ${m.text()}`));

async function shot(name) {
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
}

const node = (state) => `#graph g.node[data-state="${state}"]`;
const status = async (state) => page.getAttribute(node(state), "data-status");

/** Waits until the state's node has that colour. */
async function turns(state, colour) {
  await page.waitForSelector(`${node(state)}[data-status="${colour}"]`);
}

async function executionStatus(expected) {
  await page.waitForFunction(
    (s) => document.querySelector("#execution-status")?.textContent.trim() === s,
    expected,
  );
}

/** From the machine page: starts an execution with `input`, lands on its page. */
async function start(name, input) {
  await page.goto(`${base}/#/machine/${encodeURIComponent(process.env.MACHINE_ARN)}`);
  await page.waitForSelector(node("Charge"));
  await page.fill("#execution-name", name);
  await page.fill("#execution-input", JSON.stringify(input));
  await page.click("#start");
  await page.waitForURL(/#\/execution\//);
  await page.waitForSelector("#history tbody tr");
  // Gone if anything reloads the page: the colours must come from the server's pushes.
  await page.evaluate(() => {
    window.stillTheSamePage = true;
  });
}

async function historyFromTheApi(executionArn) {
  return page.evaluate(async (arn) => {
    const response = await fetch("/", {
      method: "POST",
      headers: {
        "content-type": "application/x-amz-json-1.0",
        "x-amz-target": "AWSStepFunctions.GetExecutionHistory",
      },
      body: JSON.stringify({ executionArn: arn, maxResults: 1000 }),
    });
    return (await response.json()).events.map((e) => e.type);
  }, executionArn);
}

async function tour() {
  // The state machines.
  await page.goto(`${base}/`);
  await page.waitForSelector('#machines tr[data-machine="tour"]');
  await shot("machines");

  // A machine: its graph.
  await page.click('#machines tr[data-machine="tour"] a');
  await page.waitForSelector(node("Charge"));
  const states = await page.$$eval("#graph g.node", (nodes) => nodes.map((n) => n.dataset.state).sort());
  assert.deepEqual(states, ["Charge", "Declined", "Done", "Fulfil", "Items", "Notify", "Pack", "Price", "Route", "Settle"]);
  const groups = await page.$$eval("#graph g.group", (g) => g.map((n) => `${n.dataset.type}:${n.dataset.group}`).sort());
  assert.deepEqual(groups, ["Map:Items", "Parallel:Fulfil"]);
  assert.equal(await page.locator("#graph g.branch").count(), 3, "two Parallel branches and one Map processor");
  const labels = await page.$$eval("#graph g.edge-label text", (t) => t.map((n) => n.textContent));
  for (const label of ["Catch: PaymentDeclined", "Default", '$.card == "0000"', "($.amount > 100) and ($.vip == true)"]) {
    assert.ok(labels.includes(label), `the edge label ${label} is drawn (${labels.join(" | ")})`);
  }
  assert.equal(await page.locator("#graph path.edge.catch").count(), 1);
  // Pack and Notify sit inside the Parallel's group, Price inside the Map's.
  const inside = async (state, group) =>
    page.evaluate(
      ([s, g]) => {
        const a = document.querySelector(`#graph g.node[data-state="${s}"] rect`).getBBox();
        const b = document.querySelector(`#graph g.group[data-group="${g}"] > rect`).getBBox();
        return a.x >= b.x && a.y >= b.y && a.x + a.width <= b.x + b.width && a.y + a.height <= b.y + b.height;
      },
      [state, group],
    );
  assert.ok(await inside("Pack", "Fulfil"));
  assert.ok(await inside("Settle", "Fulfil"));
  assert.ok(await inside("Price", "Items"));
  await page.click(node("Charge"));
  assert.match(await page.textContent("#state-details"), /function:flaky/);
  await shot("machine");

  // An execution started from the page: the states turn green as it runs, pushed by the host.
  await start("from-the-page", { card: "1234", amount: 5, failures_before_success: 1, settle: 20, items: [1, 2, 3] });
  await turns("Settle", "entered");
  assert.equal(await status("Charge"), "succeeded");
  assert.equal(await status("Items"), "");
  await shot("execution-running");
  await turns("Done", "succeeded");
  for (const state of ["Route", "Charge", "Fulfil", "Pack", "Notify", "Settle", "Items", "Price", "Done"]) {
    assert.equal(await status(state), "succeeded", state);
  }
  assert.equal(await status("Declined"), "", "the Catch did not run");
  assert.equal(await page.getAttribute(node("Charge"), "data-retries"), "1", "one retry of Charge");
  assert.ok(await page.evaluate(() => window.stillTheSamePage), "no reload");
  await executionStatus("SUCCEEDED");
  // The history table is the API's history.
  const arn = page.url().split("#/execution/")[1];
  const types = await historyFromTheApi(decodeURIComponent(arn));
  const rows = await page.$$eval("#history tbody tr", (r) => r.map((n) => n.dataset.event));
  assert.deepEqual(rows, types);
  assert.ok(rows.includes("LambdaFunctionFailed"), "the failed attempt is in the history");
  assert.equal(rows.at(-1), "ExecutionSucceeded");
  // A state's input and output.
  await page.click(node("Charge"));
  assert.match(await page.textContent('[data-testid="state-input"]'), /"card": "1234"/);
  assert.match(await page.textContent('[data-testid="state-output"]'), /"attempts": 2/);
  assert.match(await page.textContent("#execution-output"), /"priced"/);
  await shot("execution-succeeded");

  // A declined card: Charge's Catch takes it to Declined.
  await start("declined", { card: "0000", amount: 5, settle: 0, items: [] });
  await turns("Done", "succeeded");
  assert.equal(await status("Charge"), "caught");
  assert.equal(await status("Declined"), "succeeded");
  await shot("execution-caught");

  // Stopped from the page while it waits.
  await start("stopped", { card: "1234", amount: 5, failures_before_success: 0, settle: 100000, items: [] });
  await turns("Settle", "entered");
  await page.click("#stop");
  await executionStatus("ABORTED");
  await page.waitForSelector('#history tr[data-event="ExecutionAborted"]');
  await turns("Settle", "aborted");
  assert.equal(await page.locator("#stop").count(), 0, "no Stop button for an ended execution");
  await shot("execution-stopped");

  // A failure, then Redrive from the page: it runs the failed state again (and fails again).
  await start("redriven", { card: "1234", amount: 5, failures_before_success: 0, settle: "soon", items: [] });
  await executionStatus("FAILED");
  await turns("Settle", "failed");
  assert.equal(await status("Pack"), "succeeded");
  await page.click("#redrive");
  await page.waitForSelector('#history tr[data-event="ExecutionRedriven"]');
  await page.waitForFunction(() => document.querySelector("#redrive-count")?.textContent === "1");
  // Ended again: the last row is the second failure, after the redrive.
  await page.waitForFunction(() => {
    const rows = [...document.querySelectorAll("#history tbody tr")].map((n) => n.dataset.event);
    return rows.at(-1) === "ExecutionFailed" && rows.indexOf("ExecutionRedriven") > rows.indexOf("ExecutionFailed");
  });
  await executionStatus("FAILED");
  await turns("Settle", "failed");
  const redriven = decodeURIComponent(page.url().split("#/execution/")[1]);
  assert.deepEqual(
    await page.$$eval("#history tbody tr", (r) => r.map((n) => n.dataset.event)),
    await historyFromTheApi(redriven),
    "the redrive's events follow the first run's, each once",
  );
  await shot("execution-redriven");

  // The machine's executions, filtered by status.
  await page.goto(`${base}/#/machine/${encodeURIComponent(process.env.MACHINE_ARN)}`);
  await page.waitForSelector('#executions tr[data-execution="from-the-page"]');
  assert.equal(await page.locator("#executions tbody tr").count(), 4);
  await page.selectOption("#status-filter", "FAILED");
  await page.waitForFunction(() => document.querySelectorAll("#executions tbody tr").length === 1);
  assert.equal(await page.getAttribute("#executions tbody tr", "data-execution"), "redriven");
  await page.selectOption("#status-filter", "ABORTED");
  await page.waitForSelector('#executions tr[data-execution="stopped"]');
  await shot("machine-executions");

  // The counts on the machines page.
  await page.goto(`${base}/`);
  await page.waitForSelector('#machines tr[data-machine="tour"]');
  const count = (s) => page.textContent(`#machines tr[data-machine="tour"] td[data-count="${s}"]`);
  assert.equal(await count("SUCCEEDED"), "2");
  assert.equal(await count("FAILED"), "1");
  assert.equal(await count("ABORTED"), "1");

  // An Express machine starts synchronously, and its result shows on the page.
  await page.goto(`${base}/#/machine/${encodeURIComponent(env("EXPRESS_ARN"))}`);
  await page.waitForSelector(node("Echo"));
  assert.deepEqual(
    await page.$$eval("#graph g.edge-label text", (t) => t.map((n) => n.textContent).sort()),
    ["$states.input.say = 'hi'", "Default"],
    "a JSONata Choice rule is labelled with its Condition",
  );
  await page.fill("#execution-input", '{"say": "hi"}');
  await page.click("#start");
  await page.waitForSelector('#start-result [data-testid="status"]');
  assert.equal(await page.textContent('#start-result [data-testid="status"]'), "SUCCEEDED");
  assert.match(await page.textContent("#start-result pre"), /"said": "hi"/);
  await shot("machine-express");

  // A Map whose iteration fails, caught by the Map's Catch: MapStateFailed is the Map's.
  await page.goto(`${base}/#/machine/${encodeURIComponent(env("CAUGHT_MAP_ARN"))}`);
  await page.waitForSelector(node("Pay"));
  await page.fill("#execution-input", JSON.stringify({ cards: [{ card: "0000", amount: 1 }] }));
  await page.click("#start");
  await page.waitForURL(/#\/execution\//);
  await executionStatus("SUCCEEDED");
  await turns("Handled", "succeeded");
  await turns("Pay", "failed");
  assert.equal(await status("Each"), "caught");
  await shot("execution-map-caught");

  // Functions and activities.
  await page.click('nav a[data-page="functions"]');
  await page.waitForSelector('#functions tr[data-function="flaky"]');
  assert.match(await page.textContent('#functions tr[data-function="flaky"] td:last-child'), /^\d{4}-\d\d-\d\dT/);
  await shot("functions");
  await page.click('nav a[data-page="activities"]');
  await page.waitForSelector('#activities tr[data-activity="review"]');
  await shot("activities");
}

async function signIn() {
  await page.goto(`${base}/`);
  await page.waitForSelector("#access-key-id");
  await shot("sign-in");
  await page.fill("#access-key-id", env("ACCESS_KEY_ID"));
  await page.fill("#secret-access-key", "not-the-secret");
  await page.click("#sign-in");
  await page.waitForSelector('[role="alert"]');
  assert.match(await page.textContent('[role="alert"]'), /UnrecognizedClientException/);
  await page.fill("#secret-access-key", env("SECRET_ACCESS_KEY"));
  await page.click("#sign-in");
  await page.waitForSelector('#machines tr[data-machine="signed"]');
  assert.ok(await page.isVisible("#sign-out"));
  await shot("signed-in");
  await page.click("#sign-out");
  await page.waitForSelector("#access-key-id");
  // Signed out, the API refuses the page too.
  const refused = await page.evaluate(async () => {
    const r = await fetch("/", {
      method: "POST",
      headers: { "content-type": "application/x-amz-json-1.0", "x-amz-target": "AWSStepFunctions.ListStateMachines" },
      body: "{}",
    });
    return (await r.json()).__type;
  });
  assert.equal(refused, "MissingAuthenticationTokenException");
  // The one console error expected: the refused sign-in's 400 and the refused request.
  problems.splice(0, problems.length, ...problems.filter((p) => !/status of 400/.test(p)));
}

const scenarios = { tour, "sign-in": signIn };
const scenario = scenarios[process.argv[2]];
if (!scenario) throw new Error(`no scenario ${process.argv[2]}: ${Object.keys(scenarios).join(", ")}`);
try {
  await scenario();
  assert.deepEqual(problems, [], "the page reported no error");
} catch (e) {
  await shot(`failed-${process.argv[2]}`).catch(() => {});
  throw e;
} finally {
  await browser.close();
}
console.log(`${process.argv[2]}: passed; screenshots in ${shots}`);
