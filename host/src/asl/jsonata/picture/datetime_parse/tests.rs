//! Tests of `datetime_parse`.

use super::*;
use crate::asl::jsonata::picture::format_datetime;

/// 2024-06-15T09:30:00Z, an arbitrary fixed "now".
const NOW: i64 = 1_718_443_800_000;

fn to(text: &str, picture: &str) -> Result<Option<i64>, &'static str> {
    parse_datetime_at(text, Some(picture), NOW).map_err(|e| e.code)
}

fn iso(millis: i64) -> String {
    format_datetime(millis, None, None).unwrap()
}

/// jsonata-js test suite, group function-tomillis (case001-009 and parseDateTime.json,
/// minus the `undefined` input cases, which the caller handles).
#[test]
fn to_millis_suite() {
    let iso_cases: &[(&str, Result<Option<i64>, &str>)] = &[
        ("1970-01-01T00:00:00.001Z", Ok(Some(1))),
        ("2018-02-01T09:42:13.123+0000", Ok(Some(1517478133123))),
        ("2017-10-30", Ok(Some(1509321600000))),
        ("2017-10-30T15:28:34Z", Ok(Some(1509377314000))),
        ("2018", Ok(Some(1514764800000))),
        ("foo", Err("D3110")),
        ("01-02-2018", Err("D3110")),
        ("2018-02-03 11:15:33", Err("D3110")),
    ];
    for (text, expected) in iso_cases {
        assert_eq!(
            parse_datetime_at(text, None, NOW).map_err(|e| e.code),
            *expected,
            "{text}"
        );
    }
    type Case<'a> = (&'a str, &'a str, Result<Option<i64>, &'a str>);
    let cases: &[Case] = &[
        ("Hello", "Hello", Ok(None)),
        ("2018", "[Y1]", Ok(Some(1514764800000))),
        ("2018-03-27", "[Y1]-[M01]-[D01]", Ok(Some(1522108800000))),
        (
            "2018-03-27T14:03:00.123Z",
            "[Y0001]-[M01]-[D01]T[H01]:[m01]:[s01].[f001]Z",
            Ok(Some(1522159380123)),
        ),
        ("27th 3 1976", "[D1o] [M#1] [Y0001]", Ok(Some(196732800000))),
        (
            "21st 12 1881",
            "[D1o] [M01] [Y0001]",
            Ok(Some(-2777932800000)),
        ),
        (
            "2nd 12 2012",
            "[D1o] [M01] [Y0001]",
            Ok(Some(1354406400000)),
        ),
        ("MCMLXXXIV", "[YI]", Ok(Some(441763200000))),
        ("27 03 MMXVIII", "[D1] [M01] [YI]", Ok(Some(1522108800000))),
        ("27 iii MMXVIII", "[D1] [Mi] [YI]", Ok(Some(1522108800000))),
        ("w C mmxviii", "[Da] [MA] [Yi]", Ok(Some(1521763200000))),
        ("ae C mmxviii", "[Da] [MA] [Yi]", Ok(Some(1522454400000))),
        (
            "27th April 2008",
            "[D1o] [MNn] [Y0001]",
            Ok(Some(1209254400000)),
        ),
        (
            "21 August 2017",
            "[D1] [MNn] [Y0001]",
            Ok(Some(1503273600000)),
        ),
        (
            "2 Feb 2012",
            "[D1] [MNn,3-3] [Y0001]",
            Ok(Some(1328140800000)),
        ),
        (
            "4/4/2018 12:06 am",
            "[D1]/[M1]/[Y0001] [h]:[m] [P]",
            Ok(Some(1522800360000)),
        ),
        (
            "4/4/2018 06:30 am",
            "[D1]/[M1]/[Y0001] [h]:[m] [P]",
            Ok(Some(1522823400000)),
        ),
        (
            "4/4/2018 12:06 pm",
            "[D1]/[M1]/[Y0001] [h]:[m] [P]",
            Ok(Some(1522843560000)),
        ),
        (
            "4/4/2018 11:30 pm",
            "[D1]/[M1]/[Y0001] [h]:[m] [P]",
            Ok(Some(1522884600000)),
        ),
        ("2018-094", "[Y0001]-[d001]", Ok(Some(1522800000000))),
        ("irrelevent string", "[Y]-[M]-[D]", Ok(None)),
        ("2018-05-22", "[Y]-[M]-[q]", Err("D3132")),
        ("2018-05-22", "[YN]-[M]-[D]", Err("D3133")),
        ("2018-22", "[Y]-[D]", Err("D3136")),
        ("5-22 23:59", "[M]-[D] [m]:[s]", Err("D3136")),
        ("2018-3-2-5", "[X]-[x]-[w]-[F1]", Err("D3136")),
        ("2018-32-5", "[X]-[W]-[F1]", Err("D3136")),
        (
            "one thousand, nine hundred and eighty-four",
            "[Yw]",
            Ok(Some(441763200000)),
        ),
        (
            "nineteen hundred and eighty-four",
            "[Yw]",
            Ok(Some(441763200000)),
        ),
        (
            "twenty-seven April 2008",
            "[Dw] [MNn] [Y0001]",
            Ok(Some(1209254400000)),
        ),
        (
            "twenty-seventh April 2008",
            "[Dw] [MNn] [Y0001]",
            Ok(Some(1209254400000)),
        ),
        (
            "twenty-first August two thousand and seventeen",
            "[Dw] [MNn] [Yw]",
            Ok(Some(1503273600000)),
        ),
        (
            "TWENTY-SECOND August two thousand and seventeen",
            "[DW] [MNn] [Yw]",
            Ok(Some(1503360000000)),
        ),
        (
            "Twentieth of August, two thousand and seventeen",
            "[DW] of [MNn], [Yw]",
            Ok(Some(1503187200000)),
        ),
    ];
    for (text, picture, expected) in cases {
        assert_eq!(to(text, picture), *expected, "{text} / {picture}");
    }
    let round_trips: &[(&str, &str, &str)] = &[
        ("2018--180", "[Y]--[d]", "2018-06-29T00:00:00.000Z"),
        (
            "Wednesday, 14th November 2018",
            "[FNn], [D1o] [MNn] [Y]",
            "2018-11-14T00:00:00.000Z",
        ),
        (
            "Mon, Twelfth November 2018",
            "[FNn,*-3], [DWwo] [MNn] [Y]",
            "2018-11-12T00:00:00.000Z",
        ),
        (
            "three hundred and sixty-fifth day of 2018",
            "[dwo] day of [Y]",
            "2018-12-31T00:00:00.000Z",
        ),
    ];
    for (text, picture, expected) in round_trips {
        assert_eq!(
            to(text, picture).map(|m| m.map(iso)),
            Ok(Some(expected.to_string())),
            "{text}"
        );
    }
    // Time only: seconds default to zero, the date to today.
    let t = to("13:45", "[H]:[m]").unwrap().unwrap();
    assert_eq!(iso(t), "2024-06-15T13:45:00.000Z");
}

