//! `GetRandomPassword`, from the system CSPRNG.

use super::{BadParameter, SecretsError};
use crate::identity::Caller;

/// Longest password.
pub const MAX_PASSWORD_LENGTH: u32 = 4096;
/// Length when none is asked.
pub const DEFAULT_PASSWORD_LENGTH: u32 = 32;
/// The punctuation AWS draws from.
pub const PUNCTUATION: &str = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

/// The flags of `GetRandomPassword`.
#[derive(Clone, Debug)]
pub struct PasswordRules {
    /// `PasswordLength`.
    pub length: u32,
    /// `ExcludeCharacters`.
    pub exclude_characters: String,
    /// `ExcludeNumbers`.
    pub exclude_numbers: bool,
    /// `ExcludePunctuation`.
    pub exclude_punctuation: bool,
    /// `ExcludeUppercase`.
    pub exclude_uppercase: bool,
    /// `ExcludeLowercase`.
    pub exclude_lowercase: bool,
    /// `IncludeSpace`.
    pub include_space: bool,
    /// `RequireEachIncludedType` (default true).
    pub require_each_included_type: bool,
}

impl Default for PasswordRules {
    fn default() -> Self {
        PasswordRules {
            length: DEFAULT_PASSWORD_LENGTH,
            exclude_characters: String::new(),
            exclude_numbers: false,
            exclude_punctuation: false,
            exclude_uppercase: false,
            exclude_lowercase: false,
            include_space: false,
            require_each_included_type: true,
        }
    }
}

/// A uniformly random index below `n` (rejection sampling, no modulo bias).
fn below(n: usize) -> Result<usize, SecretsError> {
    let n32 = u32::try_from(n).map_err(|_| SecretsError::InvalidParameter(BadParameter::NoCharacters))?;
    let zone = u32::MAX - (u32::MAX % n32);
    loop {
        let v = u32::from_le_bytes(trent_crypto::random_array()?);
        if v < zone {
            return Ok((v % n32) as usize);
        }
    }
}

/// A password following `rules`.
///
/// # Errors
/// `InvalidParameter` when every character is excluded or the length cannot hold one of each
/// required type.
pub fn random_password(rules: &PasswordRules) -> Result<String, SecretsError> {
    let excluded = |c: &char| rules.exclude_characters.contains(*c);
    let mut classes: Vec<Vec<char>> = Vec::new();
    let mut add = |on: bool, chars: &mut dyn Iterator<Item = char>| {
        if on {
            let set: Vec<char> = chars.filter(|c| !excluded(c)).collect();
            if !set.is_empty() {
                classes.push(set);
            }
        }
    };
    add(!rules.exclude_lowercase, &mut ('a'..='z'));
    add(!rules.exclude_uppercase, &mut ('A'..='Z'));
    add(!rules.exclude_numbers, &mut ('0'..='9'));
    add(!rules.exclude_punctuation, &mut PUNCTUATION.chars());
    add(rules.include_space, &mut std::iter::once(' '));
    let all: Vec<char> = classes.iter().flatten().copied().collect();
    if all.is_empty() {
        return Err(SecretsError::InvalidParameter(BadParameter::NoCharacters));
    }
    let length = rules.length as usize;
    if rules.require_each_included_type && length < classes.len() {
        return Err(SecretsError::InvalidParameter(BadParameter::PasswordTooShort));
    }
    let mut out: Vec<char> = Vec::with_capacity(length);
    if rules.require_each_included_type {
        for class in &classes {
            out.push(class[below(class.len())?]);
        }
    }
    while out.len() < length {
        out.push(all[below(all.len())?]);
    }
    // Fisher-Yates, so the required characters are not always first.
    for i in (1..out.len()).rev() {
        out.swap(i, below(i + 1)?);
    }
    Ok(out.into_iter().collect())
}

impl super::Secrets {
    /// `GetRandomPassword`.
    ///
    /// # Errors
    /// As [`random_password`], and `AccessDenied`.
    pub fn get_random_password(&self, caller: &Caller, rules: &PasswordRules) -> Result<String, SecretsError> {
        self.authorize_account(caller, "secretsmanager:GetRandomPassword", "*")?;
        random_password(rules)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_included_type_appears_and_excluded_characters_never_do() {
        for _ in 0..50 {
            let rules = PasswordRules {
                length: 8,
                exclude_characters: "abcXYZ01".into(),
                include_space: true,
                ..Default::default()
            };
            let p = random_password(&rules).unwrap();
            assert_eq!(p.chars().count(), 8);
            assert!(p.chars().any(|c| c.is_ascii_lowercase()));
            assert!(p.chars().any(|c| c.is_ascii_uppercase()));
            assert!(p.chars().any(|c| c.is_ascii_digit()));
            assert!(p.chars().any(|c| PUNCTUATION.contains(c)));
            assert!(p.contains(' '));
            assert!(!p.chars().any(|c| "abcXYZ01".contains(c)));
        }
    }

    #[test]
    fn exclusions_and_impossible_rules() {
        let only_digits = PasswordRules {
            exclude_lowercase: true,
            exclude_uppercase: true,
            exclude_punctuation: true,
            ..Default::default()
        };
        let p = random_password(&only_digits).unwrap();
        assert_eq!(p.len(), 32);
        assert!(p.chars().all(|c| c.is_ascii_digit()));
        let none = PasswordRules { exclude_numbers: true, ..only_digits.clone() };
        assert!(random_password(&none).is_err());
        let short = PasswordRules { length: 3, ..Default::default() };
        assert!(random_password(&short).is_err(), "four types cannot fit in three characters");
        let loose = PasswordRules { length: 3, require_each_included_type: false, ..Default::default() };
        assert_eq!(random_password(&loose).unwrap().chars().count(), 3);
    }
}
