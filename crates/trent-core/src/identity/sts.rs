//! STS `AssumeRole`: temporary credentials for a role session.
//!
//! Who may assume a role follows "Policy evaluation logic" (IAM User Guide): the role's
//! trust policy must allow the caller for `sts:AssumeRole` — "role trust policies and KMS
//! key policies are exceptions ... because they must explicitly allow access for principals"
//! (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-basics.html>).
//! In the role's own account, a trust policy that names the caller itself (its user ARN, its
//! session ARN or its role's ARN) is enough; one that names only the account (`ACCOUNT` or
//! `arn:aws:iam::ACCOUNT:root`) delegates to the account, so the caller's identity policies
//! must allow `sts:AssumeRole` on the role too. A caller from another account always needs
//! both ("Cross-account policy evaluation logic",
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html>).
//! An explicit deny in either wins. Session tags need `sts:TagSession` and a `SourceIdentity`
//! needs `sts:SetSourceIdentity`, by the same rule; the root user cannot assume roles; a role
//! session may chain into another role for at most an hour.

use std::fmt;

use time::{Duration, OffsetDateTime};
use trent_crypto::SecretBytes;

use super::authz::denied;
use super::service::{new_access_key_id, new_secret, new_session_token};
use super::users::with_request_tags;
use super::{
    Caller, Constraint, Denied, IamTag, Identities, IdentityError, Invalid, PrincipalKind, Role, SessionRecord, Why,
    session_wrap_aad, validate,
};
use crate::policy::{ConditionContext, Policy, PolicyKind, PrincipalMatch, Request};

/// `DurationSeconds` bounds, and the default.
pub const DURATION_SECONDS: std::ops::RangeInclusive<i64> = 900..=43_200;
const DEFAULT_DURATION_SECONDS: i64 = 3_600;
/// The longest session a role session can get by assuming another role.
const ROLE_CHAINING_MAX_SECONDS: i64 = 3_600;
/// Longest session policy (`sessionPolicyDocumentType`), which is also the packed limit.
const SESSION_POLICY_MAX: usize = 2_048;
/// Expired sessions are kept this long (answering `ExpiredToken`) before they are purged
/// and their credentials become unknown.
const EXPIRED_SESSION_RETENTION: Duration = Duration::days(1);

/// What `AssumeRole` asks for.
#[derive(Clone, Debug, Default)]
pub struct AssumeRoleInput {
    /// `RoleArn`.
    pub role_arn: String,
    /// `RoleSessionName`.
    pub session_name: String,
    /// `DurationSeconds`.
    pub duration_seconds: Option<i64>,
    /// `Policy`: an inline session policy.
    pub policy: Option<String>,
    /// `Tags`: session tags.
    pub tags: Vec<IamTag>,
    /// `ExternalId`, for trust policies that test `sts:ExternalId`.
    pub external_id: Option<String>,
    /// `SourceIdentity`, for trust policies that test `sts:SourceIdentity`.
    pub source_identity: Option<String>,
}

/// The answer of `AssumeRole`; the secret and the token are shown this once.
pub struct AssumedRole {
    /// `ASIA...`.
    pub access_key_id: String,
    /// The secret access key.
    pub secret_access_key: SecretBytes,
    /// The session token, to send as `X-Amz-Security-Token`.
    pub session_token: SecretBytes,
    /// When the credentials expire.
    pub expiration: OffsetDateTime,
    /// `AROA...:session`.
    pub assumed_role_id: String,
    /// `arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`.
    pub arn: String,
    /// The session policy and tags as a percentage of the packed limit, when either is given.
    pub packed_policy_size: Option<u32>,
}

impl fmt::Debug for AssumedRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AssumedRole")
            .field("access_key_id", &self.access_key_id)
            .field("arn", &self.arn)
            .field("expiration", &self.expiration)
            .finish_non_exhaustive()
    }
}

/// The account, path and name of `arn:PARTITION:iam::ACCOUNT:role/PATH/NAME`.
pub(super) fn parse_role_arn<'a>(arn: &'a str, partition: &str) -> Option<(&'a str, &'a str, &'a str)> {
    let rest = arn.strip_prefix("arn:")?.strip_prefix(partition)?.strip_prefix(":iam::")?;
    let (account, resource) = rest.split_once(':')?;
    let path_and_name = resource.strip_prefix("role")?;
    let split = path_and_name.rfind('/')?;
    let (path, name) = (&path_and_name[..=split], &path_and_name[split + 1..]);
    (path.starts_with('/') && !name.is_empty()).then_some((account, path, name))
}