/// jsonata-js test suite, function-fromMillis/isoWeekDate.json: `$toMillis` a date, format
/// it as an ISO week date.
#[test]
fn iso_week_dates() {
    assert_eq!(
        format_datetime(1104537600000, Some("[X0001]-W[W01]-[F1]"), None).unwrap(),
        "2004-W53-6"
    );
    let cases = [
        ("2005-01-01", "2004-W53-6"),
        ("2005-01-02", "2004-W53-7"),
        ("2005-12-31", "2005-W52-6"),
        ("2006-01-01", "2005-W52-7"),
        ("2006-01-02", "2006-W01-1"),
        ("2006-12-31", "2006-W52-7"),
        ("2007-01-01", "2007-W01-1"),
        ("2007-12-30", "2007-W52-7"),
        ("2007-12-31", "2008-W01-1"),
        ("2008-01-01", "2008-W01-2"),
        ("2008-12-28", "2008-W52-7"),
        ("2008-12-29", "2009-W01-1"),
        ("2008-12-30", "2009-W01-2"),
        ("2008-12-31", "2009-W01-3"),
        ("2009-01-01", "2009-W01-4"),
        ("2009-12-31", "2009-W53-4"),
        ("2010-01-01", "2009-W53-5"),
        ("2010-01-02", "2009-W53-6"),
        ("2010-01-03", "2009-W53-7"),
    ];
    for (date, expected) in cases {
        let t = to(date, "[Y]-[M]-[D]").unwrap().unwrap();
        let week = format_datetime(t, Some("[X0001]-W[W01]-[F1]"), None).unwrap();
        assert_eq!(week, expected, "{date}");
    }
}

