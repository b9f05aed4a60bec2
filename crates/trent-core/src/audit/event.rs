//! The CloudTrail record: one API call, or one event a service recorded of its own work
//! (`AwsServiceEvent`, such as a secret's rotation), as AWS CloudTrail writes it (event version
//! 1.08).
//!
//! These types are the *stored* model of the audit trail, serialised once, on the caller's
//! side, into the bytes that are hashed and stored verbatim (see `docs/audit-trail.md`).
//! Member names and order follow CloudTrail; optional members are omitted when absent, except
//! `requestParameters` and `responseElements`, which CloudTrail writes as `null`.
//!
//! Nothing secret can reach these types from a request: parameters are filtered by
//! [`super::redact`] before an event is built.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;

use super::AuditError;
use crate::identity::{Caller, PrincipalKind};

/// The CloudTrail record format version Trent writes.
pub const EVENT_VERSION: &str = "1.08";
/// `eventType` of a call made through the API.
pub const EVENT_TYPE_API_CALL: &str = "AwsApiCall";
/// `eventType` of an event a service records of work no caller asked for at that moment.
pub const EVENT_TYPE_SERVICE_EVENT: &str = "AwsServiceEvent";
/// `eventCategory` of every event Trent records.
pub const EVENT_CATEGORY_MANAGEMENT: &str = "Management";
/// `type` of a KMS key resource.
pub const RESOURCE_TYPE_KMS_KEY: &str = "AWS::KMS::Key";
/// `type` of a KMS alias resource.
pub const RESOURCE_TYPE_KMS_ALIAS: &str = "AWS::KMS::Alias";

/// The buffer a record is serialised into at first: most records fit.
const CANONICAL_CAPACITY: usize = 2048;

/// One recorded API call.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditEvent {
    /// Always [`EVENT_VERSION`]: readers branch on it.
    pub event_version: String,
    /// Who made the call.
    pub user_identity: UserIdentity,
    /// When the call was received, to the second, UTC (`2026-11-22T19:55:31Z`).
    #[serde(with = "event_time")]
    pub event_time: OffsetDateTime,
    /// The service called, e.g. `kms.amazonaws.com`.
    pub event_source: String,
    /// The operation, e.g. `Encrypt`.
    pub event_name: String,
    /// The region of the request's credential scope.
    pub aws_region: String,
    /// The caller's IP address as the server saw it.
    #[serde(rename = "sourceIPAddress")]
    pub source_ip_address: String,
    /// The caller's `User-Agent` header.
    pub user_agent: String,
    /// The AWS error code of a failed call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    /// The error message of a failed call (never holds secrets: domain messages don't).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
    /// The request's parameters without any secret or ciphertext member, or null.
    pub request_parameters: Option<Value>,
    /// What CloudTrail records of the answer (usually null), never secrets.
    pub response_elements: Option<Value>,
    /// What a service event adds (Secrets Manager's rotation events name the secret here).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_event_data: Option<Value>,
    /// The `x-amzn-RequestId` of the answer.
    #[serde(rename = "requestID")]
    pub request_id: String,
    /// A random UUID naming this event.
    #[serde(rename = "eventID")]
    pub event_id: String,
    /// Whether the operation only reads (CloudTrail's classification).
    pub read_only: bool,
    /// The resources the call addressed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resources: Vec<Resource>,
    /// [`EVENT_TYPE_API_CALL`], or [`EVENT_TYPE_SERVICE_EVENT`] for a service's own event.
    pub event_type: String,
    /// Always true: every Trent call is a management event.
    pub management_event: bool,
    /// The account whose trail holds the event: the caller's, or a resource owner's copy of a
    /// cross-account call.
    pub recipient_account_id: String,
    /// Shared by the copies of one cross-account call in the caller's and the owner's trails.
    #[serde(rename = "sharedEventID", default, skip_serializing_if = "Option::is_none")]
    pub shared_event_id: Option<String>,
    /// Always [`EVENT_CATEGORY_MANAGEMENT`].
    pub event_category: String,
    /// TLS parameters; absent on plain HTTP.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_details: Option<TlsDetails>,
}

/// The `type` of a `userIdentity`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum IdentityType {
    /// An IAM user's long-term credentials.
    #[serde(rename = "IAMUser")]
    IamUser,
    /// Temporary credentials of an assumed role.
    AssumedRole,
    /// The account's root credentials.
    Root,
    /// Another account, identified only by id.
    #[serde(rename = "AWSAccount")]
    AwsAccount,
    /// An AWS service acting by itself, not for a caller's request: `invokedBy` names it.
    #[serde(rename = "AWSService")]
    AwsService,
    /// An identity that could not be determined.
    Unknown,
}

