//! What a restarted server must show of the ledger: every acknowledged write, whole; every
//! unacknowledged one either whole or absent; no key, secret, alias or parameter the load
//! never asked for.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};
use trent_client::{ClientError, JsonClient};

use crate::load::{Clients, Entry, Write};

/// The versions of a parameter Parameter Store keeps.
const KEPT_VERSIONS: u64 = 100;

/// Problems found, each a sentence.
pub(crate) type Problems = Vec<String>;

/// Calls `operation`: the answer, or the error code.
async fn ask(client: &JsonClient, operation: &str, body: Value) -> Result<Value, String> {
    match client.call(operation, &body).await {
        Ok(v) => Ok(v),
        Err(ClientError::Aws { code, .. }) => Err(code),
        Err(e) => panic!("{operation} on the restarted server: {e}"),
    }
}

/// Checks `entries` (one cycle's, or the whole run's) against the server; the counts of a
/// key's rotations and grants and a parameter's versions come from `all` (the whole run's).
pub(crate) async fn entries(c: &Clients, entries: &[&Entry], all: &[Entry], problems: &mut Problems) {
    let mut rotations: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    let mut grants: BTreeMap<&str, (BTreeSet<&str>, usize)> = BTreeMap::new();
    let mut parameters: BTreeMap<&str, Vec<(Option<u64>, &str)>> = BTreeMap::new();
    for e in entries {
        match &e.write {
            Write::Key { id: Some(id) } => key_serves(c, id, problems).await,
            Write::Key { id: None } => {} // found, if made, by the scan of every key
            Write::Alias { name, key } => alias(c, name, key, e.acked, problems).await,
            Write::Rotation { key } => {
                rotations.entry(key).or_default();
            }
            Write::Grant { key, .. } => {
                grants.entry(key).or_default();
            }
            Write::SecretVersion { name, version, value, first } => {
                secret_version(c, name, version, value, *first, e.acked, problems).await;
            }
            Write::Parameter { name, .. } => {
                parameters.entry(name).or_default();
            }
            Write::Ciphertext { key, blob, plaintext } if e.acked => decrypts(c, key, blob, plaintext, problems).await,
            Write::Ciphertext { .. } => {}
        }
    }
    for e in all {
        match &e.write {
            Write::Rotation { key } => {
                if let Some((acked, sent)) = rotations.get_mut(key.as_str()) {
                    *acked += usize::from(e.acked);
                    *sent += 1;
                }
            }
            Write::Grant { key, id } => {
                if let Some((acked, sent)) = grants.get_mut(key.as_str()) {
                    acked.extend(id.as_deref());
                    *sent += 1;
                }
            }
            Write::Parameter { name, version, value } => {
                if let Some(writes) = parameters.get_mut(name.as_str()) {
                    writes.push((*version, value.as_str()));
                }
            }
            _ => {}
        }
    }
    for (key, (acked, sent)) in rotations {
        let listed = ask(&c.kms, "ListKeyRotations", json!({"KeyId": key})).await;
        let n = listed.map(|v| v["Rotations"].as_array().map_or(0, Vec::len)).unwrap_or_default();
        if n < acked || n > sent {
            problems.push(format!("key {key}: {n} rotations listed, {acked} acknowledged of {sent} sent"));
        }
    }
    for (key, (acked, sent)) in grants {
        let first = json!({"KeyId": key, "Limit": 100});
        let listed = scan(&c.kms, "ListGrants", first, "Grants", "GrantId", ("Marker", "NextMarker")).await;
        let ids: BTreeSet<&str> = listed.iter().map(String::as_str).collect();
        if let Some(lost) = acked.iter().find(|id| !ids.contains(**id)) {
            problems.push(format!("key {key}: acknowledged grant {lost} is missing"));
        }
        if ids.len() > sent {
            problems.push(format!("key {key}: {} grants listed, {sent} sent", ids.len()));
        }
    }
    for (name, writes) in parameters {
        parameter(c, name, &writes, problems).await;
    }
}

/// An acknowledged key: described as enabled, and it encrypts (its material is there).
async fn key_serves(c: &Clients, id: &str, problems: &mut Problems) {
    match ask(&c.kms, "DescribeKey", json!({"KeyId": id})).await {
        Ok(v) if v["KeyMetadata"]["KeyState"] == "Enabled" => {}
        other => return problems.push(format!("key {id}: {other:?}")),
    }
    if let Err(code) = ask(&c.kms, "Encrypt", json!({"KeyId": id, "Plaintext": "cHJvYmU="})).await {
        problems.push(format!("key {id} does not encrypt: {code}"));
    }
}

async fn alias(c: &Clients, name: &str, key: &str, acked: bool, problems: &mut Problems) {
    match ask(&c.kms, "DescribeKey", json!({"KeyId": name})).await {
        Ok(v) if v["KeyMetadata"]["KeyId"] == key => {}
        Err(code) if !acked && code == "NotFoundException" => {}
        other => problems.push(format!("alias {name} (acknowledged: {acked}) of {key}: {other:?}")),
    }
}

async fn secret_version(
    c: &Clients,
    name: &str,
    version: &str,
    value: &str,
    first: bool,
    acked: bool,
    problems: &mut Problems,
) {
    match ask(&c.secrets, "GetSecretValue", json!({"SecretId": name, "VersionId": version})).await {
        Ok(v) if v["SecretString"] == value => {}
        Err(code) if !acked && code == "ResourceNotFoundException" => {
            // Absent as a version; a secret created without its first version is half-present.
            if first && ask(&c.secrets, "DescribeSecret", json!({"SecretId": name})).await.is_ok() {
                problems.push(format!("secret {name} exists without the version it was created with"));
            }
        }
        other => problems.push(format!("secret {name} version {version} (acknowledged: {acked}): {other:?}")),
    }
}

