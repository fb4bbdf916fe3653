//! Tests of `functions`.

use super::*;

#[test]
fn every_signature_parses() {
    for (name, sig, _, _) in TABLE {
        assert!(Signature::parse(sig).is_ok(), "{name}: {sig}");
        assert!(lookup(name).is_some(), "{name}");
    }
}
