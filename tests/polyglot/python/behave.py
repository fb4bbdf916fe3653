"""Does what its input says, for the end-to-end tests of Python tasks: fail on purpose, raise,
heartbeat while it works, call an integration, compute for ever, allocate past its memory cap,
log. Without orders it echoes its input and what its context says."""

import logging
import time

from stepwise_task import TaskError, task

log = logging.getLogger("behave")


@task
def handler(event, ctx):
    if "fail" in event:
        raise TaskError(event["fail"]["error"], event["fail"]["cause"])
    if "raise" in event:
        raise ValueError(event["raise"])
    if "heartbeats" in event:
        for _ in range(event["heartbeats"]):
            time.sleep(event.get("interval_ms", 100) / 1000)
            ctx.heartbeat()
        return {"beats": event["heartbeats"]}
    if "call" in event:
        return {"called": ctx.call(event["call"]["resource"], event["call"]["parameters"])}
    if event.get("spin"):
        n = 0
        while True:
            n += 1
    if "allocate_mb" in event:
        chunks = [bytearray(1024 * 1024) for _ in range(event["allocate_mb"])]
        return {"allocated_mb": len(chunks)}
    if "log" in event:
        print("printed: " + event["log"])
        log.warning("logged: %s", event["log"])
        ctx.log("ctx: " + event["log"], "info")
        return {"logged": True}
    if "result" in event:
        return event["result"]
    return {
        "echo": event,
        "state": ctx.state_name,
        "execution": ctx.execution_name,
        "retry_count": ctx.retry_count,
        "remaining_ms_positive": ctx.remaining_millis() > 0,
    }
