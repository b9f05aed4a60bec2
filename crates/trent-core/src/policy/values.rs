//! Typed condition values: numbers, dates, Booleans, binary data and IP ranges.
//!
//! Each parser returns `None` for text its operator cannot read; the condition engine then
//! counts that comparison as "does not match" (the docs say nothing; failing to match is the
//! only reading that cannot grant by accident for `Allow`). Formats, from IAM "Condition
//! operators":
//! - Numeric: "an integer or decimal value", compared exactly (no floating point rounding).
//! - Date: "one of the W3C implementations of the ISO 8601 date formats ... or in epoch
//!   (UNIX) time". An all-digit value is epoch seconds, never a bare year.
//! - Bool: `true` or `false`, case ignored.
//! - Binary: base64, compared byte for byte after decoding.
//! - IP: "the standard CIDR format"; without a prefix, the address alone (`/32`, `/128`).

use std::cmp::Ordering;
use std::net::IpAddr;

use time::{Date, Month, PrimitiveDateTime, Time, UtcOffset};

/// An exact decimal number: sign, integer digits without leading zeros, fraction digits
/// without trailing zeros.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Decimal {
    negative: bool,
    int: String,
    frac: String,
}

impl Decimal {
    /// `[+-]digits[.digits]` or `[+-].digits`.
    pub(crate) fn parse(text: &str) -> Option<Decimal> {
        let (negative, body) = match text.as_bytes().first()? {
            b'-' => (true, &text[1..]),
            b'+' => (false, &text[1..]),
            _ => (false, text),
        };
        let (int, frac) = body.split_once('.').unwrap_or((body, ""));
        let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if int.len() + frac.len() == 0 || !digits(int) || !digits(frac) {
            return None;
        }
        let int = int.trim_start_matches('0').to_owned();
        let frac = frac.trim_end_matches('0').to_owned();
        let negative = negative && !(int.is_empty() && frac.is_empty());
        Some(Decimal { negative, int, frac })
    }

    fn cmp_magnitude(&self, other: &Decimal) -> Ordering {
        self.int
            .len()
            .cmp(&other.int.len())
            .then_with(|| self.int.cmp(&other.int))
            .then_with(|| self.frac.cmp(&other.frac))
    }
}

impl Ord for Decimal {
    fn cmp(&self, other: &Decimal) -> Ordering {
        match (self.negative, other.negative) {
            (false, true) => Ordering::Greater,
            (true, false) => Ordering::Less,
            (false, false) => self.cmp_magnitude(other),
            (true, true) => other.cmp_magnitude(self),
        }
    }
}

impl PartialOrd for Decimal {
    fn partial_cmp(&self, other: &Decimal) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// A date as nanoseconds since the Unix epoch.
pub(crate) fn parse_date(text: &str) -> Option<i128> {
    if let Some(nanos) = parse_epoch(text) {
        return Some(nanos);
    }
    parse_w3c(text)
}

/// `[-]seconds[.fraction]`.
fn parse_epoch(text: &str) -> Option<i128> {
    let (negative, body) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (secs, frac) = body.split_once('.').unwrap_or((body, ""));
    if secs.is_empty() || secs.len() > 18 || frac.len() > 9 {
        return None;
    }
    if !secs.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit()) {
        return None;
    }
    let secs: i128 = secs.parse().ok()?;
    let nanos: i128 = if frac.is_empty() { 0 } else { format!("{frac:0<9}").parse().ok()? };
    let total = secs * 1_000_000_000 + nanos;
    Some(if negative { -total } else { total })
}

/// `YYYY`, `YYYY-MM`, `YYYY-MM-DD`, `YYYY-MM-DDThh:mm[:ss[.s+]]TZD` with TZD `Z`, `±hh:mm` or
/// `±hhmm`. A missing TZD after a time is read as UTC (lenient: AWS examples always write it).
fn parse_w3c(text: &str) -> Option<i128> {
    let mut cur = Cursor(text.as_bytes());
    let year = cur.digits(4)?;
    let mut month = 1;
    let mut day = 1;
    let mut clock = Time::MIDNIGHT;
    let mut offset = UtcOffset::UTC;
    if cur.eat(b'-') {
        month = cur.digits(2)?;
        if cur.eat(b'-') {
            day = cur.digits(2)?;
            if cur.eat(b'T') || cur.eat(b't') {
                let hour = cur.digits(2)?;
                let minute = if cur.eat(b':') { cur.digits(2)? } else { return None };
                let (mut second, mut nano) = (0, 0);
                if cur.eat(b':') {
                    second = cur.digits(2)?;
                    if cur.eat(b'.') {
                        nano = cur.fraction_nanos()?;
                    }
                }
                clock = Time::from_hms_nano(hour as u8, minute as u8, second as u8, nano).ok()?;
                offset = cur.offset()?;
            }
        }
    }
    if !cur.0.is_empty() {
        return None;
    }
    let month = Month::try_from(u8::try_from(month).ok()?).ok()?;
    let date = Date::from_calendar_date(year as i32, month, u8::try_from(day).ok()?).ok()?;
    Some(PrimitiveDateTime::new(date, clock).assume_offset(offset).unix_timestamp_nanos())
}

