// What an execution's history says about each of its states, folded event by event as the
// live feed delivers them: entered (running now), succeeded, failed, caught (failed, and a
// Catch took it on), retried (failed, and a Retry runs it again), aborted.
//
// Each event belongs to the state whose "...StateEntered" event its `previousEventId` chain
// leads back to, which is how the console attributes a TaskFailed to its Task even while
// Parallel branches or Map iterations interleave.

/** The name of the state an Entered or Exited event names. */
function named(event) {
  return (event.stateEnteredEventDetails || event.stateExitedEventDetails || {}).name;
}

/** Events that say a state's work failed (not the execution's, nor one Map iteration's). */
function isFailure(type) {
  return (
    !type.startsWith("Execution") &&
    !type.startsWith("MapIteration") &&
    (type.endsWith("Failed") || type.endsWith("TimedOut"))
  );
}

/** Events that (re)start a state's work: after a failure, they mean a Retry. */
function isSchedule(type) {
  return type.endsWith("Scheduled") || type === "MapStateStarted" || type === "ParallelStateStarted";
}

function details(event) {
  const key = Object.keys(event).find((k) => k.endsWith("EventDetails"));
  return key ? event[key] : undefined;
}

/** A Map's or a Parallel's own events, which the chain leads back to a state inside it. */
function groupOf(type) {
  if (type.startsWith("MapState") || type.startsWith("MapIteration")) return "Map";
  if (type.startsWith("ParallelState")) return "Parallel";
  return undefined;
}

export class Progress {
  /**
   * `enclosing(name, type)`: the nearest state of that type ("Map" or "Parallel") holding the
   * state `name`, itself included, from the definition; without it, the chain alone decides.
   */
  constructor(enclosing = () => undefined) {
    this.enclosing = enclosing;
    /** name -> what happened to that state */
    this.states = new Map();
    /** event id -> the name of the state it belongs to */
    this.owners = new Map();
    this.events = [];
    this.ended = null;
  }

  state(name) {
    let s = this.states.get(name);
    if (!s) {
      s = {
        entered: 0,
        exited: 0,
        failures: 0,
        retries: 0,
        pendingFailure: false,
        caught: false,
        failed: false,
        aborted: false,
        input: undefined,
        output: undefined,
        error: undefined,
      };
      this.states.set(name, s);
    }
    return s;
  }

  /** Folds `events` (in id order, each once) into the states. */
  add(events) {
    for (const event of events) {
      this.events.push(event);
      const type = event.type;
      let own = named(event) ?? this.owners.get(event.previousEventId);
      // A MapStateFailed follows the failure inside the Map: it is the Map's, not that state's.
      const group = groupOf(type);
      if (group && own !== undefined) own = this.enclosing(own, group) ?? own;
      if (own !== undefined) this.owners.set(event.id, own);
      if (type.endsWith("StateEntered")) {
        const s = this.state(own);
        s.entered += 1;
        s.pendingFailure = false;
        s.failed = type === "FailStateEntered";
        s.aborted = false;
        s.input = event.stateEnteredEventDetails.input;
        if (s.failed) s.error = details(event);
      } else if (type.endsWith("StateExited")) {
        const s = this.state(own);
        s.exited += 1;
        if (s.pendingFailure) s.caught = true;
        s.pendingFailure = false;
        s.output = event.stateExitedEventDetails.output;
      } else if (own !== undefined && isFailure(type)) {
        const s = this.state(own);
        s.failures += 1;
        s.pendingFailure = true;
        s.error = details(event);
      } else if (own !== undefined && isSchedule(type)) {
        const s = this.state(own);
        if (s.pendingFailure) s.retries += 1;
        s.pendingFailure = false;
      } else if (type === "ExecutionRedriven") {
        this.ended = null;
      } else if (type.startsWith("Execution") && type !== "ExecutionStarted") {
        // The execution ended: what still runs was cut short (a failed execution's running
        // states failed with it; a branch beside a failed one, or an aborted run, stopped).
        this.ended = type;
        const failedWithIt = type === "ExecutionFailed" || type === "ExecutionTimedOut";
        for (const s of this.states.values()) {
          const active = s.entered > s.exited;
          if (s.pendingFailure || (active && failedWithIt)) s.failed = true;
          else if (active) s.aborted = true;
        }
      }
    }
  }

  /** What colour a state's node gets: "" when the execution has not reached it. */
  status(name) {
    const s = this.states.get(name);
    if (!s) return "";
    if (s.failed) return "failed";
    if (s.aborted) return "aborted";
    if (s.entered > s.exited) return s.retries > 0 ? "retried" : "entered";
    if (s.caught) return "caught";
    if (s.exited > 0) return "succeeded";
    return "";
  }
}
