use time::macros::date;

use super::*;

fn parse(body: &str) -> Result<Cron, ScheduleError> {
    Cron::parse(body)
}

fn hours(c: &Cron) -> Vec<u8> {
    c.hours().collect()
}

#[test]
fn documented_examples_parse() {
    // The examples of the User Guide's schedule page.
    for body in [
        "0 4/12 * * ? *",
        "0 8/8 * * ? *",
        "0 2/10 * * ? *",
        "0 8 1/7 * ? *",
        "0 0 ? * SUN#1 *",
        "0 16 L * ? *",
        "0 10 ? * 2-6 *",
        "0 0 1 JAN,APR,JUL,OCT ? *",
        "0 9 ? * MON-FRI *",
        "0 23 15W * ? *",
        "0 0 LW * ? *",
        "0 6 ? * 6L *",
        "0 6 ? * friL *",
        "0 12 ? * L *",
    ] {
        assert!(parse(body).is_ok(), "{body}: {:?}", parse(body));
    }
}

#[test]
fn hour_increments_restart_each_day() {
    assert_eq!(hours(&parse("0 4/12 * * ? *").unwrap()), [4, 16]);
    assert_eq!(hours(&parse("0 0/4 * * ? *").unwrap()), [0, 4, 8, 12, 16, 20]);
    assert_eq!(hours(&parse("0 1-13/6 * * ? *").unwrap()), [1, 7, 13]);
    assert_eq!(hours(&parse("0 */8 * * ? *").unwrap()), [0, 8, 16]);
    assert_eq!(hours(&parse("0 3,9,22 * * ? *").unwrap()), [3, 9, 22]);
}

#[test]
fn fixed_fields_are_enforced() {
    assert_eq!(parse("5 4 * * ? *"), Err(ScheduleError::CronMinutesNotZero));
    assert_eq!(parse("00 4 * * ? *"), Err(ScheduleError::CronMinutesNotZero));
    assert_eq!(parse("0 4 * * ? 2030"), Err(ScheduleError::CronYearNotWildcard));
    assert_eq!(parse("0 4 * * ?"), Err(ScheduleError::CronFieldCount { found: 5 }));
    assert_eq!(parse("0 4 * * ? * *"), Err(ScheduleError::CronFieldCount { found: 7 }));
    assert_eq!(parse(""), Err(ScheduleError::CronFieldCount { found: 0 }));
}

#[test]
fn exactly_one_day_field_is_a_question_mark() {
    assert_eq!(parse("0 4 * * * *"), Err(ScheduleError::CronDayFieldsConflict));
    assert_eq!(parse("0 4 1 * MON *"), Err(ScheduleError::CronDayFieldsConflict));
    assert_eq!(parse("0 4 ? * ? *"), Err(ScheduleError::CronDayFieldsConflict));
}

#[test]
fn values_outside_their_field_are_refused() {
    let invalid = |field| Err(ScheduleError::CronFieldInvalid { field });
    assert_eq!(parse("0 24 * * ? *"), invalid(CronField::Hours));
    assert_eq!(parse("0 -1 * * ? *"), invalid(CronField::Hours));
    assert_eq!(parse("0 4/0 * * ? *"), invalid(CronField::Hours));
    assert_eq!(parse("0 12-4 * * ? *"), invalid(CronField::Hours));
    assert_eq!(parse("0 L * * ? *"), invalid(CronField::Hours));
    assert_eq!(parse("0 4 0 * ? *"), invalid(CronField::DayOfMonth));
    assert_eq!(parse("0 4 32 * ? *"), invalid(CronField::DayOfMonth));
    assert_eq!(parse("0 4 L,15 * ? *"), invalid(CronField::DayOfMonth));
    assert_eq!(parse("0 4 1#2 * ? *"), invalid(CronField::DayOfMonth));
    assert_eq!(parse("0 4 * 13 ? *"), invalid(CronField::Month));
    assert_eq!(parse("0 4 * JANUARY ? *"), invalid(CronField::Month));
    assert_eq!(parse("0 4 * L ? *"), invalid(CronField::Month));
    assert_eq!(parse("0 4 ? * 8 *"), invalid(CronField::DayOfWeek));
    assert_eq!(parse("0 4 ? * 0 *"), invalid(CronField::DayOfWeek));
    assert_eq!(parse("0 4 ? * MON#6 *"), invalid(CronField::DayOfWeek));
    assert_eq!(parse("0 4 ? * MON#0 *"), invalid(CronField::DayOfWeek));
    assert_eq!(parse("0 4 ? * 2W *"), invalid(CronField::DayOfWeek));
    assert_eq!(parse("0 4 ? * MON,L *"), invalid(CronField::DayOfWeek));
}

#[test]
fn names_are_case_insensitive() {
    assert_eq!(parse("0 4 ? * mon-fri *"), parse("0 4 ? * 2-6 *"));
    assert_eq!(parse("0 4 1 jan,Jul ? *"), parse("0 4 1 1,7 ? *"));
}