/// `userIdentity`: who made the call.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserIdentity {
    /// What kind of identity; absent in a service event, where only the account and the
    /// service (`invokedBy`) are named.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub identity_type: Option<IdentityType>,
    /// The stable unique id (`AIDA...`, or the account id for the root).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub principal_id: Option<String>,
    /// The principal's ARN.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
    /// The principal's account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    /// The access key that signed the request (its id only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_key_id: Option<String>,
    /// The IAM user name (IAM users only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_name: Option<String>,
    /// The session of assumed-role credentials.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_context: Option<SessionContext>,
    /// The AWS service that made the call on the principal's behalf
    /// (`secretsmanager.amazonaws.com`), as CloudTrail names it; absent for a direct call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invoked_by: Option<String>,
}

impl UserIdentity {
    /// The identity of an authenticated caller.
    pub fn of(caller: &Caller) -> Self {
        let p = &caller.principal;
        let account = p.account.to_string();
        let (identity_type, user_name, session_context) = match &p.kind {
            PrincipalKind::Root => (IdentityType::Root, None, None),
            PrincipalKind::User { name, .. } => (IdentityType::IamUser, Some(name.clone()), None),
            PrincipalKind::AssumedRole { role_name, .. } => {
                let issuer = SessionIssuer {
                    issuer_type: "Role".to_owned(),
                    // A session's unique id is `AROA...:session-name`; the role's is the first part.
                    principal_id: p.unique_id.split(':').next().unwrap_or_default().to_owned(),
                    arn: p.role_arn(caller.region.partition()).unwrap_or_default(),
                    account_id: account.clone(),
                    user_name: role_name.clone(),
                };
                let context = SessionContext {
                    session_issuer: Some(issuer),
                    attributes: SessionAttributes { creation_date: None, mfa_authenticated: "false".to_owned() },
                };
                (IdentityType::AssumedRole, None, Some(context))
            }
        };
        Self {
            identity_type: Some(identity_type),
            principal_id: Some(p.unique_id.clone()),
            arn: Some(caller.arn()),
            account_id: Some(account),
            access_key_id: Some(caller.access_key_id.clone()),
            user_name,
            session_context,
            invoked_by: None,
        }
    }
}

impl UserIdentity {
    /// The caller as a resource owner's trail shows a cross-account call: its account and
    /// principal id only, as CloudTrail does.
    pub fn other_account(caller: &Caller) -> Self {
        Self {
            identity_type: Some(IdentityType::AwsAccount),
            principal_id: Some(caller.principal.unique_id.clone()),
            arn: None,
            account_id: Some(caller.principal.account.to_string()),
            access_key_id: None,
            user_name: None,
            session_context: None,
            invoked_by: None,
        }
    }
}

impl UserIdentity {
    /// A service calling by itself (`secretsmanager.amazonaws.com` retrying a replica, or
    /// running a rotation), as CloudTrail shows such a call: the type `AWSService` and the
    /// service's principal in `invokedBy`, no principal, account or access key.
    pub fn aws_service(service_principal: &str) -> Self {
        Self {
            identity_type: Some(IdentityType::AwsService),
            principal_id: None,
            arn: None,
            account_id: None,
            access_key_id: None,
            user_name: None,
            session_context: None,
            invoked_by: Some(service_principal.to_owned()),
        }
    }
}

/// `sessionContext` of assumed-role credentials.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionContext {
    /// The role the session was issued for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_issuer: Option<SessionIssuer>,
    /// When the session was created and whether MFA was used.
    pub attributes: SessionAttributes,
}

/// `sessionIssuer`: the role behind a session.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionIssuer {
    /// Always `Role` for now.
    #[serde(rename = "type")]
    pub issuer_type: String,
    /// The role's unique id (`AROA...`).
    pub principal_id: String,
    /// The role's ARN.
    pub arn: String,
    /// The role's account.
    pub account_id: String,
    /// The role name.
    pub user_name: String,
}

/// `attributes` of a session.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionAttributes {
    /// When the credentials were issued, in `eventTime` format, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creation_date: Option<String>,
    /// `"true"` or `"false"`, as CloudTrail writes it (a string).
    pub mfa_authenticated: String,
}

/// One resource the call addressed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resource {
    /// The account owning the resource.
    #[serde(rename = "accountId")]
    pub account_id: String,
    /// `AWS::KMS::Key`, `AWS::KMS::Alias`, ...
    #[serde(rename = "type")]
    pub resource_type: String,
    /// The resource's ARN.
    #[serde(rename = "ARN")]
    pub arn: String,
}

/// `tlsDetails` of a call made over TLS.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TlsDetails {
    /// e.g. `TLSv1.3`.
    pub tls_version: String,
    /// e.g. `TLS_AES_128_GCM_SHA256`.
    pub cipher_suite: String,
    /// The SNI / Host the client asked for.
    pub client_provided_host_header: String,
}

