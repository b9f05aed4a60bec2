//! The authenticated caller of one request, and what authorization and audit need to know
//! about it.
//!
//! Authentication builds a [`Caller`] per request from an entry of the credential cache in
//! [`super::Identities`]: the [`CallerIdentity`] (parsed identity policies, session policy,
//! principal tags) is shared by every request signed with the same access key, so building a
//! caller costs a few clones and no database read. This module knows nothing of how policies
//! are combined for a given service; it offers the identity-policy half of the decision
//! ([`Caller::identity_evaluation`]) and the global condition keys
//! ([`Caller::condition_context`]).

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::sync::Arc;

use time::OffsetDateTime;

use super::{Principal, PrincipalKind, ViaService};
use crate::audit::OnBehalfLog;
use crate::ids::{AccountId, Region, Scope};
use crate::policy::{
    ConditionContext, Evaluation, KeysRead, Policy, PrincipalMatch, PrincipalType, Request, RequestPrincipal,
};
use crate::quota::QuotaMeter;

/// What the credentials of a request stand for beyond the principal's name: the policies
/// that bound its permissions and the values of its principal condition keys.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallerIdentity {
    /// The principal's identity policies: a user's inline policies and those of its groups;
    /// a role session's role inline policies; empty for the root (which needs none).
    pub policies: Vec<Policy>,
    /// The session policy given to `AssumeRole`: it can only narrow `policies`.
    pub session_policy: Option<Policy>,
    /// `aws:PrincipalTag/*`: a user's tags; a role's tags overridden by session tags.
    pub principal_tags: BTreeMap<String, String>,
    /// When temporary credentials expire; `None` for long-term access keys.
    pub session_expires: Option<OffsetDateTime>,
    /// `aws:userid`: `AIDA...` for a user, `AROA...:session` for a role session, the account
    /// id for the root.
    pub user_id: String,
}

impl CallerIdentity {
    /// The identity of an account's root: no policies, no tags, user id the account id.
    pub fn root(account: &AccountId) -> Self {
        Self {
            policies: Vec::new(),
            session_policy: None,
            principal_tags: BTreeMap::new(),
            session_expires: None,
            user_id: account.to_string(),
        }
    }
}

/// The authenticated caller of one request.
#[derive(Clone, Debug)]
pub struct Caller {
    /// Who signed the request.
    pub principal: Principal,
    /// The access key that signed it.
    pub access_key_id: String,
    /// The region from the request's SigV4 credential scope.
    pub region: Region,
    /// The client's address (`aws:SourceIp`, the audit trail's `sourceIPAddress`); `None`
    /// when the transport does not say (in-process tests).
    pub source_ip: Option<IpAddr>,
    /// The `User-Agent` header (`aws:UserAgent`, the audit trail's `userAgent`).
    pub user_agent: Option<String>,
    /// Whether the request arrived over TLS (`aws:SecureTransport`).
    pub secure_transport: bool,
    /// Policies, tags and session facts of the credentials, shared by every request signed
    /// with the same access key.
    pub identity: Arc<CallerIdentity>,
    /// The Trent service making this request on the caller's behalf (`kms:ViaService`);
    /// `None` for a request straight from a client, which can never set it.
    pub via_service: Option<ViaService>,
    /// Whether this request has been charged against a request quota yet.
    pub meter: QuotaMeter,
    /// Where the KMS calls a service makes on this caller's behalf are recorded, so that the
    /// request path audits them with the call that caused them; `None` outside a request
    /// (scheduled work, tests), where nothing collects them.
    pub on_behalf_log: Option<Arc<dyn OnBehalfLog>>,
}

