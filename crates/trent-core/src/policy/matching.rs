//! Wildcard matching of actions, resources and ARNs.
//!
//! - `Action`/`NotAction`: the whole `service:Action` string, `*` and `?` wildcards, case
//!   ignored (IAM "Action": "prefixes and action names are case insensitive").
//! - `Resource`/`NotResource`: the whole ARN, `*` and `?` wildcards, case-sensitive; a `*`
//!   may run across `:` and `/` (IAM "Resource": "The asterisk can expand to replace
//!   everything within the segment, including characters like a forward slash", and beyond
//!   the colon when it ends a segment). Trent matches the whole string, which is the same
//!   for every ARN whose segments the wildcard does not need to cross in the middle.
//! - `ArnEquals`/`ArnLike` conditions: "Each of the six colon-delimited components of the ARN
//!   is checked separately", so there a `*` never crosses a `:` before the resource part.
//!
//! The matcher is the classic linear-backtracking wildcard algorithm over [`Token`]s: it
//! never recurses and runs in O(pattern × text) at worst, whatever the input.

use super::variables::{Syntax, Template, Token};

/// The six components of an ARN pattern (`arn:partition:service:region:account:resource`),
/// each a template; the last keeps any further colons.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ArnPattern {
    /// `None` when the pattern does not have six components: it then matches nothing.
    components: Option<Vec<Template>>,
}

impl ArnPattern {
    pub(crate) fn parse(source: &str, syntax: Syntax) -> ArnPattern {
        // Split after tokenizing, so that the colon in `${aws:username}` does not count.
        let tokens = Template::parse(source, syntax).tokens().to_vec();
        let mut components: Vec<Vec<Token>> = vec![Vec::new()];
        for token in tokens {
            match token {
                Token::Lit(text) if components.len() < 6 && text.contains(':') => {
                    let mut pieces = text.splitn(7 - components.len(), ':');
                    if let Some(first) = pieces.next() {
                        push_lit(components.last_mut(), first);
                    }
                    for piece in pieces {
                        components.push(Vec::new());
                        push_lit(components.last_mut(), piece);
                    }
                }
                other => {
                    if let Some(last) = components.last_mut() {
                        last.push(other);
                    }
                }
            }
        }
        let complete = components.len() == 6;
        ArnPattern {
            components: complete
                .then(|| components.into_iter().map(|c| Template::from_tokens(c, syntax.fold_case)).collect()),
        }
    }

    pub(crate) fn components(&self) -> Option<&[Template]> {
        self.components.as_deref()
    }
}

fn push_lit(component: Option<&mut Vec<Token>>, text: &str) {
    if let (Some(component), false) = (component, text.is_empty()) {
        component.push(Token::Lit(text.to_owned()));
    }
}

/// Splits an ARN into its six components, the resource keeping its colons.
pub(crate) fn arn_components(arn: &str) -> Option<[&str; 6]> {
    let mut parts = arn.splitn(6, ':');
    let out = [parts.next()?, parts.next()?, parts.next()?, parts.next()?, parts.next()?, parts.next()?];
    Some(out)
}

/// Whether `text` matches the resolved `tokens` (a [`Token::Var`] left in never matches).
pub(crate) fn glob(tokens: &[Token], text: &str) -> bool {
    let mut t = 0; // next token
    let mut pos = 0; // byte offset in text
    // After the last `*`: the token to resume at and the text offset it is trying.
    let mut star: Option<(usize, usize)> = None;
    loop {
        let advanced = match tokens.get(t) {
            Some(Token::Lit(lit)) if text[pos..].starts_with(lit.as_str()) => {
                pos += lit.len();
                true
            }
            Some(Token::Quest) => match text[pos..].chars().next() {
                Some(c) => {
                    pos += c.len_utf8();
                    true
                }
                None => false,
            },
            Some(Token::Star) => {
                star = Some((t + 1, pos));
                true
            }
            None if pos == text.len() => return true,
            _ => false,
        };
        if advanced {
            t += 1;
            continue;
        }
        // Mismatch: let the last `*` swallow one more character, or fail.
        match star {
            Some((resume, tried)) => match text[tried..].chars().next() {
                Some(c) => {
                    let next = tried + c.len_utf8();
                    star = Some((resume, next));
                    t = resume;
                    pos = next;
                }
                None => return false,
            },
            None => return false,
        }
    }
}

/// Whether `arn` matches `pattern` component by component, as `ArnLike` does.
pub(crate) fn arn_matches(components: &[&[Token]], arn: &str) -> bool {
    match arn_components(arn) {
        Some(parts) => components.len() == 6 && components.iter().zip(parts).all(|(tokens, part)| glob(tokens, part)),
        None => false,
    }
}

const ACTION_SYNTAX: Syntax = Syntax { wildcards: true, variables: false, fold_case: true };

/// Compiles an `Action` entry.
pub(crate) fn compile_action(pattern: &str) -> Template {
    Template::parse(pattern, ACTION_SYNTAX)
}

/// Whether the IAM action `action` (`kms:Encrypt`) matches the `Action` entry `pattern`
/// (`kms:*`, `KMS:Re*`), ignoring case.
pub fn action_matches(pattern: &str, action: &str) -> bool {
    glob(compile_action(pattern).tokens(), &action.to_lowercase())
}

/// Whether `arn` matches `pattern` as the `ArnLike` condition operator compares them: each of
/// the six colon-separated components separately, `*` and `?` wildcards, case-sensitive.
/// Policy variables are not expanded (there is no request to take them from).
pub fn arn_like(pattern: &str, arn: &str) -> bool {
    let syntax = Syntax { wildcards: true, variables: false, fold_case: false };
    match ArnPattern::parse(pattern, syntax).components() {
        Some(components) => {
            let tokens: Vec<&[Token]> = components.iter().map(Template::tokens).collect();
            arn_matches(&tokens, arn)
        }
        None => false,
    }
}