impl AuditEvent {
    /// The canonical bytes of this event: compact JSON, members in the declared order. These
    /// are the bytes stored and hashed; the chain never re-serialises a stored event.
    ///
    /// # Errors
    /// [`AuditError::Encode`] if serialisation fails (it cannot for these types).
    pub fn to_canonical_json(&self) -> Result<Vec<u8>, AuditError> {
        // A record is 1-2 KB: sized once instead of grown from serde_json's 128 bytes.
        let mut out = Vec::with_capacity(CANONICAL_CAPACITY);
        serde_json::to_writer(&mut out, self).map_err(AuditError::Encode)?;
        Ok(out)
    }

    /// Parses stored bytes back into an event.
    ///
    /// # Errors
    /// [`AuditError::Decode`] if the bytes are not an event record.
    pub fn from_json(bytes: &[u8]) -> Result<Self, AuditError> {
        serde_json::from_slice(bytes).map_err(AuditError::Decode)
    }
}

/// CloudTrail's `eventTime` format: RFC 3339 in UTC, whole seconds, `Z`.
pub(crate) mod event_time {
    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer, Serializer};
    use time::OffsetDateTime;
    use time::format_description::BorrowedFormatItem;
    use time::macros::format_description;

    const FORMAT: &[BorrowedFormatItem<'_>] = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");

    /// Formats `t` (converted to UTC, sub-seconds dropped).
    pub(crate) fn format(t: OffsetDateTime) -> String {
        let t = t.to_offset(time::UtcOffset::UTC);
        match write_digits(t) {
            Some(text) => String::from_utf8_lossy(&text).into_owned(),
            None => t.replace_nanosecond(0).unwrap_or(t).format(FORMAT).unwrap_or_default(),
        }
    }

    /// `t` (in UTC) as [`FORMAT`] writes it, without interpreting the format description (every
    /// record has one); `None` for a year `time` would write other than as four digits.
    fn write_digits(t: OffsetDateTime) -> Option<[u8; 20]> {
        let year = u32::try_from(t.year()).ok().filter(|y| *y <= 9999)?;
        let mut out = *b"0000-00-00T00:00:00Z";
        let mut put = |at: usize, n: u32, width: usize| {
            let mut n = n;
            for i in (at..at + width).rev() {
                // n % 10 < 10: the cast keeps every value.
                out[i] = b'0' + (n % 10) as u8;
                n /= 10;
            }
        };
        put(0, year, 4);
        put(5, u32::from(u8::from(t.month())), 2);
        put(8, u32::from(t.day()), 2);
        put(11, u32::from(t.hour()), 2);
        put(14, u32::from(t.minute()), 2);
        put(17, u32::from(t.second()), 2);
        Some(out)
    }

    pub(crate) fn serialize<S: Serializer>(t: &OffsetDateTime, s: S) -> Result<S::Ok, S::Error> {
        let t = t.to_offset(time::UtcOffset::UTC);
        match write_digits(t) {
            // ASCII digits and separators only.
            Some(text) => s.serialize_str(std::str::from_utf8(&text).unwrap_or_default()),
            None => s.serialize_str(&format(t)),
        }
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<OffsetDateTime, D::Error> {
        let text = <&str>::deserialize(d)?;
        time::PrimitiveDateTime::parse(text, FORMAT)
            .map(time::PrimitiveDateTime::assume_utc)
            .map_err(|_| D::Error::custom("eventTime is not YYYY-MM-DDTHH:MM:SSZ"))
    }
}

#[cfg(test)]
mod tests {
    use time::OffsetDateTime;
    use time::macros::format_description;

    use super::event_time;

    /// Guards the hand-written `eventTime` digits: they must be what the format description
    /// wrote before, byte for byte, or new records would hash differently from what readers
    /// and `verify` re-derive.
    #[test]
    fn event_time_digits_match_the_format_description() {
        let format = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
        let offset = time::UtcOffset::from_hms(5, 30, 0).unwrap();
        let mut at = -62_135_596_800_i64; // 0001-01-01T00:00:00Z
        while at < 253_402_300_799 {
            let t = OffsetDateTime::from_unix_timestamp_nanos(i128::from(at) * 1_000_000_000 + 123_456_789).unwrap();
            for t in [t, t.to_offset(offset)] {
                let utc = t.to_offset(time::UtcOffset::UTC);
                assert_eq!(event_time::format(t), utc.format(format).unwrap(), "{t}");
                let json = serde_json::to_string(&Wrapped(t)).unwrap();
                assert_eq!(json, format!("\"{}\"", utc.format(format).unwrap()));
            }
            at += 7_777_777 + at.rem_euclid(86_399);
        }
    }

    #[derive(serde::Serialize)]
    struct Wrapped(#[serde(with = "event_time")] OffsetDateTime);
}