/// Every acknowledged version of a parameter reads back; its latest is acknowledged or sent.
async fn parameter(c: &Clients, name: &str, writes: &[(Option<u64>, &str)], problems: &mut Problems) {
    let newest_acked = writes.iter().filter_map(|(v, _)| *v).max();
    for (version, value) in writes {
        let Some(version) = version else { continue };
        // Parameter Store keeps a parameter's last 100 versions.
        if version + KEPT_VERSIONS <= newest_acked.unwrap_or(0) {
            continue;
        }
        let body = json!({"Name": format!("{name}:{version}"), "WithDecryption": true});
        match ask(&c.ssm, "GetParameter", body).await {
            Ok(v) if v["Parameter"]["Value"] == *value => {}
            other => problems.push(format!("parameter {name} version {version}: {other:?}")),
        }
    }
    match ask(&c.ssm, "GetParameter", json!({"Name": name, "WithDecryption": true})).await {
        Ok(v) => {
            let (version, value) = (v["Parameter"]["Version"].as_u64(), v["Parameter"]["Value"].as_str());
            let sent = writes.iter().any(|(_, w)| Some(*w) == value);
            if version < newest_acked || !sent {
                problems.push(format!(
                    "parameter {name}: latest {version:?} {value:?}, newest acknowledged {newest_acked:?}"
                ));
            }
        }
        Err(code) if newest_acked.is_none() && code == "ParameterNotFound" => {}
        Err(code) => problems.push(format!("parameter {name}: {code}")),
    }
}

async fn decrypts(c: &Clients, key: &str, blob: &str, plaintext: &str, problems: &mut Problems) {
    match ask(&c.kms, "Decrypt", json!({"CiphertextBlob": blob})).await {
        Ok(v) if v["Plaintext"] == plaintext && v["KeyId"].as_str().is_some_and(|k| k.ends_with(key)) => {}
        other => problems.push(format!("a ciphertext of key {key} does not decrypt: {:?}", other.err())),
    }
}

/// Pages through `operation`, collecting `field` of each item of `list`.
async fn scan(
    client: &JsonClient,
    operation: &str,
    first: Value,
    list: &str,
    field: &str,
    token: (&str, &str),
) -> Vec<String> {
    let (mut found, mut next) = (Vec::new(), None::<String>);
    loop {
        let mut body = first.clone();
        if let Some(t) = &next {
            body[token.0] = json!(t);
        }
        let page = ask(client, operation, body).await.unwrap_or_else(|code| panic!("{operation}: {code}"));
        found.extend(page[list].as_array().into_iter().flatten().filter_map(|i| i[field].as_str()).map(str::to_owned));
        match page[token.1].as_str() {
            Some(t) if !t.is_empty() => next = Some(t.to_owned()),
            _ => return found,
        }
    }
}

/// Everything the server lists was asked for: the keys beyond the acknowledged ones are at
/// most the unacknowledged `CreateKey`s, and each of those is whole; every secret and
/// parameter listed is one the load named.
pub(crate) async fn nothing_unasked(c: &Clients, all: &[Entry], problems: &mut Problems) {
    let known: BTreeSet<&str> = all
        .iter()
        .filter_map(|e| match &e.write {
            Write::Key { id: Some(id) } => Some(id.as_str()),
            _ => None,
        })
        .collect();
    let pending = all.iter().filter(|e| matches!(e.write, Write::Key { id: None })).count();
    let keys = scan(&c.kms, "ListKeys", json!({"Limit": 1000}), "Keys", "KeyId", ("Marker", "NextMarker")).await;
    let mut extra = 0;
    for key in keys.iter().filter(|k| !known.contains(k.as_str())) {
        // The AWS managed keys of Secrets Manager and Parameter Store (`aws/secretsmanager`,
        // `aws/ssm`) are made by their services on first use; only they may use them.
        let described = ask(&c.kms, "DescribeKey", json!({"KeyId": key})).await;
        if described.as_ref().is_ok_and(|v| v["KeyMetadata"]["KeyManager"] == "AWS") {
            continue;
        }
        extra += 1;
        key_serves(c, key, problems).await;
    }
    if extra > pending {
        problems.push(format!("{extra} keys nobody was told of, {pending} CreateKey unanswered"));
    }
    let secrets =
        scan(&c.secrets, "ListSecrets", json!({"MaxResults": 100}), "SecretList", "Name", ("NextToken", "NextToken"))
            .await;
    let named = |name: &str| {
        all.iter().any(|e| matches!(&e.write, Write::SecretVersion { name: n, first: true, .. } if n == name))
    };
    if let Some(stray) = secrets.iter().find(|s| !named(s)) {
        problems.push(format!("secret {stray} was never created"));
    }
    let params =
        scan(&c.ssm, "DescribeParameters", json!({"MaxResults": 50}), "Parameters", "Name", ("NextToken", "NextToken"))
            .await;
    let named = |name: &str| all.iter().any(|e| matches!(&e.write, Write::Parameter { name: n, .. } if n == name));
    if let Some(stray) = params.iter().find(|p| !named(p)) {
        problems.push(format!("parameter {stray} was never written"));
    }
}
