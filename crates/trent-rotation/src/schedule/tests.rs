use time::macros::datetime;

use super::*;

fn rules(days: Option<i64>, expr: Option<&str>, duration: Option<&str>) -> Result<RotationRules, ScheduleError> {
    RotationRules::parse(RotationRulesInput { automatically_after_days: days, duration, schedule_expression: expr })
}

fn expr(e: &str) -> RotationRules {
    rules(None, Some(e), None).unwrap_or_else(|err| panic!("{e}: {err:?}"))
}

fn window(r: &RotationRules, after: OffsetDateTime, last: Option<OffsetDateTime>) -> (OffsetDateTime, OffsetDateTime) {
    let w = r.next_window(after, last).expect("a window");
    (w.start, w.end)
}

#[test]
fn after_days_and_expression_exclude_each_other() {
    assert_eq!(rules(Some(3), Some("rate(3 days)"), None), Err(ScheduleError::BothAfterDaysAndExpression));
    assert_eq!(rules(None, None, None), Err(ScheduleError::NoSchedule));
    assert_eq!(rules(None, None, Some("3h")), Err(ScheduleError::NoSchedule));
}

#[test]
fn after_days_bounds() {
    assert_eq!(rules(Some(0), None, None), Err(ScheduleError::AfterDaysOutOfRange { value: 0 }));
    assert_eq!(rules(Some(1001), None, None), Err(ScheduleError::AfterDaysOutOfRange { value: 1001 }));
    assert_eq!(rules(Some(-5), None, None), Err(ScheduleError::AfterDaysOutOfRange { value: -5 }));
    assert_eq!(rules(Some(1), None, None).unwrap().automatically_after_days(), Some(1));
    assert_eq!(rules(Some(1000), None, None).unwrap().window_hours(), 24);
}

#[test]
fn durations() {
    for (text, want) in [("1h", Ok(1)), ("24h", Ok(24)), ("09h", Ok(9))] {
        assert_eq!(parse_duration(text), want, "{text}");
    }
    for text in ["h", "3", "3H", "100h", "3hh", " 3h", "-1h", "1.5h", ""] {
        assert_eq!(parse_duration(text), Err(ScheduleError::DurationMalformed), "{text}");
    }
    assert_eq!(parse_duration("0h"), Err(ScheduleError::DurationOutOfRange { hours: 0 }));
    assert_eq!(parse_duration("25h"), Err(ScheduleError::DurationOutOfRange { hours: 25 }));
    assert_eq!(parse_duration("99h"), Err(ScheduleError::DurationOutOfRange { hours: 99 }));
}

#[test]
fn rate_expressions() {
    assert!(expr("rate(4 hours)").is_in_hours());
    assert!(!expr("rate(1 day)").is_in_hours());
    assert_eq!(expr("rate(10 days)").window_hours(), 24);
    assert_eq!(expr("rate(12 hours)").window_hours(), 1);
    assert!(rules(None, Some("rate(999 days)"), None).is_ok());
    let refused = [
        ("rate(3 hours)", ScheduleError::RateHoursOutOfRange { hours: 3 }),
        ("rate(24 hours)", ScheduleError::RateHoursOutOfRange { hours: 24 }),
        ("rate(0 days)", ScheduleError::RateDaysOutOfRange { days: 0 }),
        ("rate(1000 days)", ScheduleError::RateDaysOutOfRange { days: 1000 }),
        ("rate(99999999999 days)", ScheduleError::RateMalformed),
        ("rate(3 weeks)", ScheduleError::RateMalformed),
        ("rate(3 minutes)", ScheduleError::RateMalformed),
        ("rate(days)", ScheduleError::RateMalformed),
        ("rate(-3 days)", ScheduleError::RateMalformed),
        ("rate(3  days)", ScheduleError::RateMalformed),
        ("rate(3 days", ScheduleError::ExpressionMalformed),
        ("RATE(3 days)", ScheduleError::ExpressionMalformed),
        ("every 3 days", ScheduleError::ExpressionMalformed),
        ("", ScheduleError::ExpressionMalformed),
    ];
    for (e, want) in refused {
        assert_eq!(rules(None, Some(e), None), Err(want), "{e}");
    }
}

#[test]
fn default_windows() {
    // In days: to the end of the day. In hours: one hour.
    assert_eq!(expr("cron(0 16 L * ? *)").window_hours(), 8);
    assert_eq!(expr("cron(0 0 ? * SUN#1 *)").window_hours(), 24);
    assert_eq!(expr("cron(0 4/12 * * ? *)").window_hours(), 1);
    assert!(expr("cron(0 4/12 * * ? *)").is_in_hours());
    assert!(!expr("cron(0 23 * * ? *)").is_in_hours());
}

