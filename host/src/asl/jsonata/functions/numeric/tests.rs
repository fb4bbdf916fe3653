//! Tests of `numeric`.

use super::*;

#[test]
fn rounding_is_half_to_even() {
    assert_eq!(round_half_even(2.5, 0), 2.0);
    assert_eq!(round_half_even(3.5, 0), 4.0);
    assert_eq!(round_half_even(-0.5, 0), 0.0);
    assert_eq!(round_half_even(123.456, 2), 123.46);
    assert_eq!(round_half_even(123.455, 2), 123.46);
    assert_eq!(round_half_even(123.465, 2), 123.46);
    assert_eq!(round_half_even(12345.0, -2), 12300.0);
    assert_eq!(round_half_even(-1.5, 0), -2.0);
}

#[test]
fn numbers_parse_as_jsonata_casts_them() {
    assert_eq!(parse_number("1.5e2"), Some(150.0));
    assert_eq!(parse_number("-5"), Some(-5.0));
    assert_eq!(parse_number("0x1F"), Some(31.0));
    assert_eq!(parse_number("0b101"), Some(5.0));
    assert_eq!(parse_number("1."), None);
    assert_eq!(parse_number(" 1"), None);
    assert_eq!(parse_number("abc"), None);
}