struct Cursor<'a>(&'a [u8]);

impl Cursor<'_> {
    fn eat(&mut self, b: u8) -> bool {
        match self.0.split_first() {
            Some((&first, rest)) if first == b => {
                self.0 = rest;
                true
            }
            _ => false,
        }
    }

    fn digits(&mut self, n: usize) -> Option<u32> {
        let head = self.0.get(..n)?;
        if !head.iter().all(u8::is_ascii_digit) {
            return None;
        }
        self.0 = &self.0[n..];
        Some(head.iter().fold(0, |acc, d| acc * 10 + u32::from(d - b'0')))
    }

    /// One to nine fraction digits (more are cut off), as nanoseconds.
    fn fraction_nanos(&mut self) -> Option<u32> {
        let len = self.0.iter().take_while(|b| b.is_ascii_digit()).count();
        if len == 0 {
            return None;
        }
        let (digits, rest) = self.0.split_at(len);
        self.0 = rest;
        let mut nanos = 0u32;
        for i in 0..9 {
            nanos = nanos * 10 + digits.get(i).map_or(0, |d| u32::from(d - b'0'));
        }
        Some(nanos)
    }

    fn offset(&mut self) -> Option<UtcOffset> {
        if self.0.is_empty() || self.eat(b'Z') || self.eat(b'z') {
            return Some(UtcOffset::UTC);
        }
        let sign: i8 = if self.eat(b'+') {
            1
        } else if self.eat(b'-') {
            -1
        } else {
            return None;
        };
        let hours = self.digits(2)?;
        self.eat(b':');
        let minutes = self.digits(2)?;
        let (h, m) = (i8::try_from(hours).ok()?, i8::try_from(minutes).ok()?);
        UtcOffset::from_hms(sign * h, sign * m, 0).ok()
    }
}

/// `true`/`false`, case ignored.
pub(crate) fn parse_bool(text: &str) -> Option<bool> {
    if text.eq_ignore_ascii_case("true") {
        Some(true)
    } else if text.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

/// Standard base64 (RFC 4648 §4), padding optional.
pub(crate) fn decode_base64(text: &str) -> Option<Vec<u8>> {
    let body = text.trim_end_matches('=');
    if text.len() - body.len() > 2 || body.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(body.len() * 3 / 4);
    let mut acc: u32 = 0;
    let mut bits = 0;
    for b in body.bytes() {
        let v = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// An IPv4 or IPv6 network.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Cidr {
    network: IpAddr,
    prefix: u8,
}

impl Cidr {
    /// `address[/prefix]`; host bits after the prefix are ignored.
    pub(crate) fn parse(text: &str) -> Option<Cidr> {
        let (address, prefix) = match text.split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (text, None),
        };
        let network: IpAddr = address.parse().ok()?;
        let max = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) && p.len() <= 3 => p.parse().ok()?,
            Some(_) => return None,
            None => max,
        };
        (prefix <= max).then_some(Cidr { network, prefix })
    }

    /// Whether the address `text` lies in this network. An IPv4-mapped IPv6 address
    /// (`::ffff:192.0.2.1`) is compared as the IPv4 address it carries.
    pub(crate) fn contains(&self, text: &str) -> bool {
        let Ok(address) = text.parse::<IpAddr>() else { return false };
        let address = match address {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(address, IpAddr::V4),
            v4 => v4,
        };
        match (self.network, address) {
            (IpAddr::V4(net), IpAddr::V4(addr)) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(self.prefix)).unwrap_or(0);
                u32::from(net) & mask == u32::from(addr) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(addr)) => {
                let mask = u128::MAX.checked_shl(128 - u32::from(self.prefix)).unwrap_or(0);
                u128::from(net) & mask == u128::from(addr) & mask
            }
            _ => false,
        }
    }
}
