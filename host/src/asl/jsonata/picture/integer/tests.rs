//! Tests of `integer`.

use super::*;

/// jsonata-js test suite, group function-formatInteger (formatInteger.json), minus the
/// `undefined` input case, which the caller handles.
const FORMAT_SUITE: &[(f64, &str, Result<&str, &str>)] = &[
    (123.0, "000", Ok("123")),
    (123.0, "0000", Ok("0123")),
    (-3.0, "0000", Ok("-0003")),
    (1234.0, "0;c", Ok("1234")),
    (1234.0, "###0", Ok("1234")),
    (12.0, "###0", Ok("12")),
    (12.6, "###0", Ok("12")),
    (123.0, "000;o", Ok("123rd")),
    (1.0, "0;o", Ok("1st")),
    (28.0, "#0;o", Ok("28th")),
    (1234.0, "###0;o", Ok("1234th")),
    (12.0, "###0;o", Ok("12th")),
    (12340.0, "###١", Ok("١٢٣٤٠")),
    (12340.0, "###０", Ok("１２３４０")),
    (12340.0, "##0０", Err("D3131")),
    (12.0, "#,##0", Ok("12")),
    (1200.0, "#,##0", Ok("1,200")),
    (120000.0, "#,##0", Ok("120,000")),
    (12345678.0, "#,##0", Ok("12,345,678")),
    (1234567890.0, "#,##0", Ok("1,234,567,890")),
    (1234567890.0, "#,###,##0", Ok("1,234,567,890")),
    (1234567890.0, "#:###,##0", Ok("1234:567,890")),
    (1234567890.0, "##,##,##0", Ok("12345,67,890")),
    (0.0, "I", Ok("")),
    (1984.0, "I", Ok("MCMLXXXIV")),
    (99.0, "i", Ok("xcix")),
    (12.0, "w", Ok("twelve")),
    (20.0, "w", Ok("twenty")),
    (34.0, "w", Ok("thirty-four")),
    (99.0, "W", Ok("NINETY-NINE")),
    (100.0, "w", Ok("one hundred")),
    (555.0, "W", Ok("FIVE HUNDRED AND FIFTY-FIVE")),
    (555.0, "Ww", Ok("Five Hundred and Fifty-Five")),
    (919.0, "w", Ok("nine hundred and nineteen")),
    (730.0, "w", Ok("seven hundred and thirty")),
    (1000.0, "w", Ok("one thousand")),
    (3730.0, "w", Ok("three thousand, seven hundred and thirty")),
    (
        327730.0,
        "w",
        Ok("three hundred and twenty-seven thousand, seven hundred and thirty"),
    ),
    (
        4327730.0,
        "w",
        Ok("four million, three hundred and twenty-seven thousand, seven hundred and thirty"),
    ),
    (1000000000001.0, "w", Ok("one trillion and one")),
    (
        1234567890123.0,
        "w",
        Ok(
            "one trillion, two hundred and thirty-four billion, five hundred and sixty-seven million, eight hundred and ninety thousand, one hundred and twenty-three",
        ),
    ),
    (1e15, "w", Ok("one thousand trillion")),
    (1e46, "w", Ok("ten billion trillion trillion trillion")),
    (
        1234567890123456.0,
        "w",
        Ok(
            "one thousand, two hundred and thirty-four trillion, five hundred and sixty-seven billion, eight hundred and ninety million, one hundred and twenty-three thousand, four hundred and fifty-six",
        ),
    ),
    (12.0, "w;o", Ok("twelfth")),
    (20.0, "w;o", Ok("twentieth")),
    (34.0, "w;o", Ok("thirty-fourth")),
    (99.0, "W;o", Ok("NINETY-NINTH")),
    (100.0, "w;o", Ok("one hundredth")),
    (555.0, "W;o", Ok("FIVE HUNDRED AND FIFTY-FIFTH")),
    (919.0, "w;o", Ok("nine hundred and nineteenth")),
    (730.0, "w;o", Ok("seven hundred and thirtieth")),
    (1000.0, "w;o", Ok("one thousandth")),
    (
        3731.0,
        "w;o",
        Ok("three thousand, seven hundred and thirty-first"),
    ),
    (
        327713.0,
        "w;o",
        Ok("three hundred and twenty-seven thousand, seven hundred and thirteenth"),
    ),
    (
        4327732.0,
        "w;o",
        Ok(
            "four million, three hundred and twenty-seven thousand, seven hundred and thirty-second",
        ),
    ),
    (1000000000001.0, "w;o", Ok("one trillion and first")),
    (1.0, "A", Ok("A")),
    (12.0, "a", Ok("l")),
    (26.0, "a", Ok("z")),
    (27.0, "a", Ok("aa")),
    (300.0, "A", Ok("KN")),
    (123456.0, "A", Ok("FZPH")),
    (123456.0, "α", Err("D3130")),
];

