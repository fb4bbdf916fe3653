//! Tests of `datetime`.

use super::*;

fn from(millis: i64, picture: &str) -> Result<String, &'static str> {
    format_datetime(millis, Some(picture), None).map_err(|e| e.code)
}

fn from_tz(millis: i64, picture: &str, tz: &str) -> Result<String, &'static str> {
    format_datetime(millis, Some(picture), Some(tz)).map_err(|e| e.code)
}

/// jsonata-js test suite, group function-fromMillis (case000-001 and formatDateTime.json,
/// minus the `undefined` cases and the ISO-week cases that need `$toMillis`, which are in
/// `datetime_parse.rs`).
#[test]
fn from_millis_suite() {
    let cases: &[(i64, &str, &str)] = &[
        (1521801216617, "Hello", "Hello"),
        (1521801216617, "Year: [Y0001]", "Year: 2018"),
        (1521801216617, "Year: <[Y0001]>", "Year: <2018>"),
        (1521801216617, "Year: <[Y9,999,*]>", "Year: <2,018>"),
        (1521801216617, "[[Year: <[Y0001]>", "[Year: <2018>"),
        (1521801216617, "[[Year]]: [[[Y0001]]]", "[Year]: [2018]"),
        (1521801216617, "Year]]: <[Y0001]>", "Year]: <2018>"),
        (1521801216617, "[D#1]/[M#1]/[Y0001]", "23/3/2018"),
        (1522616700000, "[F0] [FNn]", "7 Sunday"),
        (1522703100000, "[F0] [FNn]", "1 Monday"),
        (1521801216617, "[Y0001]-[M01]-[D01]", "2018-03-23"),
        (
            1521801216617,
            "[M01]/[D01]/[Y0001] at [H01]:[m01]:[s01]",
            "03/23/2018 at 10:33:36",
        ),
        (
            1521801216617,
            "[Y]-[M01]-[D01]T[H01]:[m]:[s].[f001][Z01:01t]",
            "2018-03-23T10:33:36.617Z",
        ),
        (
            1521801216617,
            "[Y]-[ M01]-[D 01]T[H01 ]:[ m   ]:[s].[f0  01][Z01:\n 01t]",
            "2018-03-23T10:33:36.617Z",
        ),
        (
            1531310400000,
            "[Y]-[M01]-[D01]T[H01]:[m]:[s][Z01:01]",
            "2018-07-11T12:00:00+00:00",
        ),
        (
            1531310400000,
            "[Y]-[M01]-[D01]T[H01]:[m]:[s][Z01:01t]",
            "2018-07-11T12:00:00Z",
        ),
        (1521801216617, "[D#1,2]/[M1,2]/[Y,2]", "23/03/18"),
        (1521801216617, "[D#1,2]/[M1,2]/[Y0001,2]", "23/03/2018"),
        (1521801216617, "[D#1,2]/[M1,2]/[Y##01,2-2]", "23/03/18"),
        (1521801216617, "[D#1,2]/[M1,2]/[Y0001,2-2]", "23/03/18"),
        (1521801216617, "[D1] [M01] [YI]", "23 03 MMXVIII"),
        (1521801216617, "[Da] [MA] [Yi]", "w C mmxviii"),
        (1521801216617, "[D1o] [M01] [Y]", "23rd 03 2018"),
        (1521801216617, "[Yw]", "two thousand and eighteen"),
        (1521801216617, "[Dwo] [M01] [Y]", "twenty-third 03 2018"),
        (1521801216617, "[D1o] [MNn] [Y]", "23rd March 2018"),
        (1521801216617, "[D1o] [MN] [Y]", "23rd MARCH 2018"),
        (
            1521801216617,
            "[FNn], [D1o] [MNn] [Y]",
            "Friday, 23rd March 2018",
        ),
        (
            1521801216617,
            "[FNn], the [Dwo] of [MNn] [Y] [E]",
            "Friday, the twenty-third of March 2018 ISO",
        ),
        (
            1521801216617,
            "[FNn,3-3], [D1o] [MNn,3-3] [Y] [C]",
            "Fri, 23rd Mar 2018 ISO",
        ),
        (
            1521801216617,
            "[F], [D]/[M]/[Y] [h]:[m]:[s] [P]",
            "friday, 23/3/2018 10:33:36 am",
        ),
        (
            1204405500000,
            "[F], [D]/[M]/[Y] [h]:[m]:[s] [P]",
            "saturday, 1/3/2008 9:05:00 pm",
        ),
        (
            1199664000000,
            "[F], [D]/[M]/[Y] [h]:[m]:[s] [P]",
            "monday, 7/1/2008 12:00:00 am",
        ),
        (
            1514808000000,
            "[dwo] day of the year",
            "first day of the year",
        ),
        (1546257600000, "[d] days in [Y0001]", "365 days in 2018"),
        (1483185600000, "[d] days in [Y0001]", "366 days in 2016"),
        (1514808000000, "Week: [W]", "Week: 1"),
        (1515326400000, "Week: [W]", "Week: 1"),
        (1545739200000, "Week: [W]", "Week: 52"),
        (1388577600000, "Week: [W]", "Week: 1"),
        (1419854400000, "Week: [W]", "Week: 1"),
        (1419768000000, "Week: [W]", "Week: 52"),
        (1419336000000, "Week: [W]", "Week: 52"),
        (1420113600000, "Week: [W]", "Week: 1"),
        (1420459200000, "Week: [W]", "Week: 2"),
        (1451304000000, "Week: [W]", "Week: 53"),
        (1451563200000, "Week: [W]", "Week: 53"),
        (1451736000000, "Week: [W]", "Week: 53"),
        (1359460800000, "Week: [w] of [xNn]", "Week: 5 of January"),
        (1359633600000, "Week: [w] of [xNn]", "Week: 5 of January"),
        (1359720000000, "Week: [w] of [xNn]", "Week: 5 of January"),
        (1514808000000, "Week: [w] of [xNn]", "Week: 1 of January"),
        (1483272000000, "Week: [w] of [xNn]", "Week: 5 of December"),
        (1533038400000, "Week: [w] of [xNn]", "Week: 1 of August"),
        (1419940800000, "Week: [w] of [xNn]", "Week: 1 of January"),
        (
            1521801216617,
            "[F], [D]/[M]/[Y] [h]:[m]:[s] [PN]",
            "friday, 23/3/2018 10:33:36 AM",
        ),
        (
            1521801216617,
            "[F], [D]/[M]/[Y] [h]:[m]:[s] [Pn]",
            "friday, 23/3/2018 10:33:36 am",
        ),
    ];
    for (millis, picture, expected) in cases {
        assert_eq!(
            from(*millis, picture).as_deref(),
            Ok(*expected),
            "{picture}"
        );
    }
    let zoned: &[(i64, &str, &str, &str)] = &[
        (
            1521801216617,
            "[Y]-[M01]-[D01]T[H01]:[m]:[s].[f001][Z0101t]",
            "+0100",
            "2018-03-23T11:33:36.617+0100",
        ),
        (
            1531310400000,
            "[Y]-[M01]-[D01]T[H01]:[m]:[s][Z]",
            "-0500",
            "2018-07-11T07:00:00-05:00",
        ),
        (
            1531310400000,
            "[Y]-[M01]-[D01]T[H01]:[m]:[s][Z0]",
            "-0500",
            "2018-07-11T07:00:00-5",
        ),
        (
            1531310400000,
            "[Y]-[M01]-[D01]T[H01]:[m]:[s][Z]",
            "+1000",
            "2018-07-11T22:00:00+10:00",
        ),
        (
            1531310400000,
            "[Y]-[M01]-[D01]T[H01]:[m]:[s][Z0]",
            "+1000",
            "2018-07-11T22:00:00+10",
        ),
        (
            1531310400000,
            "[Y]-[M01]-[D01]T[H01]:[m]:[s][Z0]",
            "+0530",
            "2018-07-11T17:30:00+5:30",
        ),
        (
            1531310400000,
            "[Y]-[M01]-[D01]T[H01]:[m]:[s][z]",
            "-0500",
            "2018-07-11T07:00:00GMT-05:00",
        ),
        (
            1204405500000,
            "[Y]-[M01]-[D01]T[H01]:[m]:[s].[f001][Z0101t]",
            "+0530",
            "2008-03-02T02:35:00.000+0530",
        ),
        (
            1230757500000,
            "[Y]-[M01]-[D01]T[H01]:[m]:[s].[f001][Z0101t]",
            "+0530",
            "2009-01-01T02:35:00.000+0530",
        ),
    ];
    for (millis, picture, tz, expected) in zoned {
        assert_eq!(
            from_tz(*millis, picture, tz).as_deref(),
            Ok(*expected),
            "{picture} {tz}"
        );
    }
    assert_eq!(
        from_tz(
            1230757500000,
            "[Y]-[M01]-[D01]T[H01]:[m]:[s].[f001][Z010101t]",
            "+0530"
        ),
        Err("D3134")
    );
    assert_eq!(from(1419940800000, "[YN]-[M]-[D]"), Err("D3133"));
    assert_eq!(from(1419940800000, "[YN]-[M"), Err("D3135"));
    // Default format, with and without a timezone.
    assert_eq!(
        format_datetime(1540127100000, None, None).unwrap(),
        "2018-10-21T13:05:00.000Z"
    );
    assert_eq!(
        format_datetime(1540127100000, None, Some("-0500")).unwrap(),
        "2018-10-21T08:05:00.000-05:00"
    );
    assert_eq!(
        format_datetime(1540127100000, None, Some("0000")).unwrap(),
        "2018-10-21T13:05:00.000Z"
    );
    // case000, case001.
    assert_eq!(
        format_datetime(1, None, None).unwrap(),
        "1970-01-01T00:00:00.001Z"
    );
    assert_eq!(
        format_datetime(1509380732935, None, None).unwrap(),
        "2017-10-30T16:25:32.935Z"
    );
}

