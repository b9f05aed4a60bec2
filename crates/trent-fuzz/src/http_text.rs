//! A fuzz input read as an HTTP/1.1 request in its text form, so that seeds can be written by
//! hand from signed requests and mutations stay meaningful:
//!
//! ```text
//! POST /path?query HTTP/1.1
//! Host: kms.us-east-1.amazonaws.com
//! X-Amz-Date: 20150830T123600Z
//!
//! body
//! ```
//!
//! The reading is lenient, like a fuzzer's view of the wire should be: lines end in `\n` or
//! `\r\n`, a header line that `http` would not accept is skipped, and the body is everything
//! after the first empty line. Only the request line must be UTF-8.

use http::{HeaderMap, HeaderName, HeaderValue};
use trent_wire::sigv4::SignedRequest;

/// A request read from a fuzz input.
pub(crate) struct TextRequest {
    pub(crate) method: String,
    pub(crate) path: String,
    pub(crate) query: Option<String>,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Vec<u8>,
}

impl TextRequest {
    /// Reads `data`; `None` if it has no request line of the form `METHOD TARGET [VERSION]`.
    pub(crate) fn parse(data: &[u8]) -> Option<TextRequest> {
        let (head, body) = split_head(data);
        let mut lines = head.split(|b| *b == b'\n').map(|l| l.strip_suffix(b"\r").unwrap_or(l));
        let request_line = std::str::from_utf8(lines.next()?).ok()?;
        let mut parts = request_line.split(' ');
        let (method, target) = (parts.next()?, parts.next()?);
        let (path, query) = match target.split_once('?') {
            Some((path, query)) => (path, Some(query.to_owned())),
            None => (target, None),
        };
        let mut headers = HeaderMap::new();
        for line in lines {
            let Some(colon) = line.iter().position(|b| *b == b':') else { continue };
            let value = line[colon + 1..].trim_ascii();
            if let (Ok(name), Ok(value)) = (HeaderName::from_bytes(&line[..colon]), HeaderValue::from_bytes(value)) {
                headers.append(name, value);
            }
        }
        Some(TextRequest { method: method.to_owned(), path: path.to_owned(), query, headers, body: body.to_vec() })
    }

    /// The request as SigV4 sees it, with `headers` in place of its own.
    pub(crate) fn view<'a>(&'a self, headers: &'a HeaderMap) -> SignedRequest<'a> {
        SignedRequest {
            method: &self.method,
            path: &self.path,
            query: self.query.as_deref(),
            headers,
            body: &self.body,
        }
    }
}

/// The head (request line and headers) and the body, split at the first empty line.
fn split_head(data: &[u8]) -> (&[u8], &[u8]) {
    for (i, window) in data.windows(2).enumerate() {
        if window == b"\n\n" {
            return (&data[..i], &data[i + 2..]);
        }
        if window == b"\n\r" && data.get(i + 2) == Some(&b'\n') {
            return (&data[..i], &data[i + 3..]);
        }
    }
    (data, b"")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_request_line_headers_and_body() {
        let req =
            TextRequest::parse(b"POST /a?b=1 HTTP/1.1\r\nHost: h\r\nX-A:  1 \r\nbad header\r\nX-A: 2\r\n\r\n{}\r\n")
                .unwrap();
        assert_eq!((req.method.as_str(), req.path.as_str(), req.query.as_deref()), ("POST", "/a", Some("b=1")));
        assert_eq!(req.headers["host"], "h");
        let values: Vec<_> = req.headers.get_all("x-a").iter().collect();
        assert_eq!(values, ["1", "2"]);
        assert_eq!(req.body, b"{}\r\n");
        let bare = TextRequest::parse(b"GET /\nhost: h\n\nbody").unwrap();
        assert_eq!((bare.query, bare.body.as_slice()), (None, &b"body"[..]));
        assert!(TextRequest::parse(b"\xff /").is_none());
    }
}
