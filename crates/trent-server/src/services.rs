//! The wire services this server answers, one line each.
//!
//! A line pairs a service's declaration in `trent-wire` (how requests reach it, its SigV4
//! name, regional or global, its audit rules) with the dispatcher that runs its operations
//! over the domain objects of [`AppState`]. Everything else — routing, authentication,
//! quotas, the audit record, framing the answer — is the one generic path in `app` and
//! `query`. A declared service without a dispatcher ([`Handler::NotYet`]) authenticates
//! with its own signing name and answers `UnknownOperationException`.
//!
//! Adding a service: a module in `trent-wire` with its `SERVICE` and `dispatch`, and one line
//! below.

use std::future::Future;
use std::pin::Pin;

use trent_core::Caller;
use trent_wire::query::Params;
use trent_wire::{Dispatched, Protocol, WireService, cloudtrail, iam, kms, secretsmanager, ssm, sts};

use crate::state::AppState;

type Pending<'a> = Pin<Box<dyn Future<Output = Dispatched> + Send + 'a>>;

/// Runs an awsJson operation: `(state, caller, operation, body)`.
pub(crate) type JsonHandler = for<'a> fn(&'a AppState, &'a Caller, &'a str, &'a [u8]) -> Pending<'a>;
/// Runs an awsQuery action: `(state, caller, params, request id)`.
pub(crate) type QueryHandler = for<'a> fn(&'a AppState, &'a Caller, &'a Params, &'a str) -> Pending<'a>;

/// How a declared service's operations run.
pub(crate) enum Handler {
    /// An awsJson dispatcher.
    Json(JsonHandler),
    /// An awsQuery dispatcher.
    Query(QueryHandler),
    /// Declared, not served yet: every operation answers `UnknownOperationException`.
    #[expect(dead_code, reason = "every declared service is served today; a new service starts here")]
    NotYet,
}

/// One served (or declared) service.
pub(crate) struct Service {
    pub(crate) wire: &'static WireService,
    pub(crate) handler: Handler,
}

/// Every wire service, in no particular order (targets and signing names do not overlap).
pub(crate) static SERVICES: &[Service] = &[
    Service { wire: &kms::SERVICE, handler: Handler::Json(|s, c, op, b| Box::pin(kms::dispatch(&s.kms, c, op, b))) },
    Service {
        wire: &cloudtrail::SERVICE,
        handler: Handler::Json(|s, c, op, b| Box::pin(cloudtrail::dispatch(s.audit.trail(), c, op, b))),
    },
    Service {
        wire: &iam::SERVICE,
        handler: Handler::Query(|s, c, p, id| Box::pin(iam::dispatch(&s.identities, c, p, id))),
    },
    Service {
        wire: &sts::SERVICE,
        handler: Handler::Query(|s, c, p, id| Box::pin(sts::dispatch(&s.identities, c, p, id))),
    },
    Service {
        wire: &secretsmanager::SERVICE,
        handler: Handler::Json(|s, c, op, b| Box::pin(secretsmanager::dispatch(&s.secrets, c, op, b))),
    },
    Service {
        wire: &ssm::SERVICE,
        handler: Handler::Json(|s, c, op, b| Box::pin(ssm::dispatch(&s.params, &s.kms, &s.secrets, c, op, b))),
    },
];

/// The awsJson service an `X-Amz-Target` value addresses, and the operation it names.
pub(crate) fn by_target(target: &str) -> Option<(&'static Service, &str)> {
    SERVICES.iter().find_map(|s| s.wire.operation(target).map(|op| (s, op)))
}

/// The awsJson service whose requests are signed for `signing_name`.
pub(crate) fn json_by_signing_name(signing_name: &str) -> Option<&'static Service> {
    SERVICES.iter().find(|s| s.wire.signing_name == signing_name && matches!(s.wire.protocol, Protocol::Json { .. }))
}

/// The awsQuery service a request signed for `signing_name` addresses; IAM's when the name is
/// none of theirs (unsigned requests, or requests signed for another service, are answered in
/// IAM's terms).
pub(crate) fn query_service(signing_name: Option<&str>) -> &'static Service {
    let query = |s: &&Service| matches!(s.wire.protocol, Protocol::Query { .. });
    SERVICES.iter().filter(query).find(|s| Some(s.wire.signing_name) == signing_name).unwrap_or(&SERVICES[IAM])
}

/// IAM's place in [`SERVICES`] (pinned by a test).
const IAM: usize = 2;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_and_signing_names_are_unambiguous() {
        for (i, a) in SERVICES.iter().enumerate() {
            for b in &SERVICES[i + 1..] {
                assert_ne!(a.wire.signing_name, b.wire.signing_name);
                assert_ne!(a.wire.name, b.wire.name);
                if let (Protocol::Json { target_prefixes: pa }, Protocol::Json { target_prefixes: pb }) =
                    (a.wire.protocol, b.wire.protocol)
                {
                    for p in pa {
                        assert!(pb.iter().all(|q| !p.starts_with(q) && !q.starts_with(p)), "{p}");
                    }
                }
            }
        }
        assert_eq!(query_service(None).wire.name, "iam", "unsigned awsQuery requests are answered as IAM's");
        assert_eq!(query_service(Some("sts")).wire.name, "sts");
        assert_eq!(query_service(Some("kms")).wire.name, "iam");
    }

    #[test]
    fn each_target_finds_its_service() {
        let name = |t: &str| by_target(t).map(|(s, op)| (s.wire.name, op.to_owned()));
        assert_eq!(name("TrentService.Encrypt"), Some(("kms", "Encrypt".into())));
        assert_eq!(name("secretsmanager.ListSecrets"), Some(("secretsmanager", "ListSecrets".into())));
        assert_eq!(name("AmazonSSM.GetParameter"), Some(("ssm", "GetParameter".into())));
        assert_eq!(
            name("com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents"),
            Some(("cloudtrail", "LookupEvents".into()))
        );
        assert_eq!(name("DynamoDB_20120810.ListTables"), None);
    }
}
