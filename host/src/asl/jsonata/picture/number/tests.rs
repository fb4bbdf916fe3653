//! Tests of `number`.

use super::*;

fn fmt(value: f64, picture: &str) -> Result<String, &'static str> {
    format_number(value, picture, &DecimalFormat::default()).map_err(|e| e.code)
}

fn with_zero(zero: char) -> DecimalFormat {
    DecimalFormat {
        zero_digit: zero,
        ..DecimalFormat::default()
    }
}

/// jsonata-js test suite, group function-formatNumber: case000-036, issue785 and issue786,
/// minus case036 (`undefined` input, the caller's) and case007, whose per-mille is the
/// two-character string "pm", which a `char` property cannot hold.
#[test]
fn format_number_suite() {
    let cases: &[(f64, &str, Result<&str, &str>)] = &[
        (12345.6, "#,###.00", Ok("12,345.60")),
        (12345678.9, "9,999.99", Ok("12,345,678.90")),
        (1234.56789, "9,999.999,999", Ok("1,234.567,890")),
        (123.9, "9999", Ok("0124")),
        (0.4857, "###.###‰", Ok("485.7‰")),
        (1234.5678, "00.000e0", Ok("12.346e2")),
        (1234.5678, "00.000e000", Ok("12.346e002")),
        (0.234, "0.0e0", Ok("2.3e-1")),
        (0.234, "#.00e0", Ok("0.23e0")),
        (0.123, "#.e9", Ok("0.1e0")),
        (123412345678.9, "9,9,99.99", Ok("123412345,6,78.90")),
        (0.14, "01%", Ok("14%")),
        (-6.0, "000", Ok("-006")),
        (0.234, ".00e0", Ok(".23e0")),
        (
            2392.14 * (-36.58),
            "000,000.000###;###,###.000###",
            Ok("87,504.4812"),
        ),
        (
            2.14 * 86.58,
            "PREFIX##00.000###SUFFIX",
            Ok("PREFIX185.2812SUFFIX"),
        ),
        (1e20, "#,######", Ok("100,000000,000000,000000")),
        (20.0, "#0‰‰", Err("D3083")),
        (20.0, "0+.e0", Err("D3086")),
        (20.0, "0,.e0", Err("D3087")),
        (20.0, "0,", Err("D3088")),
        (20.0, "0,,0", Err("D3089")),
        (20.0, "0#.e0", Err("D3090")),
        (20.0, "#0.#0e0", Err("D3091")),
        (20.0, "#0.0e0%", Err("D3092")),
        (20.0, "#0.0e0,0", Err("D3093")),
        (20.0, "#;#;#", Err("D3080")),
        (20.0, "#.0.0", Err("D3081")),
        (20.0, "#0%%", Err("D3082")),
        (20.0, "#0%‰", Err("D3084")),
        (20.0, ".e0", Err("D3085")),
        (2.0, "000.000", Ok("002.000")),
        (0.0, "0e0", Ok("0e0")),
        (-42.0, "0e0", Ok("-4e1")),
        (42.0, "0e0", Ok("4e1")),
        (0.0, "0.00e0", Ok("0.00e0")),
        (42.0, "%%", Err("D3086")),
        (42.0, "‰‰", Err("D3086")),
        (42.0, "%‰", Err("D3086")),
        (42.0, "---", Err("D3086")),
    ];
    for (value, picture, expected) in cases {
        assert_eq!(
            fmt(*value, picture).as_deref().map_err(|e| *e),
            *expected,
            "{value} {picture}"
        );
    }
    let circled = DecimalFormat {
        zero_digit: '⑟',
        ..DecimalFormat::default()
    };
    assert_eq!(
        format_number(1234.5678, "①①.①①①e①", &circled).unwrap(),
        "①②.③④⑥e②"
    );
    assert_eq!(
        format_number(2.0, "AAA.AAA", &with_zero('A')).unwrap(),
        "AAC.AAA"
    );
    assert_eq!(
        format_number(0.1, "AeAAA", &with_zero('A')).unwrap(),
        "Be-AAB"
    );
}

/// Examples from docs.jsonata.org's numeric functions page and XPath F&O §4.7.
#[test]
fn documented_examples() {
    assert_eq!(fmt(2.34567, "#0.00").unwrap(), "2.35");
    assert_eq!(fmt(1234.5, "#,##0.00").unwrap(), "1,234.50");
    assert_eq!(fmt(-6.0, "#,##0.00").unwrap(), "-6.00");
    assert_eq!(fmt(-6.0, "#,##0.00;(#,##0.00)").unwrap(), "(6.00)");
    assert_eq!(fmt(0.14, "01%").unwrap(), "14%");
    assert_eq!(fmt(1234.5678, "#,##0.##").unwrap(), "1,234.57");
    assert_eq!(fmt(12.5, "#").unwrap(), "12");
    assert_eq!(fmt(13.5, "#").unwrap(), "14");
    assert_eq!(fmt(1.005, "0.00").unwrap(), "1.00");
    assert_eq!(fmt(0.0, "#").unwrap(), "0");
    assert_eq!(fmt(-0.0, "0.0").unwrap(), "0.0");
    let european = DecimalFormat {
        decimal_separator: ',',
        grouping_separator: '.',
        ..DecimalFormat::default()
    };
    assert_eq!(
        format_number(1234.5678, "#.##0,00", &european).unwrap(),
        "1.234,57"
    );
}

#[test]
fn fixes_over_jsonata_js() {
    // A prefix does not shift the exponent.
    assert_eq!(fmt(1234.0, "$0.0e0").unwrap(), "$1.2e3");
    // Irregular separators stay between digits.
    assert_eq!(fmt(12.0, "#,##,##0").unwrap(), "12");
    assert_eq!(fmt(1234567.0, "#,##,##0").unwrap(), "12,34,567");
    // Every fractional separator is placed, not just the first.
    assert_eq!(fmt(0.123456, "0.00,00,00").unwrap(), "0.12,34,56");
}

#[test]
fn non_finite_and_hostile_input() {
    assert_eq!(fmt(f64::NAN, "#").unwrap(), "NaN");
    assert_eq!(fmt(f64::INFINITY, "#").unwrap(), "Infinity");
    assert_eq!(fmt(f64::NEG_INFINITY, "#").unwrap(), "-Infinity");
    assert_eq!(fmt(f64::MAX, "0%").unwrap(), "Infinity%");
    assert_eq!(fmt(f64::MAX, "#").unwrap().len(), 309);
    assert_eq!(fmt(5e-324, "0.0e0").unwrap(), "4.9e-324");
    let long = format!("0.{}", "#".repeat(500));
    assert!(
        fmt(0.1, &long)
            .unwrap()
            .starts_with("0.1000000000000000055511151231257827")
    );
    let wide = format!("{}e0", "0".repeat(500));
    assert!(fmt(1.0, &wide).is_ok());
    let many = format!("{}0", "#,".repeat(50_000));
    assert_eq!(fmt(1234.0, &many).unwrap(), "1,2,3,4");
    assert_eq!(
        format_number(1.0, "0", &with_zero(char::MAX))
            .unwrap_err()
            .code,
        "D3137"
    );
}
