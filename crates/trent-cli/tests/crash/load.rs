//! The mixed write load: workers calling `trent server` over its three wire protocols, and the
//! ledger of every write they sent, acknowledged (answered 200) or not (no answer: the server
//! died with the request in flight).

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};
use trent_client::{ClientError, ClientOptions, JsonClient, RetryPolicy};

/// How long one request may take before the test calls it a hang: minutes, not a timing.
const ANSWER_WITHIN: Duration = Duration::from_secs(120);
/// On-demand rotations of one key at most (KMS refuses the eleventh).
const ROTATIONS_PER_KEY: usize = 8;

/// One write the load sent.
#[derive(Clone, Debug)]
pub(crate) enum Write {
    /// `CreateKey`; an unacknowledged one has no id.
    Key { id: Option<String> },
    /// `CreateAlias`.
    Alias { name: String, key: String },
    /// `RotateKeyOnDemand`.
    Rotation { key: String },
    /// `CreateGrant`; an unacknowledged one has no id.
    Grant { key: String, id: Option<String> },
    /// `CreateSecret` (`first`) or `PutSecretValue`, with the version's id and value.
    SecretVersion { name: String, version: String, value: String, first: bool },
    /// `PutParameter`; an unacknowledged one has no version number.
    Parameter { name: String, version: Option<u64>, value: String },
    /// `Encrypt`: the ciphertext of `plaintext` (base64) under `key`.
    Ciphertext { key: String, blob: String, plaintext: String },
}

/// A write and whether it was acknowledged, in the crash cycle it was sent in.
#[derive(Clone, Debug)]
pub(crate) struct Entry {
    pub(crate) write: Write,
    pub(crate) acked: bool,
    pub(crate) cycle: u32,
}

/// Every write of the run.
#[derive(Default)]
pub(crate) struct Ledger {
    pub(crate) entries: Vec<Entry>,
    /// Answers that are neither a success nor a refusal, nor a lost connection after the kill.
    pub(crate) unexpected: Vec<String>,
    /// Writes answered with a 5xx before the kill.
    pub(crate) server_errors: usize,
}

impl Ledger {
    /// Acknowledged key ids.
    fn keys(&self) -> Vec<String> {
        self.entries
            .iter()
            .filter_map(|e| match &e.write {
                Write::Key { id: Some(id) } => Some(id.clone()),
                _ => None,
            })
            .collect()
    }

    fn rotations_sent(&self, key: &str) -> usize {
        self.entries.iter().filter(|e| matches!(&e.write, Write::Rotation { key: k } if k == key)).count()
    }

    /// Names of secrets whose creation was acknowledged.
    fn secrets(&self) -> Vec<String> {
        self.entries
            .iter()
            .filter(|e| e.acked)
            .filter_map(|e| match &e.write {
                Write::SecretVersion { name, first: true, .. } => Some(name.clone()),
                _ => None,
            })
            .collect()
    }

    /// Names of parameters written to before (acknowledged or not).
    fn parameters(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .entries
            .iter()
            .filter_map(|e| match &e.write {
                Write::Parameter { name, .. } => Some(name.clone()),
                _ => None,
            })
            .collect();
        names.sort_unstable();
        names.dedup();
        names
    }
}

/// Clients of the three services on one server.
pub(crate) struct Clients {
    pub(crate) kms: JsonClient,
    pub(crate) secrets: JsonClient,
    pub(crate) ssm: JsonClient,
    pub(crate) account: String,
}

impl Clients {
    /// Clients for `endpoint` with the administrator's credentials of `data_dir`, never
    /// retrying: each call is answered once, or not at all.
    pub(crate) fn new(endpoint: &str, data_dir: &Path) -> Clients {
        let options =
            ClientOptions { retry: RetryPolicy::none(), attempt_timeout: ANSWER_WITHIN, ..Default::default() };
        let credentials = || trent_client::from_file(&data_dir.join("credentials"), "trent").expect("credentials");
        let client = |service, prefix| {
            JsonClient::new(endpoint, credentials(), "us-east-1", service, prefix, options.clone()).expect("client")
        };
        Clients {
            kms: client("kms", "TrentService."),
            secrets: client("secretsmanager", "secretsmanager."),
            ssm: client("ssm", "AmazonSSM."),
            account: String::new(),
        }
    }
}

