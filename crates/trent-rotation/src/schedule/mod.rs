//! `RotationRules`: when a secret rotates.
//!
//! A schedule is `AutomaticallyAfterDays`, or a `ScheduleExpression` — `rate(N hours|days)` or
//! `cron(...)` in AWS's grammar (see [`cron`](self::cron)) — with an optional `Duration`
//! window (`Nh`). All times are UTC. The rules, from the Secrets Manager User Guide's
//! "Schedule expressions in Secrets Manager rotation" and the `RotationRulesType` reference:
//!
//! * windows open on the hour; a rate window opens at midnight (a rate in hours every N hours
//!   counted from midnight of the day of the last rotation), a cron window at the hours it
//!   names;
//! * without `Duration` a window closes after one hour for a schedule in hours, at the end of
//!   the UTC day for a schedule in days;
//! * a window never runs into the next UTC day nor into the next window, and windows are at
//!   least four hours apart;
//! * a rate in days, and `AutomaticallyAfterDays`, count from the previous rotation.
//!
//! Validation answers typed [`ScheduleError`]s; the wire layer renders AWS's sentences.
//! Nothing here reads a clock: callers pass the times.

mod cron;
mod error;

use time::{Duration, OffsetDateTime, Time};

pub use error::{CronField, ScheduleError};

use self::cron::Cron;

/// The members of `RotationRulesType` as received, before validation.
#[derive(Debug, Clone, Copy, Default)]
pub struct RotationRulesInput<'a> {
    /// `AutomaticallyAfterDays`.
    pub automatically_after_days: Option<i64>,
    /// `Duration`, such as `3h`.
    pub duration: Option<&'a str>,
    /// `ScheduleExpression`: `rate(...)` or `cron(...)`.
    pub schedule_expression: Option<&'a str>,
}

/// How windows follow each other.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Schedule {
    /// `AutomaticallyAfterDays` or `rate(N days)`: N days after the previous rotation.
    Days(u16),
    /// `rate(N hours)`: every N hours from midnight of the previous rotation's day.
    Hours(u8),
    /// `cron(...)`.
    Cron(Cron),
}

/// A validated rotation schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RotationRules {
    /// Kept as given, because `DescribeSecret` returns the rules as they were set.
    automatically_after_days: Option<u16>,
    /// Kept as given, for the same reason.
    schedule_expression: Option<String>,
    /// The `Duration` as given, in hours.
    duration: Option<u8>,
    schedule: Schedule,
    /// The length of every window: `duration`, or the default for the schedule.
    window_hours: u8,
}

/// One rotation window, `[start, end)`, in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// When the window opens (on the hour).
    pub start: OffsetDateTime,
    /// When it closes.
    pub end: OffsetDateTime,
}

impl Window {
    /// Whether `t` is inside the window: rotation may run now.
    pub fn contains(&self, t: OffsetDateTime) -> bool {
        self.start <= t && t < self.end
    }
}

const HOUR: i64 = 3600;
const DAY: i64 = 24 * HOUR;

impl RotationRules {
    /// Validates `RotationRulesType` as AWS does.
    ///
    /// # Errors
    /// A [`ScheduleError`] naming the first rule broken.
    pub fn parse(input: RotationRulesInput<'_>) -> Result<Self, ScheduleError> {
        let duration = input.duration.map(parse_duration).transpose()?;
        let (after_days, schedule) = match (input.automatically_after_days, input.schedule_expression) {
            (Some(_), Some(_)) => return Err(ScheduleError::BothAfterDaysAndExpression),
            (None, None) => return Err(ScheduleError::NoSchedule),
            (Some(days), None) => {
                let days = u16::try_from(days)
                    .ok()
                    .filter(|d| (1..=1000).contains(d))
                    .ok_or(ScheduleError::AfterDaysOutOfRange { value: days })?;
                (Some(days), Schedule::Days(days))
            }
            (None, Some(expr)) => (None, parse_expression(expr)?),
        };
        let window_hours = window_hours(&schedule, duration)?;
        Ok(RotationRules {
            automatically_after_days: after_days,
            schedule_expression: input.schedule_expression.map(str::to_owned),
            duration,
            schedule,
            window_hours,
        })
    }

    /// `AutomaticallyAfterDays` as set, if it was.
    pub fn automatically_after_days(&self) -> Option<u16> {
        self.automatically_after_days
    }

    /// `ScheduleExpression` as set, if it was.
    pub fn schedule_expression(&self) -> Option<&str> {
        self.schedule_expression.as_deref()
    }

    /// `Duration` as set, in hours, if it was.
    pub fn duration_hours(&self) -> Option<u8> {
        self.duration
    }

    /// The length of every window, set or defaulted, in hours.
    pub fn window_hours(&self) -> u8 {
        self.window_hours
    }

    /// Whether the schedule is in hours (default window one hour) rather than in days.
    pub fn is_in_hours(&self) -> bool {
        match &self.schedule {
            Schedule::Days(_) => false,
            Schedule::Hours(_) => true,
            Schedule::Cron(c) => c.is_in_hours(),
        }
    }

