//! Secrets Manager rotation, independent of where secrets are stored.
//!
//! * [`schedule`]: `RotationRules` (`AutomaticallyAfterDays`, `rate(...)`, `cron(...)`,
//!   `Duration`), validated as AWS validates them, and the next rotation window.
//!
//! This crate knows no wire format and no storage.

pub mod schedule;

pub use schedule::{CronField, RotationRules, RotationRulesInput, ScheduleError, Window};