/// jsonata-js test suite, group function-now (case000-003): `$now(picture, tz)` is
/// `$fromMillis` of the evaluation's timestamp. (case004, one timestamp per evaluation, is
/// the evaluator's.)
#[test]
fn now_suite() {
    let now = 1_718_443_800_123;
    let day = format_datetime(now, Some("[Y0001]-[M01]-[D01]"), None).unwrap();
    let iso = format_datetime(now, None, None).unwrap();
    assert_eq!(Some(day.as_str()), iso.split('T').next());
    assert_eq!(day.chars().count(), 10);
    assert_eq!(from_tz(now, "[H01]:[m01]", "-0500").unwrap(), "04:30");
}

#[test]
fn offsets_with_minutes_keep_their_sign() {
    let t = 1531310400000; // 2018-07-11T12:00:00Z
    assert_eq!(
        format_datetime(t, None, Some("-0330")).unwrap(),
        "2018-07-11T08:30:00.000-03:30"
    );
    assert_eq!(
        from_tz(t, "[H01]:[m01][Z0]", "-0030").unwrap(),
        "11:30-0:30"
    );
    assert_eq!(
        from_tz(t, "[H01]:[m01][Z]", "+05:45").unwrap(),
        "17:45+05:45"
    );
    assert_eq!(from_tz(t, "[H]", "Z"), Err("D3137"));
}

