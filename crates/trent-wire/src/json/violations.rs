//! Model constraints to AWS's `ValidationException`.
//!
//! A handler checks every member of its request against its botocore shape (length, pattern,
//! enum, range, list size, presence) into one [`Violations`], in the model's member order, and
//! only then does anything else: AWS validates the whole request against the model first and
//! reports every violation at once, `1 validation error detected: Value 'x' at 'keyId' failed
//! to satisfy constraint: Member must have length less than or equal to 2048`, or
//! `2 validation errors detected: ...; ...`. Member paths are AWS's: `keyId`,
//! `tags.1.member.tagKey`, `recipient.keyEncryptionAlgorithm`.
//!
//! Where Trent departs from AWS, on purpose, so that an error answer can never be larger than
//! a small multiple of what any valid request could make it:
//! * a repeated value is cut after [`ECHO_CHARS`] characters (AWS repeats it whole): a 1 MiB
//!   member would otherwise come back as a 1 MiB message, audit record and log line;
//! * at most [`MAX_LISTED`] violations are spelled out (the count stays exact);
//! * blobs and secret members are never repeated (`Value at 'plaintext' ...`), as AWS does
//!   for sensitive members; grant tokens, which Trent treats as secrets, neither.
//!
//! Lengths are counted in characters (Unicode scalar values), as Smithy defines the length
//! of a string.

use std::borrow::Cow;

use crate::AwsError;

/// Most characters of an offending value a message repeats before `...`.
pub(crate) const ECHO_CHARS: usize = 256;

/// Most violations one message spells out.
pub(crate) const MAX_LISTED: usize = 10;

/// A model pattern. Every pattern of the KMS members Trent checks is one character class,
/// repeated (`[...]+`, or `[...]*` when the empty string matches), so it is checked without a
/// regex engine: `allows` is the class, `source` the text AWS quotes.
#[derive(Debug)]
pub(crate) struct Pattern {
    /// The pattern as the model spells it (and AWS quotes it).
    pub(crate) source: &'static str,
    /// Whether a character is in the class.
    pub(crate) allows: fn(char) -> bool,
    /// Whether the empty string matches (`*` rather than `+`).
    pub(crate) empty_matches: bool,
}

impl Pattern {
    /// Whether `value` matches the whole pattern.
    pub(crate) fn matches(&self, value: &str) -> bool {
        (self.empty_matches || !value.is_empty()) && value.chars().all(self.allows)
    }
}

/// A string shape of the model: length bounds in characters and an optional pattern.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Text {
    /// Fewest characters.
    pub(crate) min: usize,
    /// Most characters.
    pub(crate) max: usize,
    /// The pattern a value must match, if any.
    pub(crate) pattern: Option<&'static Pattern>,
}

impl Text {
    /// A shape with length bounds only.
    pub(crate) const fn new(min: usize, max: usize) -> Text {
        Text { min, max, pattern: None }
    }

    /// The same bounds, and `pattern`.
    pub(crate) const fn with(self, pattern: &'static Pattern) -> Text {
        Text { pattern: Some(pattern), ..self }
    }

    /// AWS's sentence for each constraint of the shape (max, min, pattern), as listed in
    /// `Member must satisfy constraint: [...]` for a list's members.
    fn rules(&self) -> Vec<String> {
        let mut rules = vec![
            format!("Member must have length less than or equal to {}", self.max),
            format!("Member must have length greater than or equal to {}", self.min),
        ];
        if let Some(p) = self.pattern {
            rules.push(format!("Member must satisfy regular expression pattern: {}", p.source));
        }
        rules
    }

    /// Whether `value` satisfies every constraint of the shape.
    fn admits(&self, value: &str) -> bool {
        let n = value.chars().count();
        n >= self.min && n <= self.max && self.pattern.is_none_or(|p| p.matches(value))
    }
}

/// Inclusive bounds of an integer member's value or a blob member's length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Bounds {
    /// Smallest allowed.
    pub(crate) min: u32,
    /// Largest allowed.
    pub(crate) max: u32,
}

/// `value`, cut after [`ECHO_CHARS`] characters.
pub(crate) fn echo(value: &str) -> Cow<'_, str> {
    match value.char_indices().nth(ECHO_CHARS) {
        Some((cut, _)) => Cow::Owned(format!("{}...", &value[..cut])),
        None => Cow::Borrowed(value),
    }
}