/// What one call came to.
pub(crate) enum Outcome {
    /// Answered 200.
    Ok(Value),
    /// Refused with an error that says nothing was written (a quota, a limit, a concurrent
    /// update of the same parameter).
    Refused,
    /// No answer: the connection failed.
    Lost,
    /// A server error (5xx): not acknowledged, so it may or may not have been written (a
    /// concurrent update of one secret that outlasted the server's own retries answers 500).
    ServerError,
    /// Any other answer.
    Failed(String),
}

/// Calls `operation` once.
pub(crate) async fn call(client: &JsonClient, operation: &str, body: &Value) -> Outcome {
    match tokio::time::timeout(ANSWER_WITHIN, client.call(operation, body)).await {
        Err(_) => Outcome::Failed(format!("{operation}: no answer within {ANSWER_WITHIN:?}")),
        Ok(Ok(v)) => Outcome::Ok(v),
        Ok(Err(ClientError::Aws { code, .. }))
            if matches!(code.as_str(), "ThrottlingException" | "LimitExceededException" | "TooManyUpdates") =>
        {
            Outcome::Refused
        }
        Ok(Err(ClientError::Transport { .. })) => Outcome::Lost,
        Ok(Err(ClientError::Aws { status, .. })) if status >= 500 => Outcome::ServerError,
        Ok(Err(e)) => Outcome::Failed(format!("{operation}: {e}")),
    }
}

/// A xorshift generator: the load's choices, reproducible from the printed seed.
pub(crate) struct Rng(u64);

impl Rng {
    /// A generator from `seed`, mixed (splitmix64) so that generators seeded with consecutive
    /// outputs of another do not walk the same sequence one step apart.
    pub(crate) fn new(seed: u64) -> Rng {
        let mut z = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        Rng((z ^ (z >> 31)) | 1)
    }

    pub(crate) fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn pick<T: Clone>(&mut self, items: &[T]) -> Option<T> {
        (!items.is_empty()).then(|| items[self.below(items.len() as u64) as usize].clone())
    }

    /// 32 hexadecimal digits: a client request token, a unique value.
    fn token(&mut self) -> String {
        format!("{:016x}{:016x}", self.next(), self.next())
    }
}

