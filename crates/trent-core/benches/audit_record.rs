//! What one audit record costs on the request's side, piece by piece, single-threaded: building
//! the CloudTrail event of a call, its canonical JSON, and its link in the hash chain. The
//! records are the two a `GetSecretValue` writes: the service's own, and the on-behalf KMS
//! `Decrypt` (an IAM user through Secrets Manager, the encryption context `SecretARN` and
//! `SecretVersionId`, the key as resource), as the request path builds them.
//!
//! ```sh
//! cargo bench -p trent-core --bench audit_record --no-run
//! taskset -c 0 cargo bench -p trent-core --bench audit_record -- --seconds 2
//! ```
//!
//! It prints nanoseconds per record of the thread's CPU time (and of wall-clock time), to set
//! beside the server's CPU per request (`scripts/thread-cpu.sh`): see BENCHMARKS.md, "Where the
//! two-record reads' gap is". Not here: the group-commit writer, the SQLite row, the channel to
//! the writer and the acknowledgement.

use std::hint::black_box;
use std::sync::Arc;

use serde_json::json;
use time::OffsetDateTime;
use trent_core::audit::chain::event_hash_with;
use trent_core::audit::rules::ServiceRules;
use trent_core::audit::{
    AuditEvent, CallFacts, CallRecord, KmsNames, Outcome, PendingEvent, Resource, call_events_taking, kms_resources,
    rules, service_call_events,
};
use trent_core::identity::{Caller, CallerIdentity, Principal, PrincipalKind, ViaService};
use trent_core::ids::{AccountId, Region};

#[path = "../../trent-crypto/benches/support/timing.rs"]
mod timing;

use timing::{Args, Row, rate, row};

const SECRET_ARN: &str = "arn:aws:secretsmanager:us-east-1:111122223333:secret:bench/secret-AbCdEf";
const KEY_ARN: &str = "arn:aws:kms:us-east-1:111122223333:key/0b5ac1c2-5a3e-4e1e-9a43-0e6c9f7e7a11";
const USER_AGENT: &str = "aws-sdk-rust/1.3.9 os/linux lang/rust/1.93.0 api/secretsmanager/1.98.0";

fn caller() -> Caller {
    let account = AccountId::parse("111122223333").expect("account");
    Caller {
        principal: Principal {
            account: account.clone(),
            kind: PrincipalKind::User { name: "app".into(), path: "/".into() },
            unique_id: "AIDAXURJ2YGSPVBYRBMC2".into(),
        },
        access_key_id: "AKIAIOSFODNN7EXAMPLE".into(),
        region: Region::parse("us-east-1").expect("region"),
        source_ip: Some([10, 0, 0, 7].into()),
        user_agent: Some(USER_AGENT.into()),
        secure_transport: false,
        identity: Arc::new(CallerIdentity::root(&account)),
        via_service: None,
        meter: Default::default(),
        on_behalf_log: None,
    }
}

/// A call of `operation` that was answered, over plain HTTP.
fn answered<'a>(
    rules: &'static ServiceRules,
    caller: &'a Caller,
    operation: &'a str,
    facts: &'a CallFacts,
    time: OffsetDateTime,
) -> CallRecord<'a> {
    let request_id = "8ffd2a83-21bd-46b6-8000-000000000004";
    CallRecord { rules, caller, operation, facts, outcome: Outcome::Answered, request_id, tls: None, time }
}

/// The on-behalf `Decrypt`'s events, as `OnBehalfEvents::record` builds them.
fn on_behalf_decrypt(caller: &Caller, time: OffsetDateTime) -> Vec<AuditEvent> {
    let names = KmsNames { resolved: [Some(KEY_ARN), None], ..KmsNames::default() };
    let facts = CallFacts { request: None, response: None, resources: kms_resources(caller, &names), key_uses: vec![] };
    let record = answered(&rules::KMS, caller, "Decrypt", &facts, time);
    let request = json!({
        "EncryptionContext": {"SecretARN": SECRET_ARN, "SecretVersionId": "481168a0-231a-461a-bbf7-d5b70d0c7db3"},
        "EncryptionAlgorithm": "SYMMETRIC_DEFAULT",
    });
    let service = "secretsmanager.amazonaws.com";
    let mut events = service_call_events(&record, Some(request), service);
    for e in &mut events {
        e.user_identity.invoked_by = Some(service.to_owned());
    }
    events
}

/// The service's own `GetSecretValue` event.
fn get_secret_value(caller: &Caller, time: OffsetDateTime) -> Vec<AuditEvent> {
    let resources = vec![Resource {
        account_id: "111122223333".into(),
        resource_type: "AWS::SecretsManager::Secret".into(),
        arn: SECRET_ARN.into(),
    }];
    let facts = CallFacts { request: None, response: None, resources, key_uses: vec![] };
    let record = answered(&rules::SECRETS_MANAGER, caller, "GetSecretValue", &facts, time);
    call_events_taking(&record, Some(json!({"SecretId": "bench/secret"})), None)
}

fn main() {
    let args = Args::parse(2.0);
    let caller = caller();
    let via = caller.via(ViaService::SECRETS_MANAGER);
    let time = OffsetDateTime::now_utc();
    let decrypt = on_behalf_decrypt(&via, time).remove(0);
    let own = get_secret_value(&caller, time).remove(0);
    let json = PendingEvent::new(&decrypt).expect("json").json;
    let mut scratch = Vec::new();
    let prev = [7u8; 32];

    println!("{:<52} {:>10} {:>10}", "per record", "CPU ns", "wall ns");
    let rows: [Row<'_>; 7] = [
        row("copy the caller for the service (Caller::via)", || {
            drop(black_box(caller.via(ViaService::SECRETS_MANAGER)))
        }),
        row("build: on-behalf Decrypt event", || drop(black_box(on_behalf_decrypt(&via, time)))),
        row("build: GetSecretValue event", || drop(black_box(get_secret_value(&caller, time)))),
        row("canonical JSON: on-behalf Decrypt", || drop(black_box(PendingEvent::new(&decrypt)))),
        row("canonical JSON: GetSecretValue", || drop(black_box(PendingEvent::new(&own)))),
        row("chain link: SHA-256 of the on-behalf Decrypt", || {
            black_box(event_hash_with(&mut scratch, &prev, &json));
        }),
        row("all three: on-behalf Decrypt", || {
            let events = on_behalf_decrypt(&via, time);
            let pending = PendingEvent::new(&events[0]).expect("json");
            black_box(event_hash_with(&mut Vec::new(), &prev, &pending.json));
        }),
    ];
    for mut r in rows {
        if !args.wants(r.name) {
            continue;
        }
        let rate = rate(args.seconds, &mut r.op);
        println!("{:<52} {:>10.0} {:>10.0}", r.name, 1e9 / rate.per_second(), 1e9 / rate.wall);
    }
    println!("record sizes: on-behalf Decrypt {} bytes, GetSecretValue {} bytes", json.len(), {
        PendingEvent::new(&own).expect("json").json.len()
    });
}