/// A list as Java prints it (`[a, b]`); built only as far as [`echo`] will show it.
fn list_text<S: AsRef<str>>(items: &[S]) -> String {
    let mut out = String::from("[");
    let mut chars = 1;
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
            chars += 2;
        }
        out.push_str(item.as_ref());
        chars += item.as_ref().chars().count();
        if chars > ECHO_CHARS {
            return out; // `echo` cuts it here anyway
        }
    }
    out.push(']');
    out
}

/// The validation errors of one request, reported together by [`Violations::finish`].
#[derive(Debug, Default)]
pub(crate) struct Violations {
    listed: Vec<String>,
    count: usize,
}

impl Violations {
    /// Records one violation; `sentence` is only built while fewer than [`MAX_LISTED`] are.
    fn add(&mut self, sentence: impl FnOnce() -> String) {
        self.count += 1;
        if self.listed.len() < MAX_LISTED {
            self.listed.push(sentence());
        }
    }

    /// Records a violation in words of the caller's (for bounds of Trent's own that the model
    /// does not state, such as the size of an encryption context).
    pub(crate) fn custom(&mut self, sentence: String) {
        self.add(|| sentence);
    }

    /// A required member: `Value null at 'field' ... Member must not be null` when absent.
    pub(crate) fn required<T>(&mut self, field: &str, value: Option<T>) -> Option<T> {
        if value.is_none() {
            self.add(|| format!("Value null at '{field}' failed to satisfy constraint: Member must not be null"));
        }
        value
    }

    /// A required string member of shape `shape`; the empty string when absent (the request
    /// then fails at [`Violations::finish`]).
    pub(crate) fn required_text(&mut self, field: &str, value: Option<String>, shape: Text) -> String {
        match self.required(field, value) {
            Some(v) => {
                self.text(field, Some(&v), shape);
                v
            }
            None => String::new(),
        }
    }

    /// An optional string member of shape `shape`: one violation per broken constraint,
    /// lengths before the pattern.
    pub(crate) fn text(&mut self, field: &str, value: Option<&str>, shape: Text) {
        self.check_text(field, value, shape, true);
    }

    /// As [`Violations::text`], for a member whose value is never repeated (a grant token).
    pub(crate) fn secret_text(&mut self, field: &str, value: Option<&str>, shape: Text) {
        self.check_text(field, value, shape, false);
    }

    fn check_text(&mut self, field: &str, value: Option<&str>, shape: Text, echo: bool) {
        let Some(value) = value else { return };
        let shown = echo.then_some(value);
        let n = value.chars().count();
        if n > shape.max {
            self.add(|| value_error(field, shown, &format!("have length less than or equal to {}", shape.max)));
        }
        if n < shape.min {
            self.add(|| value_error(field, shown, &format!("have length greater than or equal to {}", shape.min)));
        }
        if let Some(p) = shape.pattern
            && !p.matches(value)
        {
            self.add(|| value_error(field, shown, &format!("satisfy regular expression pattern: {}", p.source)));
        }
    }

    /// A blob member of `len` bytes (absent: `None`). Its value is never repeated.
    pub(crate) fn blob(&mut self, field: &str, len: Option<usize>, bounds: Bounds) {
        let Some(n) = len else { return };
        let Bounds { min, max } = bounds;
        if n > max as usize {
            self.add(|| value_error(field, None, &format!("have length less than or equal to {max}")));
        }
        if n < min as usize {
            self.add(|| value_error(field, None, &format!("have length greater than or equal to {min}")));
        }
    }

    /// An integer member within `bounds`; the value when it is.
    pub(crate) fn range(&mut self, field: &str, value: Option<i64>, bounds: Bounds) -> Option<u32> {
        let v = value?;
        let Bounds { min, max } = bounds;
        let shown = v.to_string();
        if v > i64::from(max) {
            self.add(|| value_error(field, Some(&shown), &format!("have value less than or equal to {max}")));
        } else if v < i64::from(min) {
            self.add(|| value_error(field, Some(&shown), &format!("have value greater than or equal to {min}")));
        }
        u32::try_from(v).ok().filter(|v| (min..=max).contains(v))
    }

    /// An enum member: the value of `all` whose AWS name (`name`) it is, else a violation
    /// listing `all` in the model's order.
    pub(crate) fn choice<E: Copy>(
        &mut self,
        field: &str,
        value: Option<&str>,
        all: &[E],
        name: fn(E) -> &'static str,
    ) -> Option<E> {
        let v = value?;
        let found = all.iter().copied().find(|e| name(*e) == v);
        if found.is_none() {
            self.add(|| value_error(field, Some(v), &format!("satisfy enum value set: {}", enum_set(all, name))));
        }
        found
    }