impl Identities {
    /// Whether the role's trust policy and the caller's own policies let the caller perform
    /// `action` (`sts:AssumeRole`, `sts:TagSession`, `sts:SetSourceIdentity`) on `role`.
    fn trusted(
        &self,
        caller: &Caller,
        role: &Role,
        trust: &Policy,
        action: &str,
        context: &ConditionContext,
    ) -> Result<(), IdentityError> {
        let role_arn = role.arn(caller.region.partition());
        let principal = caller.request_principal();
        let request = Request { principal: &principal, action, resource: &role_arn, context };
        let trust_says = trust.evaluate(&request);
        let identity_says = caller.identity_evaluation(&request);
        let same_account = caller.principal.account == role.account;
        let allowed = !trust_says.explicit_deny
            && !identity_says.explicit_deny
            && match trust_says.allow {
                None => false,
                Some(PrincipalMatch::Specific) if same_account => true,
                Some(_) => identity_says.allow.is_some(),
            };
        if allowed { Ok(()) } else { Err(denied(caller, action, &role_arn, Why::Unstated)) }
    }

    /// `AssumeRole`.
    ///
    /// # Errors
    /// `ValidationError` (session name, external id, source identity, duration, ARN, tags),
    /// `MalformedPolicyDocument`,
    /// `PackedPolicyTooLarge`, `AccessDenied` (no such role, not trusted, root caller).
    pub async fn assume_role(&self, caller: &Caller, input: AssumeRoleInput) -> Result<AssumedRole, IdentityError> {
        validate::session_name(&input.session_name)?;
        if let Some(id) = &input.external_id {
            validate::external_id(id)?;
        }
        if let Some(id) = &input.source_identity {
            validate::source_identity(id)?;
        }
        let duration = input.duration_seconds.unwrap_or(DEFAULT_DURATION_SECONDS);
        if !DURATION_SECONDS.contains(&duration) {
            let bound = if duration < *DURATION_SECONDS.start() {
                Constraint::ValueAtLeast(*DURATION_SECONDS.start())
            } else {
                Constraint::ValueAtMost(*DURATION_SECONDS.end())
            };
            return Err(validate::constraint("durationSeconds", &duration.to_string(), bound));
        }
        if !(20..=2048).contains(&input.role_arn.len()) {
            return Err(validate::constraint("roleArn", &input.role_arn, Constraint::LengthBetween(20, 2048)));
        }
        if let Some(p) = &input.policy {
            validate::document("policy", p, SESSION_POLICY_MAX)?;
        }
        validate::tags(&input.tags)?;
        let partition = caller.region.partition();
        let Some((account, path, name)) = parse_role_arn(&input.role_arn, partition) else {
            return Err(IdentityError::Validation(Invalid::RoleArn(input.role_arn.clone())));
        };
        if matches!(caller.principal.kind, PrincipalKind::Root) {
            return Err(IdentityError::AccessDenied(Denied::RootAssumesRole));
        }
        let not_authorized = || denied(caller, "sts:AssumeRole", &input.role_arn, Why::Unstated);
        let Ok(account) = crate::ids::AccountId::parse(account) else { return Err(not_authorized()) };
        let role = match self.store.get_role(&account, name).await? {
            Some(role) if role.path == path => role,
            _ => return Err(not_authorized()),
        };
        if duration > i64::from(role.max_session_duration) {
            return Err(IdentityError::Validation(Invalid::DurationOverRoleMax));
        }
        if matches!(caller.principal.kind, PrincipalKind::AssumedRole { .. }) && duration > ROLE_CHAINING_MAX_SECONDS {
            return Err(IdentityError::Validation(Invalid::DurationOverChainingLimit));
        }
        if let Some(p) = &input.policy {
            Policy::parse(p, PolicyKind::Session).map_err(IdentityError::MalformedPolicyDocument)?;
        }
        let packed: usize = input.policy.as_deref().map_or(0, validate::counted_size)
            + input.tags.iter().map(|t| t.key.chars().count() + t.value.chars().count()).sum::<usize>();
        let packed_percent = (packed * 100).div_ceil(SESSION_POLICY_MAX);
        if packed_percent > 100 {
            return Err(IdentityError::PackedPolicyTooLarge { percent: packed_percent });
        }

        let now = self.clock.now();
        let mut context = with_request_tags(caller.condition_context(now), &input.tags);
        context.insert("sts:RoleSessionName", input.session_name.as_str());
        if let Some(id) = &input.external_id {
            context.insert("sts:ExternalId", id.as_str());
        }
        if let Some(id) = &input.source_identity {
            context.insert("sts:SourceIdentity", id.as_str());
        }
        let trust = super::load::parse_stored(
            &super::InlinePolicy {
                owner: super::PolicyOwner::Role(role.name.clone()),
                name: "trust policy".into(),
                document: role.trust_policy.clone(),
            },
            PolicyKind::Trust,
        )?;
        self.trusted(caller, &role, &trust, "sts:AssumeRole", &context)?;
        if !input.tags.is_empty() {
            self.trusted(caller, &role, &trust, "sts:TagSession", &context)?;
        }
        if input.source_identity.is_some() {
            self.trusted(caller, &role, &trust, "sts:SetSourceIdentity", &context)?;
        }

        let mut assumed = self
            .issue_session(
                &role,
                partition,
                &input.session_name,
                input.policy.clone(),
                input.tags.clone(),
                (caller.arn(), duration),
            )
            .await?;
        assumed.packed_policy_size =
            (input.policy.is_some() || !input.tags.is_empty()).then_some(packed_percent as u32);
        Ok(assumed)
    }

