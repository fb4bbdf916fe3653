//! Tests of `aws`.

use super::*;

#[test]
fn seeded_random_is_java_util_random() {
    assert_eq!(java_random_double(42), 0.7275636800328681);
    assert_eq!(java_random_double(0), 0.730967787376657);
    assert_eq!(java_random_double(7), 0.7306990420600421);
}