impl Caller {
    /// The root user of `scope`'s account, calling in its region: the identity of work the
    /// server does for an account by itself (seed files, secret rotation), never of a request.
    pub fn root_of(scope: &Scope) -> Caller {
        let account = scope.account.clone();
        Caller {
            principal: Principal {
                account: account.clone(),
                kind: PrincipalKind::Root,
                unique_id: account.to_string(),
            },
            access_key_id: String::new(),
            region: scope.region.clone(),
            source_ip: None,
            user_agent: None,
            secure_transport: false,
            identity: Arc::new(CallerIdentity::root(&account)),
            via_service: None,
            meter: QuotaMeter::default(),
            on_behalf_log: None,
        }
    }

    /// The same caller, as `service` sees it when it acts on the caller's behalf: a request
    /// of its own, not charged yet.
    pub fn via(&self, service: ViaService) -> Caller {
        Caller { via_service: Some(service), meter: QuotaMeter::default(), ..self.clone() }
    }

    /// The scope new resources of this caller are created in.
    pub fn scope(&self) -> Scope {
        Scope::new(self.principal.account.clone(), self.region.clone())
    }

    /// The caller's ARN, in the partition of the request's region.
    pub fn arn(&self) -> String {
        self.principal.arn(self.region.partition())
    }

    /// Whether the caller is its account's root user (which IAM policies do not restrict).
    pub fn is_root(&self) -> bool {
        matches!(self.principal.kind, PrincipalKind::Root)
    }

    /// The caller as the policy engine sees it.
    pub fn request_principal(&self) -> RequestPrincipal {
        let partition = self.region.partition();
        let (principal_type, username) = match &self.principal.kind {
            PrincipalKind::Root => (PrincipalType::Root, None),
            PrincipalKind::User { name, .. } => (PrincipalType::User, Some(name.clone())),
            PrincipalKind::AssumedRole { .. } => {
                let role_arn = self.principal.role_arn(partition).unwrap_or_default();
                (PrincipalType::AssumedRole { role_arn }, None)
            }
        };
        RequestPrincipal {
            arn: self.arn(),
            account: self.principal.account.to_string(),
            principal_type,
            user_id: self.identity.user_id.clone(),
            username,
            service: None,
        }
    }

    /// The global condition keys of this caller's request at `now`: `aws:CurrentTime`,
    /// `aws:EpochTime`, `aws:SecureTransport`, `aws:SourceIp`, `aws:UserAgent`,
    /// `aws:RequestedRegion`, `aws:ViaAWSService` and `aws:PrincipalTag/*`. (The keys that follow from the
    /// principal itself, such as `aws:username`, the engine derives on its own.) Services
    /// add their own keys to the result.
    pub fn condition_context(&self, now: OffsetDateTime) -> ConditionContext {
        self.condition_context_for(now, &KeysRead::all())
    }

    /// [`Caller::condition_context`] with only the keys in `keys`: for a request that only
    /// the policies `keys` was taken from will judge.
    pub fn condition_context_for(&self, now: OffsetDateTime, keys: &KeysRead<'_>) -> ConditionContext {
        if keys.none() {
            return ConditionContext::new();
        }
        // The keys the policies read; or the global keys below, the principal's tags, and room
        // for the keys the service adds.
        let capacity = keys.count().unwrap_or(16 + self.identity.principal_tags.len());
        let mut context = ConditionContext::with_capacity(capacity);
        if keys.wants("aws:CurrentTime") {
            context.insert_time("aws:CurrentTime", now);
        }
        if keys.wants("aws:EpochTime") {
            context.insert("aws:EpochTime", now.unix_timestamp().to_string());
        }
        if keys.wants("aws:SecureTransport") {
            context.insert_bool("aws:SecureTransport", self.secure_transport);
        }
        if keys.wants("aws:RequestedRegion") {
            context.insert("aws:RequestedRegion", self.region.as_str());
        }
        if keys.wants("aws:ViaAWSService") {
            context.insert_bool("aws:ViaAWSService", self.via_service.is_some());
        }
        if let Some(ip) = self.source_ip
            && keys.wants("aws:SourceIp")
        {
            context.insert("aws:SourceIp", ip.to_string());
        }
        if let Some(agent) = &self.user_agent
            && keys.wants("aws:UserAgent")
        {
            context.insert("aws:UserAgent", agent.as_str());
        }
        if keys.wants_prefix("aws:PrincipalTag/") {
            for (key, value) in &self.identity.principal_tags {
                context.insert(&format!("aws:PrincipalTag/{key}"), value.as_str());
            }
        }
        context
    }

