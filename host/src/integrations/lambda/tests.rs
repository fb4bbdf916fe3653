//! Tests of `lambda`.

use super::*;

#[test]
fn function_names_in_every_form_lambda_accepts() {
    let f = |s| FunctionRef::parse(s).map(|f| (f.name, f.qualifier));
    assert_eq!(f("greeter"), Some(("greeter", None)));
    assert_eq!(f("greeter:$LATEST"), Some(("greeter", Some("$LATEST"))));
    assert_eq!(f("123456789012:function:greeter"), Some(("greeter", None)));
    assert_eq!(
        f("arn:aws:lambda:us-east-1:123456789012:function:greeter:prod"),
        Some(("greeter", Some("prod")))
    );
    for bad in ["", "a b", "greeter:", "arn:aws:s3:::x", "a:b:c:d:e"] {
        assert_eq!(f(bad), None, "{bad}");
    }
}

#[test]
fn the_response_has_lambdas_shape() {
    let r = response(200, json!({"ok": true}));
    assert_eq!(r["StatusCode"], 200);
    assert_eq!(r["ExecutedVersion"], "$LATEST");
    assert_eq!(r["Payload"], json!({"ok": true}));
    assert_eq!(r["SdkHttpMetadata"]["HttpStatusCode"], 200);
    assert_eq!(r["SdkHttpMetadata"]["HttpHeaders"]["Content-Length"], "11");
    assert_eq!(
        r["SdkResponseMetadata"]["RequestId"],
        r["SdkHttpMetadata"]["HttpHeaders"]["x-amzn-RequestId"]
    );
}