#[test]
fn hostile_pictures_are_bounded() {
    assert_eq!(from(0, "[Y,1000000000]"), Err("D3137"));
    assert_eq!(from(0, "[Y,99999999999999999999999]"), Err("D3137"));
    assert_eq!(from(0, "[Y0000000000000001]").unwrap(), "0000000000001970");
    assert_eq!(from(0, "[D,100]").unwrap().len(), 100);
    assert_eq!(from(0, "[q]"), Err("D3132"));
    assert_eq!(from(0, "[q1]"), Err("D3132"));
    assert_eq!(from(0, "[]"), Err("D3132"));
    assert_eq!(from(0, "[Y,]").unwrap(), "1970");
    assert_eq!(from(0, "[Yα]"), Err("D3130"));
    assert_eq!(from(0, "[fN]"), Err("D3133"));
    assert_eq!(
        format_datetime(i64::MAX, None, None).unwrap_err().code,
        "D3137"
    );
    assert_eq!(
        format_datetime(MAX_TIME, None, Some("+0100"))
            .unwrap_err()
            .code,
        "D3137"
    );
    assert_eq!(
        format_datetime(-MAX_TIME, None, None).unwrap(),
        "-1821-04-20T00:00:00.000Z"
    );
    let long = "[Y]".repeat(20_000);
    assert_eq!(from(0, &long).unwrap().len(), 80_000);
}
