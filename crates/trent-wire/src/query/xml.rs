//! Writing awsQuery answers: an escaping XML builder, the `<ActionResponse>` envelope and the
//! `<ErrorResponse>` document.
//!
//! Every text goes through [`escape`]: `&`, `<`, `>`, `"` and `'` become entities, a carriage
//! return becomes `&#xD;` (XML parsers would otherwise normalise it away), and the control
//! characters XML 1.0 cannot carry at all become U+FFFD.

use std::borrow::Cow;

use zeroize::Zeroizing;

use crate::AwsError;

/// Escapes `text` for element content or attribute values.
pub fn escape(text: &str) -> Cow<'_, str> {
    let needs =
        |c: char| matches!(c, '&' | '<' | '>' | '"' | '\'' | '\r') || (c.is_control() && !matches!(c, '\t' | '\n'));
    if !text.contains(needs) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\r' => out.push_str("&#xD;"),
            '\t' | '\n' => out.push(c),
            c if ('\u{0}'..='\u{1f}').contains(&c) || c == '\u{fffe}' || c == '\u{ffff}' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Percent-encodes `text` as RFC 3986 does (everything but `A-Za-z0-9-_.~`): how IAM returns
/// policy documents (`PolicyDocument`, `AssumeRolePolicyDocument`).
pub fn url_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3 / 2);
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// An XML fragment under construction. Its buffer is zeroized when dropped, because answers
/// such as `CreateAccessKey` and `AssumeRole` carry secrets.
#[derive(Default)]
pub struct Xml {
    buf: Zeroizing<String>,
}

impl Xml {
    /// An empty fragment.
    pub fn new() -> Self {
        Self::default()
    }

    /// `<tag>`.
    pub fn open(&mut self, tag: &str) -> &mut Self {
        self.buf.push('<');
        self.buf.push_str(tag);
        self.buf.push('>');
        self
    }

    /// `</tag>`.
    pub fn close(&mut self, tag: &str) -> &mut Self {
        self.buf.push_str("</");
        self.buf.push_str(tag);
        self.buf.push('>');
        self
    }

    /// Escaped text inside the current element.
    pub fn text(&mut self, text: &str) -> &mut Self {
        self.buf.push_str(&escape(text));
        self
    }

    /// `<tag>text</tag>`, escaped.
    pub fn element(&mut self, tag: &str, text: &str) -> &mut Self {
        self.open(tag);
        self.buf.push_str(&escape(text));
        self.close(tag)
    }

    /// [`Xml::element`] when `text` is present.
    pub fn optional(&mut self, tag: &str, text: Option<&str>) -> &mut Self {
        if let Some(text) = text {
            self.element(tag, text);
        }
        self
    }

    /// `<tag>...</tag>` around what `inner` writes.
    pub fn nested(&mut self, tag: &str, inner: impl FnOnce(&mut Xml)) -> &mut Self {
        self.open(tag);
        inner(self);
        self.close(tag)
    }

    /// `<tag><member>..</member>...</tag>`: a list as awsQuery answers spell it.
    pub fn list<T>(&mut self, tag: &str, items: &[T], mut item: impl FnMut(&mut Xml, &T)) -> &mut Self {
        self.open(tag);
        for i in items {
            self.open("member");
            item(self, i);
            self.close("member");
        }
        self.close(tag)
    }

    /// The fragment written so far.
    pub fn as_str(&self) -> &str {
        &self.buf
    }
}

/// `<{action}Response xmlns="{namespace}"><{action}Result>{result}</{action}Result>
/// <ResponseMetadata><RequestId>..</RequestId></ResponseMetadata></{action}Response>`; without
/// `result` (operations with no output) the `Result` element is left out.
pub fn response(action: &str, namespace: &str, request_id: &str, result: Option<&Xml>) -> Vec<u8> {
    let mut out = Xml::new();
    out.buf.push_str(&format!("<{action}Response xmlns=\"{}\">", escape(namespace)));
    if let Some(result) = result {
        out.open(&format!("{action}Result"));
        out.buf.push_str(result.as_str());
        out.close(&format!("{action}Result"));
    }
    out.nested("ResponseMetadata", |x| {
        x.element("RequestId", request_id);
    });
    out.close(&format!("{action}Response"));
    out.buf.as_bytes().to_vec()
}

