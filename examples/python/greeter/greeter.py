"""Greets someone by name: the smallest useful task, in Python."""

from stepwise_task import TaskError, task


@task
def handler(event, ctx):
    name = (event.get("name") or "").strip()
    if not name:
        raise TaskError("NoName", "there is nobody to greet")
    return {"greeting": f"Hello, {name}!", "greeted_by": ctx.state_name}