/// jsonata-js test suite, group function-parseInteger (parseInteger.json), minus the
/// `undefined` input case.
const PARSE_SUITE: &[(&str, &str, Result<f64, &str>)] = &[
    ("123", "000", Ok(123.0)),
    ("0123", "0000", Ok(123.0)),
    ("1234", "0", Ok(1234.0)),
    ("1234", "###0", Ok(1234.0)),
    ("12", "###0", Ok(12.0)),
    ("123rd", "000;o", Ok(123.0)),
    ("1st", "0;o", Ok(1.0)),
    ("28th", "#0;o", Ok(28.0)),
    ("1234th", "###0;o", Ok(1234.0)),
    ("12th", "###0;o", Ok(12.0)),
    ("١٢٣٤٠", "###١", Ok(12340.0)),
    ("１２３４０", "###０", Ok(12340.0)),
    ("12", "#,##0", Ok(12.0)),
    ("1,200", "#,##0", Ok(1200.0)),
    ("12,345,678", "#,##0", Ok(12345678.0)),
    ("1,234,567,890", "#,##0", Ok(1234567890.0)),
    ("1,234,567,890", "#,###,##0", Ok(1234567890.0)),
    ("1234:567,890", "#:###,##0", Ok(1234567890.0)),
    ("12345,67,890", "##,##,##0", Ok(1234567890.0)),
    ("", "I", Ok(0.0)),
    ("MCMLXXXIV", "I", Ok(1984.0)),
    ("xcix", "i", Ok(99.0)),
    ("twelve", "w", Ok(12.0)),
    ("twenty", "w", Ok(20.0)),
    ("thirty-four", "w", Ok(34.0)),
    ("NINETY-NINE", "W", Ok(99.0)),
    ("one hundred", "w", Ok(100.0)),
    ("FIVE HUNDRED AND FIFTY-FIVE", "W", Ok(555.0)),
    ("Five Hundred and Fifty-Five", "Ww", Ok(555.0)),
    ("nine hundred and nineteen", "w", Ok(919.0)),
    ("seven hundred and thirty", "w", Ok(730.0)),
    ("one thousand", "w", Ok(1000.0)),
    ("three thousand, seven hundred and thirty", "w", Ok(3730.0)),
    (
        "three hundred and twenty-seven thousand, seven hundred and thirty",
        "w",
        Ok(327730.0),
    ),
    (
        "four million, three hundred and twenty-seven thousand, seven hundred and thirty",
        "w",
        Ok(4327730.0),
    ),
    ("one trillion and one", "w", Ok(1000000000001.0)),
    (
        "one trillion, two hundred and thirty-four billion, five hundred and sixty-seven million, eight hundred and ninety thousand, one hundred and twenty-three",
        "w",
        Ok(1234567890123.0),
    ),
    ("one thousand trillion", "w", Ok(1e15)),
    ("ten billion trillion trillion trillion", "w", Ok(1e46)),
    ("twelfth", "w;o", Ok(12.0)),
    ("twentieth", "w;o", Ok(20.0)),
    ("thirty-fourth", "w;o", Ok(34.0)),
    ("NINETY-NINTH", "W;o", Ok(99.0)),
    ("one hundredth", "w;o", Ok(100.0)),
    ("FIVE HUNDRED AND FIFTY-FIFTH", "W;o", Ok(555.0)),
    ("nine hundred and nineteenth", "w;o", Ok(919.0)),
    ("seven hundred and thirtieth", "w;o", Ok(730.0)),
    ("Seven Hundred and Thirty-Third", "Ww;o", Ok(733.0)),
    ("one thousandth", "w;o", Ok(1000.0)),
    (
        "three thousand, seven hundred and thirty-first",
        "w;o",
        Ok(3731.0),
    ),
    (
        "three hundred and twenty-seven thousand, seven hundred and thirteenth",
        "w;o",
        Ok(327713.0),
    ),
    (
        "four million, three hundred and twenty-seven thousand, seven hundred and thirty-second",
        "w;o",
        Ok(4327732.0),
    ),
    ("one trillion and first", "w;o", Ok(1000000000001.0)),
    ("A", "A", Ok(1.0)),
    ("l", "a", Ok(12.0)),
    ("z", "a", Ok(26.0)),
    ("aa", "a", Ok(27.0)),
    ("KN", "A", Ok(300.0)),
    ("FZPH", "A", Ok(123456.0)),
    ("50", "#", Err("D3130")),
];

