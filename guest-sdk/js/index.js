// Write a Stepwise task in JavaScript: one function and one line.
//
//   import { task, TaskError } from 'stepwise-task';
//
//   export const handler = task(async (event, ctx) => {
//     if (!event.name) throw new TaskError('NoName', 'there is nobody to greet');
//     return { greeting: `Hello, ${event.name}!` };
//   });
//
// `stepwise build` (or componentize-js against wit/task.wit, world `task`) makes the module a
// WebAssembly component that a Stepwise host runs for a Task state, Lambda-style: `event` is
// the state's effective input, the returned value (or the value an async handler resolves
// to) its result, as JSON.
//
// - `throw new TaskError('Name', 'cause')` fails the state with error `Name`, which Retry and
//   Catch match.
// - Any other error fails it as AWS Lambda's Node.js runtime reports one: the error is the
//   error's name (`TypeError`, ...), the cause `{"errorType", "errorMessage", "trace"}` as
//   JSON.
// - `console.log` and friends reach the host's log.
//
// The contract underneath is wit/task.wit of the Stepwise repository.

import {
  call as hostCall,
  heartbeat as hostHeartbeat,
  log as hostLog,
  remainingMillis,
} from 'stepwise:task/host@0.1.0';

/** A failure on purpose: the Task state fails with `error` and `cause`. */
export class TaskError extends Error {
  constructor(error, cause = '') {
    super(cause ? `${error}: ${cause}` : error);
    this.name = 'TaskError';
    this.error = String(error);
    this.cause = String(cause);
  }
}

const LEVELS = new Set(['trace', 'debug', 'info', 'warn', 'error']);

/** What the invocation knows about where it runs, and the host's services. */
export class Context {
  constructor(raw) {
    const execution = raw.Execution ?? {};
    const state = raw.State ?? {};
    const machine = raw.StateMachine ?? {};
    /** The context object (`$$`) as the host gave it. */
    this.raw = raw;
    this.executionId = execution.Id ?? '';
    this.executionName = execution.Name ?? '';
    this.executionStartTime = execution.StartTime ?? '';
    this.stateMachineId = machine.Id ?? '';
    this.stateMachineName = machine.Name ?? '';
    this.stateName = state.Name ?? '';
    this.enteredTime = state.EnteredTime ?? '';
    /** How many times the state has been retried (0 on the first attempt). */
    this.retryCount = Number(state.RetryCount ?? 0);
    /** The task token when the state waits for one (`.waitForTaskToken`), else undefined. */
    this.taskToken = raw.Task?.Token;
    /** Inside a Map: `{Index, Value}`, else undefined. */
    this.mapItem = raw.Map?.Item;
  }

  /** Milliseconds left before the host stops this invocation. */
  remainingMillis() {
    return Number(remainingMillis());
  }

  /** Lambda's name for the same thing, so that ported code runs unchanged. */
  getRemainingTimeInMillis() {
    return this.remainingMillis();
  }

  /** Tells the host the task is alive (resets the state's HeartbeatSeconds). */
  heartbeat() {
    hostHeartbeat();
  }

  /** Writes a line to the host's log at `level` (trace, debug, info, warn, error). */
  log(message, level = 'info') {
    hostLog(LEVELS.has(level) ? level : 'info', String(message));
  }

  /**
   * Calls a service integration in the request-response pattern, as a Task state with that
   * `resource` and `parameters` would, and returns its result. A failure throws a TaskError
   * with the integration's error name.
   */
  call(resource, parameters = {}) {
    let text;
    try {
      text = hostCall(resource, JSON.stringify(parameters));
    } catch (e) {
      const failure = e?.payload ?? e;
      throw new TaskError(failure?.error ?? 'States.Runtime', failure?.cause ?? String(e));
    }
    return JSON.parse(text);
  }
}

// console.* goes to stdout and stderr, which the host logs after the invocation; these go to
// the host's log at once, at their level.
const consoleLevels = { log: 'info', info: 'info', debug: 'debug', warn: 'warn', error: 'error', trace: 'trace' };
for (const [method, level] of Object.entries(consoleLevels)) {
  globalThis.console[method] = (...args) => {
    const text = args
      .map((a) => (typeof a === 'string' ? a : safeStringify(a)))
      .join(' ');
    hostLog(level, text);
  };
}

function safeStringify(value) {
  if (value instanceof Error) return value.stack ? `${value}\n${value.stack}` : String(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** The error the host sees: a TaskError as it is, anything else in Lambda's Node.js shape. */
function failure(e) {
  if (e instanceof TaskError) return { error: e.error, cause: e.cause };
  const errorType = e instanceof Error ? e.name || 'Error' : 'Error';
  const errorMessage = e instanceof Error ? e.message : String(e);
  const trace = e instanceof Error && e.stack
    ? [`${errorType}: ${errorMessage}`, ...e.stack.split('\n').filter((l) => l.trim() !== '').map((l) => `    at ${l}`)]
    : [];
  return { error: errorType, cause: JSON.stringify({ errorType, errorMessage, trace }) };
}

/** componentize-js turns a thrown value with a `payload` into the result's error. */
function fail(e) {
  const err = new Error('task failed');
  err.payload = failure(e);
  return err;
}

function encode(result) {
  let text;
  try {
    text = JSON.stringify(result === undefined ? null : result);
  } catch (e) {
    throw fail(new TaskError('Runtime.MarshalError', JSON.stringify({
      errorType: 'Runtime.MarshalError',
      errorMessage: `Unable to stringify response body: ${e.message}`,
      trace: [],
    })));
  }
  return text;
}

/**
 * Makes `fn(event, ctx)` a task: `export const handler = task(fn)` exports it as the
 * component's `handler`. `fn` may be async.
 */
export function task(fn) {
  return {
    async handle(input, context) {
      let result;
      try {
        result = await fn(JSON.parse(input), new Context(JSON.parse(context)));
      } catch (e) {
        throw fail(e);
      }
      return encode(result);
    },
  };
}
