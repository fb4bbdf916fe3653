//! A task of the right world that also imports a database interface the host does not provide.
#![allow(unsafe_code)]

wit_bindgen::generate!({
    inline: "
        package stepwise:task@0.1.0;
        interface types {
            record task-error { error: string, cause: string }
        }
        interface handler {
            use types.{task-error};
            handle: func(input: string, context: string) -> result<string, task-error>;
        }
        world task {
            import acme:db/query@1.0.0;
            export handler;
        }
        package acme:db@1.0.0 {
            interface query {
                run: func(sql: string) -> string;
            }
        }
    ",
    generate_all,
});

struct Task;

impl exports::stepwise::task::handler::Guest for Task {
    fn handle(input: String, _context: String) -> Result<String, stepwise::task::types::TaskError> {
        Ok(acme::db::query::run(&input))
    }
}

export!(Task);

fn main() {}
