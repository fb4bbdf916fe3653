use super::*;

fn write(path: &std::path::Path, text: &str) {
    std::fs::write(path, text).unwrap();
}

const FILE: &str = r#"{
  "StateMachines": {"M": {"TestCases": {"T": {"S": "R"}}}},
  "MockedResponses": {"R": {"0": {"Return": {"n": 0}}}}
}"#;

#[test]
fn a_changed_file_is_read_again_and_a_broken_one_leaves_the_previous() {
    let dir = std::env::temp_dir().join(format!("stepwise-mocks-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("mock.json");
    write(&path, FILE);
    let mocks = Mocks::load(path.clone()).unwrap();
    assert!(mocks.test_case("M", "T").is_ok());
    assert!(matches!(
        mocks.test_case("M", "U"),
        Err(MockLookupError::NoTestCase { .. })
    ));
    // A new test case; the modification time must move for the change to be seen.
    std::thread::sleep(std::time::Duration::from_millis(20));
    write(&path, &FILE.replace("\"T\"", "\"U\""));
    let set = |t: SystemTime| {
        std::fs::File::options()
            .write(true)
            .open(&path)
            .unwrap()
            .set_modified(t)
            .unwrap()
    };
    set(SystemTime::now() + std::time::Duration::from_secs(5));
    assert!(mocks.test_case("M", "U").is_ok());
    // Broken: refused, and the last good one stays.
    write(&path, "{ not json");
    set(SystemTime::now() + std::time::Duration::from_secs(10));
    assert!(mocks.test_case("M", "U").is_ok());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_broken_file_at_start_says_where() {
    let dir = std::env::temp_dir().join(format!("stepwise-mocks-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("mock.json");
    write(
        &path,
        r#"{"StateMachines": {"M": {"TestCases": {"T": {"S": "missing"}}}}}"#,
    );
    let err = Mocks::load(path).unwrap_err().to_string();
    assert!(err.contains("$.StateMachines.M.TestCases.T.S"), "{err}");
    assert!(matches!(
        Mocks::none().test_case("M", "T"),
        Err(MockLookupError::NoFile)
    ));
    std::fs::remove_dir_all(&dir).unwrap();
}