#[test]
fn windows_stay_in_their_day_and_before_the_next() {
    let r = |e: &str, d: &str| rules(None, Some(e), Some(d));
    assert_eq!(r("cron(0 16 L * ? *)", "8h").unwrap().window_hours(), 8);
    assert_eq!(
        r("cron(0 16 L * ? *)", "9h"),
        Err(ScheduleError::WindowPastEndOfDay { start_hour: 16, duration_hours: 9 })
    );
    assert_eq!(r("rate(2 days)", "24h").unwrap().window_hours(), 24);
    assert_eq!(rules(Some(5), None, Some("3h")).unwrap().window_hours(), 3);
    assert_eq!(
        r("rate(6 hours)", "7h"),
        Err(ScheduleError::WindowOverlapsNext { duration_hours: 7, interval_hours: 6 })
    );
    assert_eq!(r("rate(6 hours)", "6h").unwrap().window_hours(), 6);
    assert_eq!(
        r("cron(0 4/12 * * ? *)", "13h"),
        Err(ScheduleError::WindowPastEndOfDay { start_hour: 16, duration_hours: 13 })
    );
    assert_eq!(
        r("cron(0 0,10 * * ? *)", "11h"),
        Err(ScheduleError::WindowOverlapsNext { duration_hours: 11, interval_hours: 10 })
    );
    assert_eq!(r("cron(0 0,10 * * ? *)", "10h").unwrap().window_hours(), 10);
}

#[test]
fn the_rules_are_kept_as_given() {
    let r = rules(None, Some("cron(0 4/12 * * ? *)"), Some("2h")).unwrap();
    assert_eq!(r.schedule_expression(), Some("cron(0 4/12 * * ? *)"));
    assert_eq!(r.duration_hours(), Some(2));
    assert_eq!(r.automatically_after_days(), None);
    let r = rules(Some(30), None, None).unwrap();
    assert_eq!(r.duration_hours(), None);
    assert_eq!(r.schedule_expression(), None);
}

#[test]
fn days_count_from_the_last_rotation() {
    let r = rules(Some(30), None, None).unwrap();
    let last = datetime!(2025-01-10 15:42 UTC);
    assert_eq!(
        window(&r, datetime!(2025-01-10 15:43 UTC), Some(last)),
        (datetime!(2025-02-09 00:00 UTC), datetime!(2025-02-10 00:00 UTC))
    );
    // Never rotated: counted from `after`.
    assert_eq!(window(&r, last, None), (datetime!(2025-02-09 00:00 UTC), datetime!(2025-02-10 00:00 UTC)));
    // Inside the due window: that window.
    assert_eq!(
        window(&r, datetime!(2025-02-09 13:00 UTC), Some(last)),
        (datetime!(2025-02-09 00:00 UTC), datetime!(2025-02-10 00:00 UTC))
    );
    // Missed windows are skipped, never run late.
    assert_eq!(
        window(&r, datetime!(2025-03-20 00:00 UTC), Some(last)),
        (datetime!(2025-04-10 00:00 UTC), datetime!(2025-04-11 00:00 UTC))
    );
    let short = rules(None, Some("rate(1 day)"), Some("2h")).unwrap();
    assert_eq!(
        window(&short, datetime!(2025-01-11 01:59 UTC), Some(last)),
        (datetime!(2025-01-11 00:00 UTC), datetime!(2025-01-11 02:00 UTC))
    );
    assert_eq!(
        window(&short, datetime!(2025-01-11 02:00 UTC), Some(last)),
        (datetime!(2025-01-12 00:00 UTC), datetime!(2025-01-12 02:00 UTC))
    );
}

#[test]
fn hour_rates_count_from_midnight_of_the_last_rotation() {
    let r = expr("rate(5 hours)");
    let last = datetime!(2025-06-01 07:30 UTC);
    assert_eq!(window(&r, last, Some(last)), (datetime!(2025-06-01 10:00 UTC), datetime!(2025-06-01 11:00 UTC)));
    // 20:00 then 01:00: the sequence runs on across midnight.
    let last = datetime!(2025-06-01 20:10 UTC);
    assert_eq!(window(&r, last, Some(last)), (datetime!(2025-06-02 01:00 UTC), datetime!(2025-06-02 02:00 UTC)));
}

