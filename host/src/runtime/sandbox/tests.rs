//! Tests of `sandbox`.

use super::*;

#[test]
fn captured_output_keeps_the_start_and_counts_the_rest() {
    let out = CapturedOutput::default();
    out.push(b"first line\n");
    out.push(&vec![b'x'; CAPTURE_BYTES]);
    let text = out.text();
    assert!(text.starts_with("first line\nxxx"));
    assert!(text.ends_with("[11 more bytes not kept]"), "{text}");
}

#[test]
fn truncate_respects_char_boundaries() {
    assert_eq!(truncate("héllo", 2), "h");
    assert_eq!(truncate("héllo", 3), "hé");
    assert_eq!(truncate("abc", 10), "abc");
}
