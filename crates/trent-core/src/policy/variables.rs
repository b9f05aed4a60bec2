//! Policy strings compiled once: literal text, wildcards and policy variables.
//!
//! A [`Template`] is what a `Resource` entry or a string/ARN condition value becomes at parse
//! time. Rules from IAM "Variables and tags":
//! - `${key}` is replaced by the value of the context key `key` (case-insensitive), only in
//!   policies of `Version` `2012-10-17`; under `2008-10-17` (or no `Version`) the text stays
//!   literal.
//! - `${*}`, `${?}` and `${$}` stand for a literal `*`, `?` and `$`.
//! - `${key, 'default'}` uses `default` when the key is missing; inside the quotes `''` is
//!   one quote.
//! - A variable whose key is missing (or multivalued) and has no default cannot be resolved,
//!   and the element holding it does not match.
//!
//! Substituted text is always literal: a tag value of `*` does not become a wildcard. AWS does
//! not document this either way; treating it as text keeps a caller-controlled value from
//! widening a policy.

use std::borrow::Cow;

use super::context::Lookup;

/// One piece of a compiled policy string.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Token {
    /// Text matched as is (already lower-cased for case-insensitive comparisons).
    Lit(String),
    /// `*`: any run of characters, possibly empty.
    Star,
    /// `?`: exactly one character.
    Quest,
    /// `${key}` or `${key, 'default'}`; `key` lower-cased.
    Var { key: String, default: Option<String> },
}

/// How to read a policy string.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Syntax {
    /// `*` and `?` are wildcards (`Like` operators, `Resource`, ARN operators).
    pub(crate) wildcards: bool,
    /// `${...}` is a policy variable (Version 2012-10-17, and an element that allows them).
    pub(crate) variables: bool,
    /// Compare without regard to case: literals are stored lower-cased.
    pub(crate) fold_case: bool,
}

/// A compiled policy string.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Template {
    tokens: Vec<Token>,
    has_vars: bool,
    fold_case: bool,
}

impl Template {
    /// Compiles `source` under `syntax`.
    pub(crate) fn parse(source: &str, syntax: Syntax) -> Template {
        let mut tokens = Vec::new();
        let mut text = String::new();
        let mut rest = source;
        while let Some(c) = rest.chars().next() {
            if syntax.variables
                && rest.starts_with("${")
                && let Some((token, consumed)) = parse_variable(rest)
            {
                match token {
                    Token::Lit(escaped) => text.push_str(&escaped),
                    variable => {
                        flush(&mut tokens, &mut text, syntax.fold_case);
                        tokens.push(variable);
                    }
                }
                rest = &rest[consumed..];
                continue;
            }
            match c {
                '*' if syntax.wildcards => {
                    flush(&mut tokens, &mut text, syntax.fold_case);
                    tokens.push(Token::Star);
                }
                '?' if syntax.wildcards => {
                    flush(&mut tokens, &mut text, syntax.fold_case);
                    tokens.push(Token::Quest);
                }
                _ => text.push(c),
            }
            rest = &rest[c.len_utf8()..];
        }
        flush(&mut tokens, &mut text, syntax.fold_case);
        Template::from_tokens(tokens, syntax.fold_case)
    }

    pub(crate) fn from_tokens(tokens: Vec<Token>, fold_case: bool) -> Template {
        let has_vars = tokens.iter().any(|t| matches!(t, Token::Var { .. }));
        Template { tokens, has_vars, fold_case }
    }

    pub(crate) fn tokens(&self) -> &[Token] {
        &self.tokens
    }

    /// The tokens with every variable replaced by literal text, or `None` when a variable
    /// cannot be resolved. Borrows when there is nothing to replace.
    pub(crate) fn resolve(&self, lookup: &Lookup<'_>) -> Option<Cow<'_, [Token]>> {
        if !self.has_vars {
            return Some(Cow::Borrowed(&self.tokens));
        }
        let mut out = Vec::with_capacity(self.tokens.len());
        for token in &self.tokens {
            match token {
                Token::Var { key, default } => {
                    let value = match lookup.values(key).and_then(|v| v.single()) {
                        Some(value) => value,
                        None => default.as_deref()?,
                    };
                    let value = if self.fold_case { value.to_lowercase() } else { value.to_owned() };
                    out.push(Token::Lit(value));
                }
                other => out.push(other.clone()),
            }
        }
        Some(Cow::Owned(out))
    }
}

fn flush(tokens: &mut Vec<Token>, text: &mut String, fold_case: bool) {
    if text.is_empty() {
        return;
    }
    let lit = if fold_case { text.to_lowercase() } else { text.clone() };
    text.clear();
    // Adjacent literals (text around an escape) are merged so matching compares runs.
    if let Some(Token::Lit(previous)) = tokens.last_mut() {
        previous.push_str(&lit);
    } else {
        tokens.push(Token::Lit(lit));
    }
}

/// Reads `${...}` at the start of `s`: an escape (as a literal token) or a variable, and the
/// bytes consumed. `None` when the text is not a well-formed variable, which then stays
/// literal text.
fn parse_variable(s: &str) -> Option<(Token, usize)> {
    let body_start = 2;
    let mut in_quote = false;
    let mut close = None;
    for (i, c) in s[body_start..].char_indices() {
        match c {
            '\'' => in_quote = !in_quote,
            '}' if !in_quote => {
                close = Some(body_start + i);
                break;
            }
            _ => {}
        }
    }
    let close = close?;
    let body = s[body_start..close].trim();
    let consumed = close + 1;
    match body {
        "*" | "?" | "$" => return Some((Token::Lit(body.to_owned()), consumed)),
        _ => {}
    }
    let (key, default) = match body.split_once(',') {
        Some((key, default)) => (key.trim(), Some(parse_default(default.trim())?)),
        None => (body, None),
    };
    if key.is_empty() || key.chars().any(char::is_whitespace) {
        return None;
    }
    Some((Token::Var { key: key.to_lowercase(), default }, consumed))
}

/// `'text'` with `''` standing for one quote.
fn parse_default(quoted: &str) -> Option<String> {
    let inner = quoted.strip_prefix('\'')?.strip_suffix('\'')?;
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\'' {
            // A lone quote inside the default ends it early: not a well-formed default.
            if chars.next() != Some('\'') {
                return None;
            }
        }
        out.push(c);
    }
    Some(out)
}
