//! The cron grammar of Secrets Manager rotation schedules
//! ("Schedule expressions in Secrets Manager rotation", AWS Secrets Manager User Guide).
//!
//! `cron(Minutes Hours Day-of-month Month Day-of-week Year)`, in UTC:
//!
//! | field        | values            | wildcards        |
//! |--------------|-------------------|------------------|
//! | Minutes      | must be `0`       |                  |
//! | Hours        | 0-23              | `, - * /`        |
//! | Day-of-month | 1-31              | `, - * ? / L W`  |
//! | Month        | 1-12 or JAN-DEC   | `, - * /`        |
//! | Day-of-week  | 1-7 or SUN-SAT    | `, - * ? / L #`  |
//! | Year         | must be `*`       |                  |
//!
//! Exactly one of day-of-month and day-of-week is `?`. `L` is the last day of the month (or,
//! after a weekday, the last such weekday of the month), `nW` the weekday nearest day n
//! within the month, `LW` the last weekday of the month, `d#n` the n-th weekday d of the
//! month. `L`, `W` and `#` stand alone in their field. Increments of hours restart each day
//! (`0 4/12` is 04:00 and 16:00 every day).
//!
//! This module knows dates and hours only; windows and durations are `schedule`'s.

use time::{Date, Month, Weekday};

use super::error::{CronField, ScheduleError};

/// How the day of a fire is chosen.
#[derive(Debug, Clone, PartialEq, Eq)]
enum DayRule {
    /// Days of the month, bit n for day n (1..=31).
    MonthDays(u32),
    /// `L`: the last day of the month.
    LastDayOfMonth,
    /// `LW`: the last Monday-to-Friday of the month.
    LastWeekdayOfMonth,
    /// `nW`: the Monday-to-Friday nearest day n, never leaving the month.
    NearestWeekday(u8),
    /// Days of the week, bit n for day n (1 = Sunday ..= 7 = Saturday).
    WeekDays(u8),
    /// `dL`: the last weekday d (1 = Sunday) of the month.
    LastOfWeekday(u8),
    /// `d#n`: the n-th weekday d of the month.
    NthWeekday { weekday: u8, nth: u8 },
}

/// A validated cron schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Cron {
    /// Bit h for hour h (0..=23).
    hours: u32,
    /// Bit m for month m (1..=12).
    months: u16,
    days: DayRule,
}

const MONTHS: [&str; 12] = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const WEEKDAYS: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

/// Years checked for at least one fire each: a whole 28-year cycle of weekdays and leap years.
const SPARSENESS_YEARS: std::ops::RangeInclusive<i32> = 2001..=2028;

impl Cron {
    /// Parses the inside of `cron(...)`.
    pub(crate) fn parse(body: &str) -> Result<Self, ScheduleError> {
        let fields: Vec<&str> = body.split_whitespace().collect();
        let [minutes, hours, dom, month, dow, year] = fields.as_slice() else {
            return Err(ScheduleError::CronFieldCount { found: fields.len() });
        };
        if *minutes != "0" {
            return Err(ScheduleError::CronMinutesNotZero);
        }
        if *year != "*" {
            return Err(ScheduleError::CronYearNotWildcard);
        }
        let hours = bitset(hours, 0, 23, &[]).ok_or(ScheduleError::CronFieldInvalid { field: CronField::Hours })?;
        let months =
            bitset(month, 1, 12, &MONTHS).ok_or(ScheduleError::CronFieldInvalid { field: CronField::Month })?;
        let days = match (*dom == "?", *dow == "?") {
            (true, true) | (false, false) => return Err(ScheduleError::CronDayFieldsConflict),
            (false, true) => {
                day_of_month(dom).ok_or(ScheduleError::CronFieldInvalid { field: CronField::DayOfMonth })?
            }
            (true, false) => day_of_week(dow).ok_or(ScheduleError::CronFieldInvalid { field: CronField::DayOfWeek })?,
        };
        let cron = Cron { hours: hours as u32, months: months as u16, days };
        if let Some(gap) = cron.min_gap_hours()
            && gap < 4
        {
            return Err(ScheduleError::CronTooFrequent { gap_hours: gap });
        }
        if !cron.fires_every_year() {
            return Err(ScheduleError::CronTooSparse);
        }
        Ok(cron)
    }