    /// A list of enum values: every value parsed, or one violation for the list naming the
    /// member's constraint.
    pub(crate) fn choice_list<E: Copy>(
        &mut self,
        field: &str,
        value: Option<&[String]>,
        all: &[E],
        name: fn(E) -> &'static str,
    ) -> Vec<E> {
        let Some(items) = value else { return Vec::new() };
        let parsed: Option<Vec<E>> =
            items.iter().map(|v| all.iter().copied().find(|e| name(*e) == v.as_str())).collect();
        parsed.unwrap_or_else(|| {
            self.add(|| {
                let rule = format!("Member must satisfy enum value set: {}", enum_set(all, name));
                list_error(field, Some(items), &[rule])
            });
            Vec::new()
        })
    }

    /// A list member of `min` to `max` items (its items checked by the caller): the list's
    /// length violation, the values shown.
    pub(crate) fn list_length(&mut self, field: &str, value: Option<&[String]>, min: usize, max: usize) {
        let Some(items) = value else { return };
        let rule = match items.len() {
            n if n > max => format!("have length less than or equal to {max}"),
            n if n < min => format!("have length greater than or equal to {min}"),
            _ => return,
        };
        self.add(|| value_error(field, Some(&list_text(items)), &rule));
    }

    /// A list of strings of shape `member`, at most `max_items` long: a violation for the
    /// length of the list, and one for its members if any breaks a constraint. `echo` says
    /// whether the values may be repeated.
    pub(crate) fn text_list(
        &mut self,
        field: &str,
        value: Option<&[String]>,
        max_items: Option<usize>,
        member: Text,
        echo: bool,
    ) {
        let Some(items) = value else { return };
        let shown = echo.then_some(items);
        if let Some(max) = max_items
            && items.len() > max
        {
            self.add(|| {
                let shown = shown.map(list_text);
                value_error(field, shown.as_deref(), &format!("have length less than or equal to {max}"))
            });
        }
        if !items.iter().all(|i| member.admits(i)) {
            self.add(|| list_error(field, shown, &member.rules()));
        }
    }

    /// `Ok` if every member satisfied its shape, else the one `ValidationException` listing
    /// the violations.
    ///
    /// # Errors
    /// `ValidationException` with every violation recorded.
    pub(crate) fn finish(self) -> Result<(), AwsError> {
        match self.count {
            0 => Ok(()),
            1 => Err(AwsError::validation(format!("1 validation error detected: {}", self.listed.join("; ")))),
            n => Err(AwsError::validation(format!("{n} validation errors detected: {}", self.listed.join("; ")))),
        }
    }
}

/// `Value 'v' at 'field' ` (`Value at 'field' ` when the value is not repeated).
fn value_prefix(field: &str, value: Option<&str>) -> String {
    match value {
        Some(v) => format!("Value '{}' at '{field}' ", echo(v)),
        None => format!("Value at '{field}' "),
    }
}

/// One sentence: `Value 'v' at 'field' failed to satisfy constraint: Member must <rule>`.
fn value_error(field: &str, value: Option<&str>, rule: &str) -> String {
    format!("{}failed to satisfy constraint: Member must {rule}", value_prefix(field, value))
}

/// The sentence for a list whose members break their shape: one for the whole list, listing
/// the member shape's rules (`Member must satisfy constraint: [Member must have length less
/// than or equal to 128, Member must have length greater than or equal to 1]`), as AWS words
/// it for lists of other services; whether KMS appends `Member must not be null` to the rules,
/// as some do, is not known from any recorded KMS answer, and Trent does not.
fn list_error(field: &str, items: Option<&[String]>, rules: &[String]) -> String {
    format!(
        "{}failed to satisfy constraint: Member must satisfy constraint: [{}]",
        value_prefix(field, items.map(list_text).as_deref()),
        rules.join(", ")
    )
}

/// `[A, B, C]` in the model's order.
fn enum_set<E: Copy>(all: &[E], name: fn(E) -> &'static str) -> String {
    let names: Vec<&str> = all.iter().map(|e| name(*e)).collect();
    format!("[{}]", names.join(", "))
}

#[cfg(test)]
mod tests;
