use serde_json::json;

use super::*;

#[test]
fn inspection_shows_documents_as_json_text_and_only_what_was_seen() {
    let probe = Probe::default();
    probe.see(|i| {
        i.input = Some(json!({"a": 1}));
        i.max_concurrency = Some(0);
        i.catch_index = Some(1);
    });
    assert_eq!(
        probe.inspection().to_json(),
        json!({"input": "{\"a\":1}", "maxConcurrency": 0, "errorDetails": {"catchIndex": 1}})
    );
    assert_eq!(Inspection::default().to_json(), json!({}));
}

#[test]
fn the_first_verdict_stands() {
    let probe = Probe::default();
    let failure = Failure::new("E", "c");
    probe.decide(Verdict::Caught {
        next: Some("Handle".into()),
        failure: failure.clone(),
    });
    probe.decide(Verdict::Succeeded {
        next: Some("Handle".into()),
    });
    assert_eq!(
        probe.verdict(),
        Some(Verdict::Caught {
            next: Some("Handle".into()),
            failure
        })
    );
}
