//! Paths rendered in Jayway's normalized bracket form (`$['a'][0]`), as AWS quotes them in
//! error causes. Must not: parse or evaluate.

use std::fmt::Write as _;

use super::{Segment, Selector};

pub(super) fn normalized(segments: &[Segment]) -> String {
    let mut out = String::from("$");
    render_segments(&mut out, segments);
    out
}

pub(super) fn render_segments(out: &mut String, segments: &[Segment]) {
    for segment in segments {
        let selector = match segment {
            Segment::Child(selector) => selector,
            Segment::Descendant(selector) => {
                out.push_str("..");
                selector
            }
        };
        render_selector(out, selector);
    }
}

pub(super) fn render_selector(out: &mut String, selector: &Selector) {
    // Writing to a String cannot fail.
    let _ = match selector {
        Selector::Name(name) => write!(out, "['{name}']"),
        Selector::Names(names) => {
            let quoted: Vec<String> = names.iter().map(|name| format!("'{name}'")).collect();
            write!(out, "[{}]", quoted.join(","))
        }
        Selector::Index(index) => write!(out, "[{index}]"),
        Selector::Indices(indices) => {
            let listed: Vec<String> = indices.iter().map(i64::to_string).collect();
            write!(out, "[{}]", listed.join(","))
        }
        Selector::Wildcard => write!(out, "[*]"),
        Selector::Slice { start, end, step } => {
            let bound = |b: &Option<i64>| b.map(|b| b.to_string()).unwrap_or_default();
            if *step == 1 {
                write!(out, "[{}:{}]", bound(start), bound(end))
            } else {
                write!(out, "[{}:{}:{}]", bound(start), bound(end), step)
            }
        }
        Selector::Filter(_) => write!(out, "[?]"),
    };
}
