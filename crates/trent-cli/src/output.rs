//! Printing answers: human-readable by default, the raw JSON with `--output json`.

use clap::ValueEnum;

/// How to print answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum Output {
    /// Readable lines.
    Text,
    /// The service's JSON answer.
    Json,
}

/// Prints `value` as JSON, or `human` lines in text mode.
pub(crate) fn print(output: Output, value: &serde_json::Value, human: impl FnOnce(&serde_json::Value) -> Vec<String>) {
    match output {
        Output::Json => println!("{}", serde_json::to_string_pretty(value).unwrap_or_default()),
        Output::Text => {
            for line in human(value) {
                println!("{line}");
            }
        }
    }
}

/// A string member, or "".
pub(crate) fn s<'a>(v: &'a serde_json::Value, key: &str) -> &'a str {
    v.get(key).and_then(|x| x.as_str()).unwrap_or("")
}

/// An epoch-seconds member as RFC 3339.
pub(crate) fn date(v: &serde_json::Value, key: &str) -> String {
    v.get(key)
        .and_then(|x| x.as_f64())
        .and_then(|secs| time::OffsetDateTime::from_unix_timestamp(secs as i64).ok())
        .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
        .unwrap_or_default()
}
