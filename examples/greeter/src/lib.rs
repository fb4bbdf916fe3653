//! Greets someone by name: the smallest useful task.
use serde::{Deserialize, Serialize};
use stepwise_guest::{Context, TaskError};

#[derive(Deserialize)]
struct Person {
    name: String,
}

#[derive(Serialize)]
struct Greeting {
    greeting: String,
    greeted_by: String,
}

fn handler(person: Person, ctx: &Context) -> Result<Greeting, TaskError> {
    if person.name.trim().is_empty() {
        return Err(TaskError::new("NoName", "there is nobody to greet"));
    }
    Ok(Greeting {
        greeting: format!("Hello, {}!", person.name),
        greeted_by: ctx.state_name().to_owned(),
    })
}

stepwise_guest::export_task!(handler);
