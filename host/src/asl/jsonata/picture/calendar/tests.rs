//! Tests of `calendar`.

use super::*;

#[test]
fn civil_round_trip_over_the_whole_range() {
    for days in (-100_000_000..100_000_000).step_by(9_973) {
        let (y, m, d) = civil_from_days(days);
        assert_eq!(days_from_civil(y, m, i64::from(d)), days);
    }
    assert_eq!(civil_from_days(0), (1970, 1, 1));
    assert_eq!(civil_from_days(-1), (1969, 12, 31));
    assert_eq!(days_from_civil(2000, 3, 1), 11_017);
    assert_eq!(weekday(0), 4);
}

#[test]
fn make_time_overflows_like_date_utc() {
    assert_eq!(
        make_time(2018.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0),
        Some(1_514_764_800_000)
    );
    // 31 February is 3 March; month 12 is January of the next year.
    assert_eq!(
        make_time(2018.0, 1.0, 31.0, 0.0, 0.0, 0.0, 0.0),
        make_time(2018.0, 2.0, 3.0, 0.0, 0.0, 0.0, 0.0)
    );
    assert_eq!(
        make_time(2017.0, 12.0, 1.0, 0.0, 0.0, 0.0, 0.0),
        Some(1_514_764_800_000)
    );
    assert_eq!(make_time(f64::NAN, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0), None);
    assert_eq!(make_time(300_000.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0), None);
    assert_eq!(make_time(1e300, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0), None);
}

#[test]
fn first_week_contains_the_first_thursday() {
    // 2018-01-01 was a Monday; 2015-01-01 a Thursday; 2016-01-01 a Friday.
    assert_eq!(start_of_first_week(2018, 0), days_from_civil(2018, 1, 1));
    assert_eq!(start_of_first_week(2015, 0), days_from_civil(2014, 12, 29));
    assert_eq!(start_of_first_week(2016, 0), days_from_civil(2016, 1, 4));
    assert_eq!(start_of_first_week(2015, 12), start_of_first_week(2016, 0));
    assert_eq!(start_of_first_week(2016, -1), start_of_first_week(2015, 11));
}
