//! Parameter Store's domain types: a parameter's versions, its type and tier, its tags, and
//! the service settings an account may change. Names, labels and other text rules live in
//! [`super::names`]; AWS's wire shapes live in `trent-wire`.

use std::fmt;

use time::OffsetDateTime;

use super::policies::ParameterPolicy;
use crate::enums::string_enum;
use crate::events::Event;

string_enum!(
    /// What a parameter holds (`ParameterType`).
    ParameterType {
        /// Any text.
        String = "String",
        /// Comma-separated values.
        StringList = "StringList",
        /// Text encrypted with a KMS key.
        SecureString = "SecureString",
    }
);

string_enum!(
    /// The tier a request asks for (`ParameterTier`); a stored parameter is only ever
    /// [`Tier::Standard`] or [`Tier::Advanced`].
    Tier {
        /// 4 KB values, 10,000 parameters per account and region, no policies.
        Standard = "Standard",
        /// 8 KB values, 100,000 parameters per account and region, policies.
        Advanced = "Advanced",
        /// Standard when the parameter fits it, Advanced otherwise.
        IntelligentTiering = "Intelligent-Tiering",
    }
);

string_enum!(
    /// What a parameter's value must look like (`DataType`).
    DataType {
        /// Any value (the default).
        Text = "text",
        /// An Amazon Machine Image id (`ami-` and 8 or 17 hexadecimal digits).
        Ec2Image = "aws:ec2:image",
        /// A Systems Manager integration (a JSON document, not validated here).
        SsmIntegration = "aws:ssm:integration",
    }
);

/// A parameter's stored value: the text of a `String` or `StringList`, the sealed blob of a
/// `SecureString` (see [`super::seal`]). Never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct StoredValue(pub Vec<u8>);

impl fmt::Debug for StoredValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StoredValue([{} bytes])", self.0.len())
    }
}

/// One version of a parameter, as stored. A parameter is its versions: the newest one is
/// the parameter's current state, the older ones its history (at most
/// [`super::MAX_VERSIONS`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParameterVersion {
    /// The parameter's name (`/a/b` or `name`), without selector.
    pub name: String,
    /// 1, 2, 3... never reused.
    pub version: u64,
    /// The type of this version's value.
    pub kind: ParameterType,
    /// The value: text, or the sealed blob of a `SecureString`.
    pub value: StoredValue,
    /// The KMS key a `SecureString` was encrypted with, as the request named it
    /// (`alias/aws/ssm` by default).
    pub key_id: Option<String>,
    /// The description, 0..=1024 characters.
    pub description: Option<String>,
    /// The regular expression values must match.
    pub allowed_pattern: Option<String>,
    /// Standard or Advanced.
    pub tier: Tier,
    /// What the value must look like.
    pub data_type: DataType,
    /// Labels pointing to this version (at most [`super::MAX_LABELS_PER_VERSION`]).
    pub labels: Vec<String>,
    /// The parameter policies in force with this version (Advanced tier only).
    pub policies: Vec<ParameterPolicy>,
    /// When this version was written.
    pub modified_at: OffsetDateTime,
    /// Who wrote it (an IAM ARN).
    pub modified_by: String,
}

/// A tag of a parameter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParamTag {
    /// 1..=128 characters.
    pub key: String,
    /// 0..=256 characters.
    pub value: String,
}

/// A new version to store: the first one of a new parameter, or the next one of an existing
/// parameter (which the store checks is still at `expected`).
#[derive(Clone, Debug)]
pub struct ParameterWrite {
    /// The version to add; `version.version` is the new number.
    pub version: ParameterVersion,
    /// `None` for a new parameter; otherwise the version the parameter must still be at.
    pub expected: Option<u64>,
    /// The oldest version, to remove so that at most [`super::MAX_VERSIONS`] remain. The store
    /// refuses with `Conflict` if a label was attached to it meanwhile.
    pub drop_version: Option<u64>,
    /// Tags of a new parameter.
    pub tags: Vec<ParamTag>,
    /// When the scheduler must next look at the parameter's policies (`None`: never).
    pub policies_due: Option<OffsetDateTime>,
    /// Events written to the outbox in the same transaction.
    pub events: Vec<Event>,
    /// When the write brings the parameter into `version.tier` (a new parameter, or a change
    /// of tier), that tier's quota in the scope: the store counts the tier inside the write's
    /// transaction, after the write, and refuses it with `QuotaExceeded` (writing nothing) if
    /// the scope would hold more. `None` checks nothing (a version that stays in its tier, a
    /// planned fill). The check is the store's because only there is it atomic with the
    /// write: a count read before it lets two writers racing for the last place both in.
    pub tier_quota: Option<u64>,
}

/// Which parameters a listing returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Listing<'a> {
    /// Every parameter of the scope.
    All,
    /// The parameters directly below a path (`/a/b` lists `/a/b/c`, not `/a/b/c/d`); `/`
    /// lists the first level.
    Children(&'a str),
    /// Every parameter below a path, at any depth.
    Below(&'a str),
}

/// How many parameters a scope holds, per tier.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TierCounts {
    /// Standard parameters.
    pub standard: u64,
    /// Advanced parameters.
    pub advanced: u64,
}

/// A service setting an account changed from its default.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredSetting {
    /// The setting's id (`/ssm/parameter-store/default-parameter-tier`).
    pub id: String,
    /// Its value.
    pub value: String,
    /// When it was changed.
    pub modified_at: OffsetDateTime,
    /// Who changed it.
    pub modified_by: String,
}
