use super::reads_execution_input;

#[test]
fn only_plainly_named_other_fields_skip_the_input() {
    for path in [
        "$$.Map.Item.Value",
        "$$.State.Name",
        "$$.Execution.Id",
        "$$.Task.Token",
    ] {
        assert!(!reads_execution_input(path), "{path}");
    }
    for path in [
        "$$",
        "$$.Execution",
        "$$.Execution.Input.x",
        "$$['Execution']",
        "$$.Execution['Input']",
        "$$..x",
        "$$.*",
    ] {
        assert!(reads_execution_input(path), "{path}");
    }
}