    /// The hours of the day a window opens, ascending.
    pub(crate) fn hours(&self) -> impl Iterator<Item = u8> + '_ {
        (0u8..24).filter(|h| self.hours & (1 << h) != 0)
    }

    /// Whether this is a schedule "in hours" (several windows a day) rather than in days.
    pub(crate) fn is_in_hours(&self) -> bool {
        self.hours.count_ones() > 1
    }

    /// The smallest gap between two window starts of one day, counting the wrap from the last
    /// hour of a day to the first of the next; `None` for one window a day.
    pub(crate) fn min_gap_hours(&self) -> Option<u8> {
        let hours: Vec<u8> = self.hours().collect();
        if hours.len() < 2 {
            return None;
        }
        let inner = hours.windows(2).map(|w| w[1] - w[0]);
        let wrap = 24 - hours[hours.len() - 1] + hours[0];
        inner.chain(std::iter::once(wrap)).min()
    }

    /// The latest hour of the day a window opens.
    pub(crate) fn last_hour(&self) -> u8 {
        self.hours().last().unwrap_or(0)
    }

    /// Whether a window opens on `date`.
    pub(crate) fn fires_on(&self, date: Date) -> bool {
        if self.months & (1 << u8::from(date.month())) == 0 {
            return false;
        }
        let day = date.day();
        let last = date.month().length(date.year());
        let weekday = date.weekday().number_from_sunday();
        match self.days {
            DayRule::MonthDays(mask) => mask & (1 << day) != 0,
            DayRule::LastDayOfMonth => day == last,
            DayRule::LastWeekdayOfMonth => day == last_weekday(date.year(), date.month()),
            DayRule::NearestWeekday(n) => n <= last && day == nearest_weekday(date.year(), date.month(), n),
            DayRule::WeekDays(mask) => mask & (1 << weekday) != 0,
            DayRule::LastOfWeekday(d) => weekday == d && day + 7 > last,
            DayRule::NthWeekday { weekday: d, nth } => weekday == d && (day - 1) / 7 + 1 == nth,
        }
    }

    fn fires_every_year(&self) -> bool {
        SPARSENESS_YEARS.into_iter().all(|year| {
            let Ok(first) = Date::from_ordinal_date(year, 1) else { return false };
            let days = if time::util::is_leap_year(year) { 366 } else { 365 };
            (0..days).any(|i| first.checked_add(time::Duration::days(i)).is_some_and(|d| self.fires_on(d)))
        })
    }
}

/// Parses a list field of plain values, ranges and increments into a bit set over min..=max.
/// `names` are the three-letter names of min, min+1, ... (case-insensitive).
fn bitset(field: &str, min: u8, max: u8, names: &[&str]) -> Option<u64> {
    let mut set = 0u64;
    for item in field.split(',') {
        let (range, step) = match item.split_once('/') {
            Some((range, step)) => (range, Some(step.parse::<u8>().ok().filter(|s| *s >= 1)?)),
            None => (item, None),
        };
        let (lo, hi) = if range == "*" {
            (min, max)
        } else if let Some((a, b)) = range.split_once('-') {
            (value(a, min, max, names)?, value(b, min, max, names)?)
        } else {
            let v = value(range, min, max, names)?;
            // `a/step` runs from a to the end of the field.
            (v, if step.is_some() { max } else { v })
        };
        if lo > hi {
            return None;
        }
        let step = step.unwrap_or(1);
        let mut v = lo;
        while v <= hi {
            set |= 1 << v;
            v = v.checked_add(step)?;
        }
    }
    Some(set)
}

fn value(text: &str, min: u8, max: u8, names: &[&str]) -> Option<u8> {
    if let Some(i) = names.iter().position(|n| n.eq_ignore_ascii_case(text)) {
        return u8::try_from(i).ok().map(|i| min + i);
    }
    if text.is_empty() || text.len() > 2 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse::<u8>().ok().filter(|v| (min..=max).contains(v))
}

fn day_of_month(field: &str) -> Option<DayRule> {
    if field.eq_ignore_ascii_case("L") {
        return Some(DayRule::LastDayOfMonth);
    }
    if field.eq_ignore_ascii_case("LW") {
        return Some(DayRule::LastWeekdayOfMonth);
    }
    if let Some(n) = field.strip_suffix(['W', 'w']) {
        return value(n, 1, 31, &[]).map(DayRule::NearestWeekday);
    }
    bitset(field, 1, 31, &[]).map(|mask| DayRule::MonthDays(mask as u32))
}

fn day_of_week(field: &str) -> Option<DayRule> {
    if field.eq_ignore_ascii_case("L") {
        // Alone, `L` in day-of-week is its last day, Saturday.
        return Some(DayRule::WeekDays(1 << 7));
    }
    if let Some((d, n)) = field.split_once('#') {
        let weekday = value(d, 1, 7, &WEEKDAYS)?;
        let nth = value(n, 1, 5, &[])?;
        return Some(DayRule::NthWeekday { weekday, nth });
    }
    if let Some(d) = field.strip_suffix(['L', 'l']) {
        return value(d, 1, 7, &WEEKDAYS).map(DayRule::LastOfWeekday);
    }
    bitset(field, 1, 7, &WEEKDAYS).map(|mask| DayRule::WeekDays(mask as u8))
}

fn is_weekend(date: Date) -> bool {
    matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday)
}

fn last_weekday(year: i32, month: Month) -> u8 {
    let mut day = month.length(year);
    while Date::from_calendar_date(year, month, day).is_ok_and(is_weekend) {
        day -= 1;
    }
    day
}

/// The Monday-to-Friday nearest day `n` of the month, without leaving the month: a Saturday
/// the 1st moves to Monday the 3rd, a Sunday on the last day to the Friday before.
fn nearest_weekday(year: i32, month: Month, n: u8) -> u8 {
    let last = month.length(year);
    let Ok(date) = Date::from_calendar_date(year, month, n) else { return n };
    match date.weekday() {
        Weekday::Saturday if n == 1 => 3,
        Weekday::Saturday => n - 1,
        Weekday::Sunday if n == last => n - 2,
        Weekday::Sunday => n + 1,
        _ => n,
    }
}

#[cfg(test)]
#[path = "cron_tests.rs"]
mod tests;
