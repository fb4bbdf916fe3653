use super::parse_timestamp;

#[test]
fn timestamps_need_t_and_an_offset() {
    assert_eq!(parse_timestamp("1970-01-01T00:00:01Z"), Some(1000));
    assert_eq!(parse_timestamp("1970-01-01T01:00:01+01:00"), Some(1000));
    assert_eq!(parse_timestamp("2016-12-05 21:29:29Z"), None);
    assert_eq!(parse_timestamp("2016-12-05T21:29:29"), None);
    assert_eq!(parse_timestamp("2016-13-05T21:29:29Z"), None);
    assert_eq!(parse_timestamp("2016-12-05T25:29:29Z"), None);
    assert_eq!(parse_timestamp("05-12-2016T21:29:29Z"), None);
}
