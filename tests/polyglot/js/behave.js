// Does what its input says, for the end-to-end tests of JavaScript tasks: fail on purpose,
// throw, heartbeat while it works, call an integration, compute for ever, allocate past its
// memory cap, log. Without orders it echoes its input and what its context says.

import { TaskError, task } from 'stepwise-task';

function sleep(ms) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    // Busy: StarlingMonkey has no blocking sleep without an event loop, and a heartbeat is
    // about work that keeps the task busy anyway.
  }
}

export const handler = task(async (event, ctx) => {
  if (event.fail) throw new TaskError(event.fail.error, event.fail.cause);
  if (event.raise) throw new RangeError(event.raise);
  if (event.heartbeats) {
    for (let i = 0; i < event.heartbeats; i++) {
      sleep(event.interval_ms ?? 100);
      ctx.heartbeat();
    }
    return { beats: event.heartbeats };
  }
  if (event.call) return { called: ctx.call(event.call.resource, event.call.parameters) };
  if (event.spin) {
    let n = 0;
    for (;;) n++;
  }
  if (event.allocate_mb) {
    const chunks = [];
    for (let i = 0; i < event.allocate_mb; i++) chunks.push(new Uint8Array(1024 * 1024).fill(1));
    return { allocated_mb: chunks.length };
  }
  if (event.log) {
    console.log(`printed: ${event.log}`);
    console.warn(`logged: ${event.log}`);
    ctx.log(`ctx: ${event.log}`, 'info');
    return { logged: true };
  }
  if ('result' in event) return event.result;
  await null;
  return {
    echo: event,
    state: ctx.stateName,
    execution: ctx.executionName,
    retry_count: ctx.retryCount,
    remaining_ms_positive: ctx.remainingMillis() > 0,
  };
});
