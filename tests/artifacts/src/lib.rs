//! Paths of the guest components the tests run, built from source by this crate's build
//! script: the test guests (`tests/guests`, `tests/foreign-guests`) and the examples.

include!(concat!(env!("OUT_DIR"), "/artifacts.rs"));