    /// What the caller's own policies say about `request`: an explicit deny in any identity
    /// or session policy, and an allow only when an identity policy allows *and* the session
    /// policy (if any) allows too — a session's permissions are "the intersection of the
    /// role's identity-based policy and the session policies" (IAM User Guide, "Session
    /// policies"). The root user is not evaluated here; see [`Caller::is_root`].
    pub fn identity_evaluation(&self, request: &Request<'_>) -> Evaluation {
        let mut explicit_deny = false;
        let mut allowed = false;
        for policy in &self.identity.policies {
            let e = policy.evaluate(request);
            explicit_deny |= e.explicit_deny;
            allowed |= e.allow.is_some();
        }
        if let Some(session) = &self.identity.session_policy {
            let e = session.evaluate(request);
            explicit_deny |= e.explicit_deny;
            allowed &= e.allow.is_some();
        }
        Evaluation { explicit_deny, allow: allowed.then_some(PrincipalMatch::Specific) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::PolicyKind;

    fn policy(effect: &str, action: &str, kind: PolicyKind) -> Policy {
        let doc = format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"{effect}","Action":"{action}","Resource":"*"}}]}}"#
        );
        Policy::parse(&doc, kind).unwrap()
    }

    fn session(policies: Vec<Policy>, session_policy: Option<Policy>) -> Caller {
        let account = AccountId::parse("111122223333").unwrap();
        let mut tags = BTreeMap::new();
        tags.insert("team".to_owned(), "core".to_owned());
        Caller {
            principal: Principal {
                account: account.clone(),
                kind: PrincipalKind::AssumedRole {
                    role_name: "deployer".into(),
                    role_path: "/svc/".into(),
                    session_name: "ci".into(),
                },
                unique_id: "AROAEXAMPLE:ci".into(),
            },
            access_key_id: "ASIAEXAMPLE".into(),
            region: Region::parse("us-east-1").unwrap(),
            source_ip: Some("192.0.2.7".parse().unwrap()),
            user_agent: Some("test-agent".into()),
            secure_transport: true,
            identity: Arc::new(CallerIdentity {
                policies,
                session_policy,
                principal_tags: tags,
                session_expires: None,
                user_id: "AROAEXAMPLE:ci".into(),
            }),
            via_service: None,
            meter: QuotaMeter::default(),
            on_behalf_log: None,
        }
    }

    fn allowed(caller: &Caller, action: &str) -> Evaluation {
        let principal = caller.request_principal();
        let context = ConditionContext::new();
        caller.identity_evaluation(&Request {
            principal: &principal,
            action,
            resource: "arn:aws:kms:x",
            context: &context,
        })
    }

    #[test]
    fn a_session_is_its_role_seen_through_its_session_policy() {
        let caller = session(vec![policy("Allow", "kms:*", PolicyKind::Identity)], None);
        assert!(allowed(&caller, "kms:Encrypt").is_allowed());
        let narrowed = session(
            vec![policy("Allow", "kms:*", PolicyKind::Identity)],
            Some(policy("Allow", "kms:Decrypt", PolicyKind::Session)),
        );
        assert!(allowed(&narrowed, "kms:Decrypt").is_allowed());
        assert_eq!(allowed(&narrowed, "kms:Encrypt"), Evaluation { explicit_deny: false, allow: None });
        // A session policy never widens what the role allows.
        let widened = session(vec![], Some(policy("Allow", "kms:*", PolicyKind::Session)));
        assert_eq!(allowed(&widened, "kms:Encrypt").allow, None);
        // A deny anywhere is a deny.
        let denied = session(
            vec![policy("Allow", "kms:*", PolicyKind::Identity)],
            Some(policy("Deny", "kms:Encrypt", PolicyKind::Session)),
        );
        assert!(allowed(&denied, "kms:Encrypt").explicit_deny);
    }

    #[test]
    fn the_request_principal_and_global_keys_describe_the_caller() {
        let caller = session(vec![], None);
        assert!(!caller.is_root());
        let p = caller.request_principal();
        assert_eq!(p.arn, "arn:aws:sts::111122223333:assumed-role/deployer/ci");
        assert_eq!(
            p.principal_type,
            PrincipalType::AssumedRole { role_arn: "arn:aws:iam::111122223333:role/svc/deployer".into() }
        );
        assert_eq!((p.user_id.as_str(), p.account.as_str(), p.username), ("AROAEXAMPLE:ci", "111122223333", None));
        let now = time::macros::datetime!(2024-05-06 07:08:09 UTC);
        let context = caller.condition_context(now);
        let one = |k: &str| context.get(k).map(|v| v[0].clone());
        assert_eq!(one("aws:SourceIp").as_deref(), Some("192.0.2.7"));
        assert_eq!(one("aws:SecureTransport").as_deref(), Some("true"));
        assert_eq!(one("aws:PrincipalTag/team").as_deref(), Some("core"));
        assert_eq!(one("aws:UserAgent").as_deref(), Some("test-agent"));
        assert_eq!(one("aws:RequestedRegion").as_deref(), Some("us-east-1"));
        assert_eq!(one("aws:EpochTime").as_deref(), Some("1714979289"));
        assert!(one("aws:CurrentTime").is_some_and(|t| t.starts_with("2024-05-06T07:08:09")));
    }

    /// Regression guard: a context built for some policies must hold, with the same values,
    /// every global key they read (whatever its case in the policy), and a policy variable
    /// can read any key.
    #[test]
    fn a_context_for_some_policies_holds_every_key_they_read() {
        let caller = Caller { via_service: Some(ViaService::SSM), ..session(vec![], None) };
        let now = time::macros::datetime!(2024-05-06 07:08:09 UTC);
        let full = caller.condition_context(now);
        let reading = |key: &str| {
            let doc = format!(
                r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"*","Resource":"*",
                    "Condition":{{"Null":{{"{key}":"false"}}}}}}]}}"#
            );
            Policy::parse(&doc, PolicyKind::Identity).unwrap()
        };
        for key in [
            "aws:CurrentTime",
            "AWS:EPOCHTIME",
            "aws:securetransport",
            "aws:RequestedRegion",
            "aws:ViaAWSService",
            "aws:SourceIp",
            "aws:UserAgent",
            "aws:PrincipalTag/team",
        ] {
            let policy = reading(key);
            let built = caller.condition_context_for(now, &KeysRead::of([&policy]));
            let values = full.get(key).unwrap_or_else(|| panic!("{key} is a global key"));
            let mut only = ConditionContext::new();
            only.insert_all(key, values.iter().cloned());
            assert_eq!(built, only, "{key}");
        }
        let none =
            Policy::parse(r#"{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}"#, PolicyKind::Identity);
        assert_eq!(caller.condition_context_for(now, &KeysRead::of([&none.unwrap()])), ConditionContext::new());
        let variable = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*",
            "Resource":"arn:aws:kms:*:*:key/${aws:PrincipalTag/team}"}}"#;
        let variable = Policy::parse(variable, PolicyKind::Identity).unwrap();
        assert_eq!(caller.condition_context_for(now, &KeysRead::of([&variable])), full);
        let both = [reading("aws:SourceIp"), reading("aws:UserAgent")];
        let built = caller.condition_context_for(now, &KeysRead::of(&both));
        assert!(
            built.is_present("aws:sourceip") && built.is_present("aws:useragent") && !built.is_present("aws:EpochTime")
        );
    }
}