    /// Temporary credentials for a role the server itself assumes for work it runs for the
    /// role's account, as AWS's services assume a service role (a rotation function's
    /// execution role, which the Lambda service assumes): for `duration_seconds`, narrowed by
    /// `session_policy`. No caller's trust is evaluated: the operator names the role in the
    /// server's configuration. The session's source is `invoked_by` (`secretsmanager.amazonaws.com`).
    ///
    /// # Errors
    /// `AccessDenied` when the role does not exist, `ValidationError` for a bad ARN, session
    /// name or duration.
    pub async fn service_session(
        &self,
        role_arn: &str,
        session_name: &str,
        session_policy: &str,
        duration_seconds: i64,
        invoked_by: &str,
    ) -> Result<AssumedRole, IdentityError> {
        validate::session_name(session_name)?;
        if !DURATION_SECONDS.contains(&duration_seconds) {
            return Err(IdentityError::Validation(Invalid::ServiceSessionDuration(duration_seconds)));
        }
        let partition = role_arn.split(':').nth(1).unwrap_or("aws");
        let Some((account, path, name)) = parse_role_arn(role_arn, partition) else {
            return Err(IdentityError::Validation(Invalid::RoleArn(role_arn.to_owned())));
        };
        Policy::parse(session_policy, PolicyKind::Session).map_err(IdentityError::MalformedPolicyDocument)?;
        let missing = || IdentityError::AccessDenied(Denied::NoRole { role_arn: role_arn.to_owned() });
        let account = crate::ids::AccountId::parse(account).map_err(|_| missing())?;
        let role = match self.store.get_role(&account, name).await? {
            Some(role) if role.path == path => role,
            _ => return Err(missing()),
        };
        let source = (invoked_by.to_owned(), duration_seconds);
        self.issue_session(&role, partition, session_name, Some(session_policy.to_owned()), Vec::new(), source).await
    }

    /// Creates and stores a session of `role`; the secret and the token are in the answer only.
    async fn issue_session(
        &self,
        role: &Role,
        partition: &str,
        session_name: &str,
        policy: Option<String>,
        tags: Vec<IamTag>,
        (source_arn, duration): (String, i64),
    ) -> Result<AssumedRole, IdentityError> {
        let now = self.clock.now();
        let access_key_id = new_access_key_id("ASIA")?;
        let secret = new_secret()?;
        let token = new_session_token()?;
        let session = SessionRecord {
            access_key_id: access_key_id.clone(),
            account: role.account.clone(),
            role_name: role.name.clone(),
            role_path: role.path.clone(),
            role_id: role.role_id.clone(),
            session_name: session_name.to_owned(),
            secret_wrapped: self.wrapper.wrap(&session_wrap_aad(&access_key_id), secret.expose_secret())?,
            token_hash: trent_crypto::sha256(token.expose_secret()),
            session_policy: policy,
            tags,
            source_arn,
            created_at: now,
            expires_at: now + Duration::seconds(duration),
        };
        if let Err(e) = self.store.delete_sessions_expired_before(now - EXPIRED_SESSION_RETENTION).await {
            tracing::warn!(error = %e, "purging expired STS sessions failed");
        }
        self.store.insert_session(&session).await?;
        let principal = session.principal();
        Ok(AssumedRole {
            access_key_id,
            secret_access_key: secret,
            session_token: token,
            expiration: session.expires_at,
            assumed_role_id: principal.unique_id.clone(),
            arn: principal.arn(partition),
            packed_policy_size: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_arns_split_into_account_path_and_name() {
        assert_eq!(parse_role_arn("arn:aws:iam::111122223333:role/app", "aws"), Some(("111122223333", "/", "app")));
        assert_eq!(
            parse_role_arn("arn:aws:iam::111122223333:role/team/ops/app", "aws"),
            Some(("111122223333", "/team/ops/", "app"))
        );
        for bad in [
            "arn:aws:iam::111122223333:user/app",
            "arn:aws-cn:iam::111122223333:role/app",
            "arn:aws:iam::111122223333:role/",
            "arn:aws:sts::111122223333:role/app",
            "not an arn at all",
        ] {
            assert_eq!(parse_role_arn(bad, "aws"), None, "{bad}");
        }
    }
}
