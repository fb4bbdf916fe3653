//! Tests of `sns`.

use super::*;

#[test]
fn escape_covers_xml_specials() {
    assert_eq!(
        escape(r#"<a href="x">&'</a>"#),
        "&lt;a href=&quot;x&quot;&gt;&amp;&apos;&lt;/a&gt;"
    );
}

#[test]
fn map_parameters_are_read_from_their_entries() {
    let form = Form(
        form_urlencoded::parse(
            b"Attributes.entry.1.key=RawMessageDelivery&Attributes.entry.1.value=true&MessageAttributes.entry.1.Name=k&MessageAttributes.entry.1.Value.DataType=String&MessageAttributes.entry.1.Value.StringValue=v",
        )
        .into_owned()
        .collect(),
    );
    assert_eq!(form.attributes()["RawMessageDelivery"], "true");
    let attrs = form.message_attributes().unwrap();
    assert_eq!(attrs["k"].string_value.as_deref(), Some("v"));
}
