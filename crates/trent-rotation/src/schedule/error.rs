//! Why a `RotationRules` value is refused.
//!
//! Each variant carries the typed facts of the refusal; the wire layer renders AWS's sentence
//! (`InvalidParameterException` / `InvalidRequestException`) once, from these.

/// A field of a Secrets Manager cron expression that can hold a schedule (minutes and year are
/// fixed by Secrets Manager and have their own variants).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CronField {
    /// The second field, 0-23.
    Hours,
    /// The third field, 1-31, `, - * ? / L W`.
    DayOfMonth,
    /// The fourth field, 1-12 or JAN-DEC, `, - * /`.
    Month,
    /// The fifth field, 1-7 or SUN-SAT, `, - * ? / L #`.
    DayOfWeek,
}

/// A refused rotation schedule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    /// `AutomaticallyAfterDays` and `ScheduleExpression` were both given.
    #[error("AutomaticallyAfterDays and ScheduleExpression are mutually exclusive")]
    BothAfterDaysAndExpression,
    /// Neither `AutomaticallyAfterDays` nor `ScheduleExpression` was given.
    #[error("no rotation schedule")]
    NoSchedule,
    /// `AutomaticallyAfterDays` outside 1..=1000.
    #[error("AutomaticallyAfterDays {value} is outside 1..=1000")]
    AfterDaysOutOfRange {
        /// The value given.
        value: i64,
    },
    /// `Duration` is not `<hours>h`.
    #[error("Duration is not a number of hours such as 3h")]
    DurationMalformed,
    /// `Duration` is not between 1 and 24 hours.
    #[error("Duration of {hours} hours is outside 1..=24")]
    DurationOutOfRange {
        /// The hours given.
        hours: u32,
    },
    /// The expression is neither `rate(...)` nor `cron(...)`, or breaks the model's pattern.
    #[error("the schedule expression is neither rate(...) nor cron(...)")]
    ExpressionMalformed,
    /// `rate(...)` whose value is not a positive integer followed by `hour(s)` or `day(s)`.
    #[error("the rate expression is not rate(<value> hours|days)")]
    RateMalformed,
    /// `rate(N hours)` with N outside 4..=23: Secrets Manager rotates at most every four
    /// hours, and longer intervals are written in days.
    #[error("rate of {hours} hours is outside 4..=23")]
    RateHoursOutOfRange {
        /// The hours given.
        hours: u64,
    },
    /// `rate(N days)` with N outside 1..=999.
    #[error("rate of {days} days is outside 1..=999")]
    RateDaysOutOfRange {
        /// The days given.
        days: u64,
    },
    /// A cron expression without exactly six fields.
    #[error("a cron expression has six fields, this one has {found}")]
    CronFieldCount {
        /// How many fields were found.
        found: usize,
    },
    /// The minutes field is not `0`: rotation windows open on the hour.
    #[error("the minutes field of a rotation cron expression must be 0")]
    CronMinutesNotZero,
    /// The year field is not `*`.
    #[error("the year field of a rotation cron expression must be *")]
    CronYearNotWildcard,
    /// A field holds a value or wildcard its grammar does not allow.
    #[error("the {field:?} field of the cron expression is invalid")]
    CronFieldInvalid {
        /// The offending field.
        field: CronField,
    },
    /// Day-of-month and day-of-week are both set, or both `?`: exactly one must be `?`.
    #[error("exactly one of day-of-month and day-of-week must be ?")]
    CronDayFieldsConflict,
    /// Two rotation windows of a cron schedule open less than four hours apart.
    #[error("rotation windows {gap_hours} hours apart; the minimum is 4")]
    CronTooFrequent {
        /// The smallest gap between two window starts, in hours.
        gap_hours: u8,
    },
    /// The schedule leaves a calendar year without a rotation (or never fires at all):
    /// Secrets Manager schedules are never more than a year apart.
    #[error("the cron expression does not rotate at least once a year")]
    CronTooSparse,
    /// The window would run past the end of the UTC day.
    #[error("a window opening at {start_hour}:00 for {duration_hours} hours runs into the next UTC day")]
    WindowPastEndOfDay {
        /// The latest hour a window opens.
        start_hour: u8,
        /// The window's length.
        duration_hours: u8,
    },
    /// The window is longer than the interval between two windows.
    #[error("a window of {duration_hours} hours runs into the next window, {interval_hours} hours later")]
    WindowOverlapsNext {
        /// The window's length.
        duration_hours: u8,
        /// The shortest interval between two window starts.
        interval_hours: u8,
    },
}