#[test]
fn cron_windows() {
    let r = expr("cron(0 4/12 * * ? *)");
    let t = datetime!(2025-06-01 03:00 UTC);
    assert_eq!(window(&r, t, None), (datetime!(2025-06-01 04:00 UTC), datetime!(2025-06-01 05:00 UTC)));
    let t = datetime!(2025-06-01 16:00 UTC);
    assert_eq!(window(&r, t, None), (datetime!(2025-06-02 04:00 UTC), datetime!(2025-06-02 05:00 UTC)));
    // Open and not yet used: that window.
    let last = datetime!(2025-06-01 05:00 UTC);
    assert_eq!(
        window(&r, datetime!(2025-06-01 16:30 UTC), Some(last)),
        (datetime!(2025-06-01 16:00 UTC), datetime!(2025-06-01 17:00 UTC))
    );
    // Used by the rotation that just happened: the next one.
    let last = datetime!(2025-06-01 16:20 UTC);
    assert_eq!(
        window(&r, datetime!(2025-06-01 16:30 UTC), Some(last)),
        (datetime!(2025-06-02 04:00 UTC), datetime!(2025-06-02 05:00 UTC))
    );

    let r = expr("cron(0 16 L * ? *)");
    assert_eq!(
        window(&r, datetime!(2024-02-10 00:00 UTC), None),
        (datetime!(2024-02-29 16:00 UTC), datetime!(2024-03-01 00:00 UTC))
    );
    let r = expr("cron(0 0 ? * SUN#1 *)");
    assert_eq!(
        window(&r, datetime!(2025-12-01 00:00 UTC), None),
        (datetime!(2025-12-07 00:00 UTC), datetime!(2025-12-08 00:00 UTC))
    );
    // Once a year, across the new year.
    let r = expr("cron(0 9 1 JAN ? *)");
    assert_eq!(
        window(&r, datetime!(2025-01-01 12:00 UTC), Some(datetime!(2025-01-01 10:00 UTC))),
        (datetime!(2026-01-01 09:00 UTC), datetime!(2026-01-02 00:00 UTC))
    );
}

#[test]
fn offsets_other_than_utc_are_the_same_instant() {
    let r = expr("cron(0 4/12 * * ? *)");
    let utc = datetime!(2025-06-01 03:00 UTC);
    let cet = datetime!(2025-06-01 05:00 +02:00);
    assert_eq!(r.next_window(utc, None), r.next_window(cet, None));
    assert_eq!(r.next_window(cet, None).unwrap().start.offset(), time::UtcOffset::UTC);
}

#[test]
fn the_calendars_end_is_none_not_a_panic() {
    let r = rules(Some(1000), None, None).unwrap();
    assert_eq!(r.next_window(datetime!(9999-12-30 00:00 UTC), None), None);
    assert_eq!(expr("cron(0 9 1 JAN ? *)").next_window(datetime!(9999-06-01 00:00 UTC), None), None);
}

/// For many schedules, durations and instants: the window is as long as the rules say, opens
/// on the hour after the last rotation, has not closed at `after`, and no earlier qualifying
/// window was skipped (checked hour by hour against the schedule's own definition).
#[test]
fn windows_are_the_first_qualifying_ones() {
    let schedules = [
        (None, Some("cron(0 4/12 * * ? *)"), Some("3h")),
        (None, Some("cron(0 0/6 ? * MON-FRI *)"), None),
        (None, Some("cron(0 16 L * ? *)"), None),
        (None, Some("cron(0 7 15W * ? *)"), Some("2h")),
        (None, Some("cron(0 0 ? * 6L *)"), None),
        (None, Some("rate(7 hours)"), Some("7h")),
        (None, Some("rate(3 days)"), Some("5h")),
        (Some(2), None, None),
    ];
    let base = datetime!(2024-02-25 00:00 UTC);
    for (days, e, d) in schedules {
        let r = rules(days, e, d).unwrap();
        let len = Duration::hours(i64::from(r.window_hours()));
        for step in 0..200i64 {
            // Irregular instants over about two months.
            let after = base + Duration::minutes(step * 397);
            let last = (step % 3 != 0).then(|| after - Duration::minutes(step * 131 % 5000));
            let w = r.next_window(after, last).unwrap();
            assert_eq!(w.end - w.start, len, "{e:?} {after}");
            assert_eq!((w.start.minute(), w.start.second()), (0, 0));
            assert!(w.end > after, "{e:?} {after}: {w:?}");
            assert!(w.contains(w.start) && !w.contains(w.end) && w.contains(w.end - Duration::SECOND));
            assert_eq!(w.contains(after), w.start <= after);
            if let Some(last) = last {
                assert!(w.start > last, "{e:?} {after} {last}: {w:?}");
            }
            if let Some(Schedule::Cron(cron)) = Some(&r.schedule) {
                assert!(cron.fires_on(w.start.date()) && cron.hours().any(|h| h == w.start.hour()));
                // No earlier hour qualifies.
                let lower = last.unwrap_or(after).max(after - len);
                let mut t = w.start - Duration::HOUR;
                while t > lower {
                    let fires = cron.fires_on(t.date()) && cron.hours().any(|h| h == t.hour()) && t.minute() == 0;
                    assert!(!fires, "{e:?} skipped {t} before {w:?}");
                    t -= Duration::HOUR;
                }
            }
        }
    }
}