/// One worker's loop: random writes until `stop`, or until the server stops answering.
pub(crate) async fn worker(
    clients: Arc<Clients>,
    ledger: Arc<Mutex<Ledger>>,
    stop: Arc<AtomicBool>,
    cycle: u32,
    worker: u32,
    seed: u64,
) {
    let mut rng = Rng::new(seed);
    let mut n = 0u32;
    while !stop.load(Ordering::SeqCst) {
        n += 1;
        let tag = format!("c{cycle}-w{worker}-{n}");
        let (keys, secrets, parameters) = {
            let l = ledger.lock().expect("ledger");
            (l.keys(), l.secrets(), l.parameters())
        };
        let key = rng.pick(&keys);
        let (write, sent) = match (rng.below(10), key) {
            (_, None) | (0, _) => (Write::Key { id: None }, send_create_key(&clients, &tag).await),
            (1, Some(key)) => {
                let name = format!("alias/crash-{tag}");
                let body = json!({"AliasName": name, "TargetKeyId": key});
                (Write::Alias { name, key }, call(&clients.kms, "CreateAlias", &body).await)
            }
            (2, Some(key)) => {
                if ledger.lock().expect("ledger").rotations_sent(&key) >= ROTATIONS_PER_KEY {
                    continue;
                }
                let body = json!({"KeyId": key});
                (Write::Rotation { key }, call(&clients.kms, "RotateKeyOnDemand", &body).await)
            }
            (3, Some(key)) => {
                let grantee = format!("arn:aws:iam::{}:root", clients.account);
                let body = json!({"KeyId": key, "GranteePrincipal": grantee, "Operations": ["Encrypt", "Decrypt"]});
                (Write::Grant { key, id: None }, call(&clients.kms, "CreateGrant", &body).await)
            }
            (4, _) => {
                let (name, version, value) = (format!("crash/{tag}"), rng.token(), format!("secret {tag}"));
                let body = json!({"Name": name, "SecretString": value, "ClientRequestToken": version});
                let write = Write::SecretVersion { name, version, value, first: true };
                (write, call(&clients.secrets, "CreateSecret", &body).await)
            }
            (5, _) if !secrets.is_empty() => {
                let name = rng.pick(&secrets).expect("a secret");
                let (version, value) = (rng.token(), format!("value {tag}"));
                let body = json!({"SecretId": name, "SecretString": value, "ClientRequestToken": version});
                let write = Write::SecretVersion { name, version, value, first: false };
                (write, call(&clients.secrets, "PutSecretValue", &body).await)
            }
            (6 | 7, _) => {
                let name = match rng.pick(&parameters) {
                    Some(existing) if rng.below(3) > 0 => existing,
                    _ => format!("/crash/{tag}"),
                };
                let value = format!("value {tag}");
                let kind = if rng.below(2) == 0 { "String" } else { "SecureString" };
                let body = json!({"Name": name, "Value": value, "Type": kind, "Overwrite": true});
                (Write::Parameter { name, version: None, value }, call(&clients.ssm, "PutParameter", &body).await)
            }
            (_, Some(key)) => {
                let plaintext = STANDARD.encode(format!("plaintext {tag} {}", rng.token()));
                let body = json!({"KeyId": key, "Plaintext": plaintext});
                let write = Write::Ciphertext { key, blob: String::new(), plaintext };
                (write, call(&clients.kms, "Encrypt", &body).await)
            }
        };
        let mut l = ledger.lock().expect("ledger");
        match sent {
            Outcome::Ok(answer) => {
                let write = acknowledged(write, &answer);
                l.entries.push(Entry { write, acked: true, cycle });
            }
            Outcome::Refused => {}
            Outcome::ServerError => {
                l.server_errors += 1;
                l.entries.push(Entry { write, acked: false, cycle });
            }
            Outcome::Lost => {
                if !stop.load(Ordering::SeqCst) {
                    l.unexpected.push(format!("cycle {cycle}: a connection failed before the kill"));
                }
                l.entries.push(Entry { write, acked: false, cycle });
                return;
            }
            Outcome::Failed(why) => {
                if !stop.load(Ordering::SeqCst) {
                    l.unexpected.push(format!("cycle {cycle}: {why}"));
                }
                l.entries.push(Entry { write, acked: false, cycle });
                return;
            }
        }
    }
}

async fn send_create_key(clients: &Clients, tag: &str) -> Outcome {
    call(&clients.kms, "CreateKey", &json!({"Description": format!("crash {tag}")})).await
}

/// `write` completed with what its answer says (ids, versions, ciphertexts).
fn acknowledged(write: Write, answer: &Value) -> Write {
    let text = |v: &Value| v.as_str().expect("a string in the answer").to_owned();
    match write {
        Write::Key { .. } => Write::Key { id: Some(text(&answer["KeyMetadata"]["KeyId"])) },
        Write::Grant { key, .. } => Write::Grant { key, id: Some(text(&answer["GrantId"])) },
        Write::Parameter { name, value, .. } => {
            Write::Parameter { name, version: Some(answer["Version"].as_u64().expect("Version")), value }
        }
        Write::Ciphertext { key, plaintext, .. } => {
            Write::Ciphertext { key, blob: text(&answer["CiphertextBlob"]), plaintext }
        }
        other => other,
    }
}
