// Greets someone by name: the smallest useful task, in JavaScript.
import { TaskError, task } from 'stepwise-task';

export const handler = task(async (event, ctx) => {
  const name = (event.name ?? '').trim();
  if (!name) throw new TaskError('NoName', 'there is nobody to greet');
  return { greeting: `Hello, ${name}!`, greeted_by: ctx.stateName };
});