#[test]
fn format_integer_suite() {
    for (value, picture, expected) in FORMAT_SUITE {
        let got = format_integer(*value, picture);
        match expected {
            Ok(text) => assert_eq!(got.as_deref(), Ok(*text), "{value} {picture}"),
            Err(code) => assert_eq!(got.map_err(|e| e.code), Err(*code), "{value} {picture}"),
        }
    }
}

#[test]
fn parse_integer_suite() {
    for (text, picture, expected) in PARSE_SUITE {
        let got = parse_integer(text, picture);
        match expected {
            Ok(value) => assert_eq!(got, Ok(*value), "{text} {picture}"),
            Err(code) => assert_eq!(got.map_err(|e| e.code), Err(*code), "{text} {picture}"),
        }
    }
}

#[test]
fn round_trips_through_every_scheme() {
    for picture in [
        "0", "#,##0", "a", "A", "i", "I", "w", "W", "Ww", "w;o", "0;o",
    ] {
        for value in [
            1.0, 9.0, 14.0, 40.0, 99.0, 100.0, 101.0, 1999.0, 2024.0, 123456.0,
        ] {
            let text = format_integer(value, picture).unwrap();
            assert_eq!(parse_integer(&text, picture), Ok(value), "{picture} {text}");
        }
    }
}

#[test]
fn hostile_inputs_are_bounded() {
    assert_eq!(
        format_integer(f64::INFINITY, "w").unwrap_err().code,
        "D3137"
    );
    assert_eq!(format_integer(f64::NAN, "0").unwrap_err().code, "D3137");
    assert_eq!(format_integer(1e300, "I").unwrap_err().code, "D3137");
    assert!(format_integer(f64::MAX, "w").unwrap().len() < 10_000);
    assert!(format_integer(f64::MAX, "a").unwrap().len() < 300);
    assert_eq!(format_integer(f64::MAX, "0").unwrap().len(), 309);
    // A trailing separator has interval zero: not regular, and no endless loop.
    assert_eq!(format_integer(1234.0, "#0,").unwrap(), "1234,");
    // Separators never land left of the digits.
    assert_eq!(format_integer(12.0, "##,##,##0").unwrap(), "12");
    assert!(parse_integer("abc", "0").unwrap().is_nan());
    assert!(parse_integer("fourty", "w").unwrap().is_nan());
    assert!(parse_integer("MZ", "I").unwrap().is_nan());
}

#[test]
fn negative_numbers_and_other_families() {
    assert_eq!(format_integer(-1234.0, "#,##0").unwrap(), "-1,234");
    assert_eq!(format_integer(-12.0, "w").unwrap(), "-twelve");
    assert_eq!(format_integer(7.0, "٠٠").unwrap(), "٠٧");
    assert_eq!(format_integer(11.0, "0;o").unwrap(), "11th");
    assert_eq!(format_integer(112.0, "0;o").unwrap(), "112th");
    assert_eq!(format_integer(22.0, "0;o").unwrap(), "22nd");
    assert_eq!(parse_integer("-42", "0"), Ok(-42.0));
}
