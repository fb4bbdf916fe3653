//! A task built for `stepwise:task@0.2.0`, a world version the host does not implement.
#![allow(unsafe_code)]

wit_bindgen::generate!({
    inline: "
        package stepwise:task@0.2.0;
        interface handler {
            handle: func(input: string, context: string) -> result<string, string>;
        }
        world task {
            export handler;
        }
    ",
});

struct Task;

impl exports::stepwise::task::handler::Guest for Task {
    fn handle(input: String, _context: String) -> Result<String, String> {
        Ok(input)
    }
}

export!(Task);

fn main() {}
