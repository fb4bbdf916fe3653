//! Tests of `picture`.

use super::*;

#[test]
fn messages_fill_the_value_slot() {
    let e = PictureError::new("D3132", "q");
    assert_eq!(e.code, "D3132");
    assert_eq!(
        e.message,
        "Unknown component specifier q in date/time picture string"
    );
    assert_eq!(
        PictureError::new("D3135", "").message,
        "No matching closing bracket ']' in date/time picture string"
    );
}

/// Random pictures and inputs from an alphabet of meaningful characters: every function
/// returns (a value or an error) without panicking.
#[test]
fn random_input_never_panics() {
    const ALPHABET: &[char] = &[
        '0', '1', '9', '#', ',', '.', ';', 'e', '%', '‰', '-', '+', ':', '[', ']', ' ', 'Y', 'M',
        'D', 'd', 'F', 'W', 'w', 'X', 'x', 'H', 'h', 'P', 'm', 's', 'f', 'Z', 'z', 'C', 'E', 'N',
        'n', 'I', 'i', 'a', 'A', 'o', 't', '*', '٠', '١', 'α', 'G', 'T', 'r',
    ];
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let text = |next: &mut dyn FnMut() -> u64| -> String {
        let len = (next() % 16) as usize;
        (0..len)
            .map(|_| ALPHABET[(next() % ALPHABET.len() as u64) as usize])
            .collect()
    };
    let values = [
        0.0,
        -0.0,
        1.0,
        -1.5,
        12345.678,
        1e21,
        -1e-7,
        5e-324,
        f64::MAX,
        f64::MIN,
        f64::NAN,
        f64::INFINITY,
    ];
    let format = DecimalFormat::default();
    for round in 0..4000 {
        let picture = text(&mut next);
        let input = text(&mut next);
        let value = values[round % values.len()];
        let millis = (next() as i64) % 20_000_000_000_000;
        let _ = format_number(value, &picture, &format);
        let _ = format_integer(value, &picture);
        let _ = parse_integer(&input, &picture);
        let _ = format_datetime(millis, Some(&picture), Some(&input));
        let _ = format_datetime(millis, Some(&picture), None);
        let _ = parse_datetime_at(&input, Some(&picture), millis);
        let _ = parse_datetime_at(&picture, None, millis);
        if let Ok(formatted) = format_datetime(millis, Some(&picture), None) {
            let _ = parse_datetime_at(&formatted, Some(&picture), millis);
        }
    }
}