/// `<ErrorResponse xmlns="{namespace}"><Error><Type>Sender|Receiver</Type><Code>..</Code>
/// <Message>..</Message></Error><RequestId>..</RequestId></ErrorResponse>`: `Receiver` for
/// server faults (5xx), `Sender` for everything else.
pub fn error_response(error: &AwsError, namespace: &str, request_id: &str) -> Vec<u8> {
    let mut out = Xml::new();
    out.buf.push_str(&format!("<ErrorResponse xmlns=\"{}\">", escape(namespace)));
    out.nested("Error", |x| {
        x.element("Type", if error.status.is_server_error() { "Receiver" } else { "Sender" })
            .element("Code", error.code)
            .element("Message", &error.message);
    });
    out.element("RequestId", request_id);
    out.close("ErrorResponse");
    out.buf.as_bytes().to_vec()
}

#[cfg(test)]
mod tests {
    use http::StatusCode;

    use super::*;

    #[test]
    fn escapes_markup_quotes_and_control_characters() {
        assert!(matches!(escape("plain text / ünï"), Cow::Borrowed(_)));
        assert_eq!(
            escape(r#"<a href="x">Tom & 'Jerry'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; &apos;Jerry&apos;&lt;/a&gt;"
        );
        assert_eq!(escape("line\r\nnext\ttab"), "line&#xD;\nnext\ttab");
        assert_eq!(escape("bell\u{7}nul\u{0}"), "bell\u{fffd}nul\u{fffd}");
    }

    #[test]
    fn url_encodes_like_rfc_3986() {
        assert_eq!(
            url_encode(r#"{"Version": "2012-10-17", "Action": "iam:*"}"#),
            "%7B%22Version%22%3A%20%222012-10-17%22%2C%20%22Action%22%3A%20%22iam%3A%2A%22%7D"
        );
        assert_eq!(url_encode("a-b_c.d~e\n\u{e9}"), "a-b_c.d~e%0A%C3%A9");
    }

    #[test]
    fn frames_a_result_and_an_empty_answer() {
        let mut result = Xml::new();
        result.nested("User", |x| {
            x.element("UserName", "a<b").optional("Path", None).list("Tags", &[("k", "v")], |x, (k, v)| {
                x.element("Key", k).element("Value", v);
            });
        });
        let body =
            String::from_utf8(response("GetUser", "https://iam.amazonaws.com/doc/2010-05-08/", "rid-1", Some(&result)))
                .unwrap();
        assert_eq!(
            body,
            "<GetUserResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><GetUserResult><User><UserName>a&lt;b</UserName>\
             <Tags><member><Key>k</Key><Value>v</Value></member></Tags></User></GetUserResult>\
             <ResponseMetadata><RequestId>rid-1</RequestId></ResponseMetadata></GetUserResponse>"
        );
        let body = String::from_utf8(response("DeleteUser", "ns", "rid-2", None)).unwrap();
        assert_eq!(
            body,
            "<DeleteUserResponse xmlns=\"ns\"><ResponseMetadata><RequestId>rid-2</RequestId></ResponseMetadata></DeleteUserResponse>"
        );
    }

    #[test]
    fn error_documents_name_sender_or_receiver() {
        let e = AwsError::new("NoSuchEntity", StatusCode::NOT_FOUND, "The user with name <x> cannot be found.");
        let body = String::from_utf8(error_response(&e, "https://iam.amazonaws.com/doc/2010-05-08/", "rid")).unwrap();
        assert_eq!(
            body,
            "<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><Error><Type>Sender</Type>\
             <Code>NoSuchEntity</Code><Message>The user with name &lt;x&gt; cannot be found.</Message></Error>\
             <RequestId>rid</RequestId></ErrorResponse>"
        );
        let e = AwsError::new("ServiceFailure", StatusCode::INTERNAL_SERVER_ERROR, "x");
        assert!(String::from_utf8(error_response(&e, "ns", "r")).unwrap().contains("<Type>Receiver</Type>"));
    }
}
