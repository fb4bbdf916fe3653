//! Echo written against the raw bindings, without the guest SDK or serde: the benchmark's
//! baseline for what the sandbox itself costs, apart from JSON work in the guest.
#![allow(unsafe_code)]

wit_bindgen::generate!({
    path: "../../wit",
    world: "task",
});

struct Task;

impl exports::stepwise::task::handler::Guest for Task {
    fn handle(input: String, _context: String) -> Result<String, stepwise::task::types::TaskError> {
        Ok(input)
    }
}

export!(Task);

fn main() {}