#[test]
fn windows_less_than_four_hours_apart_are_refused() {
    assert_eq!(parse("0 * * * ? *"), Err(ScheduleError::CronTooFrequent { gap_hours: 1 }));
    assert_eq!(parse("0 0/3 * * ? *"), Err(ScheduleError::CronTooFrequent { gap_hours: 3 }));
    // 22:00 then 01:00 the next day is three hours.
    assert_eq!(parse("0 1,22 * * ? *"), Err(ScheduleError::CronTooFrequent { gap_hours: 3 }));
    assert!(parse("0 0/4 * * ? *").is_ok());
    assert_eq!(parse("0 4/12 * * ? *").unwrap().min_gap_hours(), Some(12));
    assert_eq!(parse("0 4 * * ? *").unwrap().min_gap_hours(), None);
}

#[test]
fn schedules_that_skip_a_year_are_refused() {
    // February 30th never comes; February 29th skips three years in four.
    assert_eq!(parse("0 4 30 FEB ? *"), Err(ScheduleError::CronTooSparse));
    assert_eq!(parse("0 4 29 FEB ? *"), Err(ScheduleError::CronTooSparse));
    // A fifth Monday of January exists only in some years.
    assert_eq!(parse("0 4 ? JAN MON#5 *"), Err(ScheduleError::CronTooSparse));
    assert!(parse("0 4 28 FEB ? *").is_ok());
    assert!(parse("0 4 ? JAN MON#4 *").is_ok());
    assert!(parse("0 4 L FEB ? *").is_ok());
}

#[test]
fn day_rules_pick_the_right_days() {
    let c = parse("0 4 L * ? *").unwrap();
    assert!(c.fires_on(date!(2024 - 02 - 29)));
    assert!(!c.fires_on(date!(2024 - 02 - 28)));
    assert!(c.fires_on(date!(2025 - 02 - 28)));
    assert!(c.fires_on(date!(2025 - 04 - 30)));

    // 2025-11-30 is a Sunday: the last weekday of November 2025 is Friday the 28th.
    let c = parse("0 4 LW * ? *").unwrap();
    assert!(c.fires_on(date!(2025 - 11 - 28)));
    assert!(!c.fires_on(date!(2025 - 11 - 30)));

    let c = parse("0 4 15W * ? *").unwrap();
    // 2025-11-15 is a Saturday: Friday the 14th. 2025-06-15 is a Sunday: Monday the 16th.
    assert!(c.fires_on(date!(2025 - 11 - 14)));
    assert!(!c.fires_on(date!(2025 - 11 - 15)));
    assert!(c.fires_on(date!(2025 - 06 - 16)));
    assert!(c.fires_on(date!(2025 - 12 - 15)));

    // Saturday the 1st moves forward to Monday the 3rd, not back into the previous month.
    let c = parse("0 4 1W * ? *").unwrap();
    assert!(c.fires_on(date!(2025 - 11 - 03)));
    assert!(!c.fires_on(date!(2025 - 10 - 31)));
    // Sunday the 31st (August 2025) moves back to Friday the 29th.
    let c = parse("0 4 31W * ? *").unwrap();
    assert!(c.fires_on(date!(2025 - 08 - 29)));
    // A 31W never fires in a 30-day month.
    assert!(!c.fires_on(date!(2025 - 09 - 30)));

    let c = parse("0 0 ? * SUN#1 *").unwrap();
    assert!(c.fires_on(date!(2025 - 12 - 07)));
    assert!(!c.fires_on(date!(2025 - 12 - 14)));
    let c = parse("0 0 ? * FRIL *").unwrap();
    assert!(c.fires_on(date!(2025 - 12 - 26)));
    assert!(!c.fires_on(date!(2025 - 12 - 19)));
    let c = parse("0 0 ? * L *").unwrap();
    assert!(c.fires_on(date!(2025 - 12 - 06)));
    assert!(!c.fires_on(date!(2025 - 12 - 07)));

    let c = parse("0 0 8 1/3 ? *").unwrap();
    assert!(c.fires_on(date!(2025 - 01 - 08)));
    assert!(c.fires_on(date!(2025 - 04 - 08)));
    assert!(!c.fires_on(date!(2025 - 02 - 08)));
    assert!(!c.fires_on(date!(2025 - 04 - 09)));
}

#[test]
fn every_weekday_number_matches_its_name() {
    // 2025-12-07 is a Sunday.
    for (i, name) in WEEKDAYS.iter().enumerate() {
        let c = parse(&format!("0 0 ? * {name} *")).unwrap();
        let n = parse(&format!("0 0 ? * {} *", i + 1)).unwrap();
        assert_eq!(c, n);
        let day = date!(2025 - 12 - 07).checked_add(time::Duration::days(i as i64)).unwrap();
        assert!(c.fires_on(day), "{name}");
        for other in 0..7 {
            if other != i as i64 {
                let d = date!(2025 - 12 - 07).checked_add(time::Duration::days(other)).unwrap();
                assert!(!c.fires_on(d), "{name} on +{other}");
            }
        }
    }
}