#[test]
fn offsets_and_adjacent_numbers() {
    assert_eq!(
        to("2018-03-27T14:03:00+01:00", "[Y]-[M]-[D]T[H]:[m]:[s][Z]"),
        Ok(Some(1522155780000))
    );
    assert_eq!(
        to("2018-03-27T14:03:00-0530", "[Y]-[M]-[D]T[H]:[m]:[s][Z0101]"),
        Ok(Some(1522179180000))
    );
    assert_eq!(
        to("2018-03-27 14:03 GMT-05:30", "[Y]-[M]-[D] [H]:[m] [z]"),
        Ok(Some(1522179180000))
    );
    // [Y0001][M01][D01]: each numeric marker before another is read at its width.
    assert_eq!(to("20180327", "[Y0001][M01][D01]"), Ok(Some(1522108800000)));
    // Literals match whatever their case.
    assert_eq!(to("2018t", "[Y]T"), Ok(Some(1514764800000)));
    assert_eq!(to("march 2018", "[MNn] [Y]"), Ok(Some(1519862400000)));
}

#[test]
fn iso_edge_cases() {
    let parse = |t: &str| parse_datetime_at(t, None, NOW).map_err(|e| e.code);
    assert_eq!(parse("2018-02-31"), parse("2018-03-03"));
    assert_eq!(parse("2018-13-01"), Ok(None));
    assert_eq!(parse("2018-01-01T24:00:00Z"), parse("2018-01-02"));
    assert_eq!(parse("2018-01-01T25:00:00Z"), Ok(None));
    assert_eq!(parse("2018-01-01T10:00:00.5Z"), Ok(Some(1514800800500)));
    assert_eq!(
        parse("2018-01-01T10:00:00.123456Z"),
        Ok(Some(1514800800123))
    );
    assert_eq!(parse("2018-01-01T10:00:00+05:30"), Ok(Some(1514781000000)));
    assert_eq!(parse("2018-01-01T10:00:00"), Ok(Some(1514800800000)));
    // Passes jsonata-js's pattern (as -01 -30 or an offset) but is no date.
    assert_eq!(parse("2018-0130"), Ok(None));
    assert_eq!(parse("2018-01-01T10:00:00T10:00:00"), Ok(None));
    assert_eq!(parse(""), Err("D3110"));
    assert_eq!(parse("２０１８"), Err("D3110"));
}

#[test]
fn hostile_input_is_bounded() {
    let long = "1".repeat(MAX_PARSE_CHARS + 1);
    assert_eq!(to(&long, "[Y]"), Err("D3137"));
    // Many variable-length markers in a row cannot blow up the matcher.
    let text = "1".repeat(MAX_PARSE_CHARS - 1) + "x";
    let picture = "[Y]".to_string() + &"[Mi]".repeat(200) + "[D]";
    assert_eq!(to(&text, &picture), Ok(None));
    let words = "one ".repeat(200) + "x";
    assert_eq!(to(&words, "[Yw][Mw][Dw]"), Ok(None));
    let many = "[H]:".repeat(10_000);
    assert_eq!(to("1:", &many), Ok(None));
    let text = "one ".repeat(250);
    assert_eq!(to(&text, &"[Yw]".repeat(1000)), Err("D3137"));
    assert_eq!(to("1", "[Y,1000]"), Err("D3137"));
    assert_eq!(to("xx", "[E]"), Err("D3133"));
}
