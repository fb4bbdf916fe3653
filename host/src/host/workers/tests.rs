//! Tests of `workers`.

use super::*;

#[test]
fn tags_name_the_function_and_its_concurrency() {
    let tags = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    assert_eq!(pool_of(&tags(&[])), Ok(None));
    assert_eq!(
        pool_of(&tags(&[(FUNCTION_TAG, "f")])),
        Ok(Some(("f".into(), 1)))
    );
    assert_eq!(
        pool_of(&tags(&[(FUNCTION_TAG, "f"), (CONCURRENCY_TAG, "8")])),
        Ok(Some(("f".into(), 8)))
    );
    for bad in ["0", "65", "x"] {
        assert!(pool_of(&tags(&[(FUNCTION_TAG, "f"), (CONCURRENCY_TAG, bad)])).is_err());
    }
}