    /// The next rotation window: the first window that opens after `last_rotated` (or after
    /// `after` when the secret has never rotated) and has not closed by `after`. A window
    /// missed while the server was down is therefore skipped, never run late; the window
    /// open at `after` is returned when it opened after the last rotation.
    ///
    /// `None` only past the calendar's end (year 9999): validation guarantees a window at
    /// least once a year.
    pub fn next_window(&self, after: OffsetDateTime, last_rotated: Option<OffsetDateTime>) -> Option<Window> {
        let after = after.to_offset(time::UtcOffset::UTC);
        let anchor = last_rotated.map_or(after, |t| t.to_offset(time::UtcOffset::UTC));
        let length = Duration::hours(i64::from(self.window_hours));
        // A window qualifies when start > bound: after the last rotation, and closing after `after`.
        let bound = anchor.max(after.checked_sub(length)?);
        let start = match &self.schedule {
            Schedule::Days(n) => first_step_after(midnight(anchor), i64::from(*n) * DAY, bound)?,
            Schedule::Hours(n) => first_step_after(midnight(anchor), i64::from(*n) * HOUR, bound)?,
            Schedule::Cron(cron) => first_fire_after(cron, bound)?,
        };
        Some(Window { start, end: start.checked_add(length)? })
    }
}

fn midnight(t: OffsetDateTime) -> OffsetDateTime {
    t.replace_time(Time::MIDNIGHT)
}

/// `origin + k * step` for the smallest k >= 1 that is later than `bound`.
fn first_step_after(origin: OffsetDateTime, step: i64, bound: OffsetDateTime) -> Option<OffsetDateTime> {
    let elapsed = (bound - origin).whole_seconds();
    let k = if elapsed < 0 { 1 } else { elapsed / step + 1 };
    origin.checked_add(Duration::seconds(k.checked_mul(step)?))
}

/// The first window start of `cron` later than `bound`.
fn first_fire_after(cron: &Cron, bound: OffsetDateTime) -> Option<OffsetDateTime> {
    let mut day = bound.date();
    // Every validated schedule fires in every calendar year, so two years always suffice.
    for _ in 0..(2 * 366 + 1) {
        if cron.fires_on(day) {
            for hour in cron.hours() {
                let start = OffsetDateTime::new_utc(day, Time::from_hms(hour, 0, 0).ok()?);
                if start > bound {
                    return Some(start);
                }
            }
        }
        day = day.next_day()?;
    }
    None
}

fn parse_duration(text: &str) -> Result<u8, ScheduleError> {
    let digits = text.strip_suffix('h').ok_or(ScheduleError::DurationMalformed)?;
    // The model allows 2..=3 characters: one or two digits and `h`.
    if digits.is_empty() || digits.len() > 2 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ScheduleError::DurationMalformed);
    }
    let hours: u32 = digits.parse().map_err(|_| ScheduleError::DurationMalformed)?;
    u8::try_from(hours).ok().filter(|h| (1..=24).contains(h)).ok_or(ScheduleError::DurationOutOfRange { hours })
}

fn parse_expression(expr: &str) -> Result<Schedule, ScheduleError> {
    let inner = |prefix: &str| expr.strip_prefix(prefix).and_then(|rest| rest.strip_suffix(')'));
    if let Some(body) = inner("rate(") {
        parse_rate(body)
    } else if let Some(body) = inner("cron(") {
        Cron::parse(body).map(Schedule::Cron)
    } else {
        Err(ScheduleError::ExpressionMalformed)
    }
}

fn parse_rate(body: &str) -> Result<Schedule, ScheduleError> {
    let mut parts = body.split(' ');
    let (Some(value), Some(unit), None) = (parts.next(), parts.next(), parts.next()) else {
        return Err(ScheduleError::RateMalformed);
    };
    if value.is_empty() || value.len() > 10 || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ScheduleError::RateMalformed);
    }
    let n: u64 = value.parse().map_err(|_| ScheduleError::RateMalformed)?;
    match unit {
        "hour" | "hours" => u8::try_from(n)
            .ok()
            .filter(|h| (4..=23).contains(h))
            .map(Schedule::Hours)
            .ok_or(ScheduleError::RateHoursOutOfRange { hours: n }),
        "day" | "days" => u16::try_from(n)
            .ok()
            .filter(|d| (1..=999).contains(d))
            .map(Schedule::Days)
            .ok_or(ScheduleError::RateDaysOutOfRange { days: n }),
        _ => Err(ScheduleError::RateMalformed),
    }
}

/// The window length: the given `Duration` checked against the schedule, or its default.
fn window_hours(schedule: &Schedule, duration: Option<u8>) -> Result<u8, ScheduleError> {
    // (latest opening hour, shortest interval between openings, default length)
    let (last_start, interval, default) = match schedule {
        Schedule::Days(_) => (Some(0), None, 24),
        // Hourly rate windows are not tied to the day: only the next window bounds them.
        Schedule::Hours(n) => (None, Some(*n), 1),
        Schedule::Cron(cron) if cron.is_in_hours() => (Some(cron.last_hour()), cron.min_gap_hours(), 1),
        Schedule::Cron(cron) => (Some(cron.last_hour()), None, 24 - cron.last_hour()),
    };
    let Some(hours) = duration else { return Ok(default) };
    if let Some(start_hour) = last_start
        && start_hour + hours > 24
    {
        return Err(ScheduleError::WindowPastEndOfDay { start_hour, duration_hours: hours });
    }
    if let Some(interval_hours) = interval
        && hours > interval_hours
    {
        return Err(ScheduleError::WindowOverlapsNext { duration_hours: hours, interval_hours });
    }
    Ok(hours)
}

#[cfg(test)]
mod tests;
