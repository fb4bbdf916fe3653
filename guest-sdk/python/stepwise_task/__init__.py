"""Write a Stepwise task in Python: one function and one line.

    from stepwise_task import task, TaskError

    @task
    def handler(event, ctx):
        if not event.get("name"):
            raise TaskError("NoName", "there is nobody to greet")
        return {"greeting": f"Hello, {event['name']}!"}

``stepwise build`` (or componentize-py against ``wit/task.wit``, world ``task``) makes the
module a WebAssembly component that a Stepwise host runs for a Task state, Lambda-style:
``event`` is the state's effective input, the return value (anything ``json.dumps`` takes) is
its result.

- ``raise TaskError("Name", "cause")`` fails the state with error ``Name``, which ``Retry``
  and ``Catch`` match.
- Any other exception fails it as AWS Lambda's Python runtime reports one: the error is the
  exception's class name, the cause ``{"errorMessage", "errorType", "stackTrace"}`` as JSON.
- ``print`` (stdout and stderr) and the ``logging`` module reach the host's log.

The contract underneath is ``wit/task.wit`` of the Stepwise repository.
"""

import json
import logging
import sys
import traceback

from componentize_py_types import Err
from wit_world import exports
from wit_world.imports import host, types

__all__ = ["task", "TaskError", "Context"]


class TaskError(Exception):
    """A failure on purpose: the Task state fails with ``error`` and ``cause``."""

    def __init__(self, error: str, cause: str = ""):
        super().__init__(error, cause)
        self.error = error
        self.cause = cause

    def __str__(self) -> str:
        return f"{self.error}: {self.cause}" if self.cause else self.error


class Context:
    """What the invocation knows about where it runs: the context object (``$$``) of the
    Task state, and the host's services."""

    def __init__(self, raw: dict):
        self.raw = raw
        execution = raw.get("Execution") or {}
        state = raw.get("State") or {}
        machine = raw.get("StateMachine") or {}
        #: The execution's ARN.
        self.execution_id = execution.get("Id", "")
        #: The execution's name.
        self.execution_name = execution.get("Name", "")
        #: When the execution started (ISO 8601).
        self.execution_start_time = execution.get("StartTime", "")
        #: The state machine's ARN.
        self.state_machine_id = machine.get("Id", "")
        #: The state machine's name.
        self.state_machine_name = machine.get("Name", "")
        #: The Task state's name.
        self.state_name = state.get("Name", "")
        #: When the state was entered (ISO 8601).
        self.entered_time = state.get("EnteredTime", "")
        #: How many times the state has been retried (0 on the first attempt).
        self.retry_count = int(state.get("RetryCount", 0) or 0)
        #: The task token, when the state waits for one (``.waitForTaskToken``), else None.
        self.task_token = (raw.get("Task") or {}).get("Token")
        #: Inside a Map: ``{"Index": n, "Value": item}``, else None.
        self.map_item = (raw.get("Map") or {}).get("Item")

    def remaining_millis(self) -> int:
        """Milliseconds left before the host stops this invocation."""
        return host.remaining_millis()

    # Lambda's name for the same thing, so that ported code runs unchanged.
    get_remaining_time_in_millis = remaining_millis

    def heartbeat(self) -> None:
        """Tells the host the task is alive (resets the state's ``HeartbeatSeconds``)."""
        host.heartbeat()

    def log(self, message: str, level: str = "info") -> None:
        """Writes a line to the host's log at ``level`` (trace, debug, info, warn, error)."""
        host.log(_LEVELS.get(level.lower(), host.Level.INFO), str(message))

    def call(self, resource: str, parameters=None):
        """Calls a service integration in the request-response pattern, as a Task state with
        that ``resource`` and ``parameters`` would, and returns its result. A failure raises
        ``TaskError`` with the integration's error name."""
        try:
            text = host.call(resource, json.dumps({} if parameters is None else parameters))
        except Err as e:
            raise TaskError(e.value.error, e.value.cause) from None
        return json.loads(text)


_LEVELS = {
    "trace": host.Level.TRACE,
    "debug": host.Level.DEBUG,
    "info": host.Level.INFO,
    "warn": host.Level.WARN,
    "warning": host.Level.WARN,
    "error": host.Level.ERROR,
    "critical": host.Level.ERROR,
}


class _HostLog(logging.Handler):
    """Sends ``logging`` records to the host's log at their level."""

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno >= logging.ERROR:
            level = host.Level.ERROR
        elif record.levelno >= logging.WARNING:
            level = host.Level.WARN
        elif record.levelno >= logging.INFO:
            level = host.Level.INFO
        else:
            level = host.Level.DEBUG
        try:
            host.log(level, self.format(record))
        except Exception:
            self.handleError(record)


def _install_logging() -> None:
    root = logging.getLogger()
    if not any(isinstance(h, _HostLog) for h in root.handlers):
        handler = _HostLog()
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)
        # As Lambda's Python runtime: INFO and above are logged unless the code says otherwise.
        root.setLevel(logging.INFO)


def _failure(error: str, cause: str) -> Err:
    return Err(types.TaskError(error=error, cause=cause))


def _lambda_error(e: BaseException) -> Err:
    """AWS Lambda's Python shape of an uncaught exception."""
    name = type(e).__name__
    stack = traceback.format_list(traceback.extract_tb(e.__traceback__))
    return _failure(
        name,
        json.dumps({"errorMessage": str(e), "errorType": name, "stackTrace": stack}),
    )


def _invoke(fn, input: str, context: str) -> str:
    try:
        event = json.loads(input)
        ctx = Context(json.loads(context))
        result = fn(event, ctx)
    except TaskError as e:
        raise _failure(e.error, e.cause) from None
    except Exception as e:
        raise _lambda_error(e) from None
    try:
        return json.dumps(result)
    except (TypeError, ValueError) as e:
        # Lambda's words for a result that is not JSON.
        raise _failure(
            "Runtime.MarshalError",
            json.dumps(
                {
                    "errorMessage": f"Unable to marshal response: {e}",
                    "errorType": "Runtime.MarshalError",
                    "stackTrace": [],
                }
            ),
        ) from None
    finally:
        sys.stdout.flush()
        sys.stderr.flush()


def task(fn):
    """Makes ``fn(event, ctx)`` the task of the module it is defined in (componentize-py looks
    for the module's ``Handler`` class, which this defines)."""

    class Handler(exports.Handler):
        def handle(self, input: str, context: str) -> str:
            return _invoke(fn, input, context)

    Handler.__doc__ = f"The task: {fn.__module__}.{fn.__qualname__}."
    sys.modules[fn.__module__].Handler = Handler
    return fn


_install_logging()
