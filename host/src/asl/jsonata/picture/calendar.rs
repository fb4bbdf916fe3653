//! Proleptic Gregorian calendar arithmetic on epoch milliseconds, over JavaScript's whole date
//! range (±8.64e15 ms): civil dates from day numbers and back, weekdays, and jsonata-js's
//! ISO-8601 week rules. chrono's range is narrower than JavaScript's and its types add nothing
//! to a handful of integer formulas.

pub(crate) const MS_PER_DAY: i64 = 86_400_000;

/// JavaScript's time value limit: `new Date(t)` is invalid beyond ±8.64e15 ms.
pub(crate) const MAX_TIME: i64 = 8_640_000_000_000_000;

/// Days since 1970-01-01 of a civil date (month 1-12; day may overflow the month, as
/// JavaScript's `Date.UTC` allows).
pub(crate) fn days_from_civil(year: i64, month: u32, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468 + (day - 1)
}

/// The civil date (year, month 1-12, day 1-31) of a day number.
pub(crate) fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// ISO weekday of a day number: 1 = Monday ... 7 = Sunday (1970-01-01 was a Thursday).
pub(crate) fn weekday(days: i64) -> i64 {
    (days + 3).rem_euclid(7) + 1
}

/// The broken-down UTC fields of a time value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Fields {
    pub days: i64,
    pub year: i64,
    pub month: u32,
    pub day: u32,
    pub hour: i64,
    pub minute: i64,
    pub second: i64,
    pub millisecond: i64,
}

pub(crate) fn fields(millis: i64) -> Fields {
    let days = millis.div_euclid(MS_PER_DAY);
    let in_day = millis.rem_euclid(MS_PER_DAY);
    let (year, month, day) = civil_from_days(days);
    Fields {
        days,
        year,
        month,
        day,
        hour: in_day / 3_600_000,
        minute: in_day / 60_000 % 60,
        second: in_day / 1000 % 60,
        millisecond: in_day % 1000,
    }
}

/// The day number on which week 1 of a month (or, with January, of a year) starts: ISO 8601
/// puts it in the week holding the month's first Thursday, weeks starting on Monday.
/// `month0` is 0-11 and may step one past either end.
pub(crate) fn start_of_first_week(year: i64, month0: i64) -> i64 {
    let first = days_from_civil(
        year + month0.div_euclid(12),
        month0.rem_euclid(12) as u32 + 1,
        1,
    );
    let dow = weekday(first);
    if dow > 4 {
        first + (8 - dow)
    } else {
        first - (dow - 1)
    }
}

/// jsonata-js's `Date.UTC(year, month0, day, hour, minute, second, ms)`: every argument is
/// truncated toward zero and may overflow into the next larger unit. `None` where JavaScript
/// gives `NaN`: a non-finite argument or a time outside ±8.64e15 ms.
///
/// JavaScript also maps years 0-99 to 1900-1999; that quirk is not reproduced: a picture that
/// reads year 18 means year 18.
pub(crate) fn make_time(
    year: f64,
    month0: f64,
    day: f64,
    hour: f64,
    minute: f64,
    second: f64,
    millisecond: f64,
) -> Option<i64> {
    let parts = [year, month0, day, hour, minute, second, millisecond];
    if parts.iter().any(|p| !p.is_finite()) {
        return None;
    }
    let [year, month0, day, hour, minute, second, millisecond] = parts.map(f64::trunc);
    let year = year + (month0 / 12.0).floor();
    // Far outside JavaScript's ±275,760 years: no arithmetic below could bring it back.
    if year.abs() > 1e6 || day.abs() > 1e12 {
        return None;
    }
    let month = month0.rem_euclid(12.0) as u32 + 1;
    let days = days_from_civil(year as i64, month, 1) as f64 + day - 1.0;
    let time = days * MS_PER_DAY as f64
        + hour * 3_600_000.0
        + minute * 60_000.0
        + second * 1000.0
        + millisecond;
    (time.abs() <= MAX_TIME as f64).then_some(time as i64)
}

#[cfg(test)]
mod tests;
