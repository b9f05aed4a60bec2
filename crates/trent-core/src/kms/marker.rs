//! Pagination markers: opaque to clients, checked on the way back in.
//!
//! A marker is the hex of `kind NUL last-item-sort-key`. A marker of another list, or one
//! this server did not write, answers `InvalidMarkerException`.

use super::KmsError;

pub(crate) fn encode(kind: &str, last: &str) -> String {
    let mut raw = Vec::with_capacity(kind.len() + 1 + last.len());
    raw.extend_from_slice(kind.as_bytes());
    raw.push(0);
    raw.extend_from_slice(last.as_bytes());
    raw.iter().map(|b| format!("{b:02x}")).collect()
}

pub(crate) fn decode(kind: &str, marker: &str) -> Result<String, KmsError> {
    if !marker.len().is_multiple_of(2) {
        return Err(KmsError::InvalidMarker);
    }
    let bytes: Option<Vec<u8>> = (0..marker.len())
        .step_by(2)
        .map(|i| marker.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok()))
        .collect();
    let bytes = bytes.ok_or(KmsError::InvalidMarker)?;
    let text = String::from_utf8(bytes).map_err(|_| KmsError::InvalidMarker)?;
    let (k, last) = text.split_once('\0').ok_or(KmsError::InvalidMarker)?;
    if k != kind {
        return Err(KmsError::InvalidMarker);
    }
    Ok(last.to_owned())
}

/// Clamps a requested page size to `1..=1000`, with `default` when absent.
pub(crate) fn limit(requested: Option<u32>, default: u32) -> u32 {
    requested.unwrap_or(default).clamp(1, 1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_round_trip_and_are_kind_checked() {
        let m = encode("keys", "abc");
        assert_eq!(decode("keys", &m).unwrap(), "abc");
        assert!(matches!(decode("aliases", &m), Err(KmsError::InvalidMarker)));
        for bad in ["zz", "abc", "", "6b657973"] {
            assert!(decode("keys", bad).is_err(), "{bad}");
        }
    }
}
