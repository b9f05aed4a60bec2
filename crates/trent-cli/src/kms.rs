//! `trent kms ...`: KMS operations against a running server, with human output by default.

use std::io::Read;
use std::path::PathBuf;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use clap::{Args, Subcommand};
use serde_json::{Value, json};

use crate::output::{Output, date, print, s};
use trent_client::{ClientOptions, Credentials, JsonClient};

/// Where to find the server and how to sign.
#[derive(Args, Clone)]
pub(crate) struct Connection {
    /// Server URL.
    #[arg(long, env = "AWS_ENDPOINT_URL", default_value = "http://127.0.0.1:4599", global = true)]
    endpoint_url: String,
    /// Region to sign for.
    #[arg(long, env = "AWS_REGION", default_value = "us-east-1", global = true)]
    region: String,
    /// Shared-credentials file (default: DATA_DIR/credentials, then ~/.aws/credentials).
    #[arg(long, env = "AWS_SHARED_CREDENTIALS_FILE", global = true)]
    credentials_file: Option<PathBuf>,
    /// Profile in the credentials file.
    #[arg(long, env = "AWS_PROFILE", default_value = "trent", global = true)]
    profile: String,
    /// Trent data directory, to find its credentials file.
    #[arg(long, env = "TRENT_DATA_DIR", default_value = "./trent-data", global = true)]
    data_dir: PathBuf,
    /// Access key id (overrides the credentials file; needs the secret too).
    #[arg(long, env = "AWS_ACCESS_KEY_ID", hide_env_values = true, global = true)]
    access_key_id: Option<String>,
    /// Secret access key.
    #[arg(long, env = "AWS_SECRET_ACCESS_KEY", hide_env_values = true, global = true)]
    secret_access_key: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text", global = true)]
    output: Output,
}

impl Connection {
    /// The server URL.
    pub(crate) fn endpoint_url(&self) -> &str {
        &self.endpoint_url
    }

    /// The region requests are signed for.
    pub(crate) fn region(&self) -> &str {
        &self.region
    }

    /// The credentials requests are signed with.
    pub(crate) fn credentials(&self) -> Result<Credentials, String> {
        if let (Some(id), Some(secret)) = (&self.access_key_id, &self.secret_access_key) {
            return Ok(Credentials::new(id, secret.as_bytes()));
        }
        let file = match &self.credentials_file {
            Some(f) => f.clone(),
            None => trent_client::default_file(&self.data_dir, std::env::home_dir())
                .ok_or("no credentials: start `trent server` first or set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY")?,
        };
        trent_client::from_file(&file, &self.profile)
    }

    pub(crate) fn client(&self) -> Result<JsonClient, Box<dyn std::error::Error>> {
        self.client_for(trent_wire::kms::SIGNING_SERVICE, trent_wire::kms::TARGET_PREFIX)
    }

    /// A client for the awsJson service signed as `service` whose targets start `prefix`.
    pub(crate) fn client_for(
        &self,
        service: &'static str,
        prefix: &'static str,
    ) -> Result<JsonClient, Box<dyn std::error::Error>> {
        Ok(JsonClient::new(
            &self.endpoint_url,
            self.credentials()?,
            &self.region,
            service,
            prefix,
            ClientOptions::default(),
        )?)
    }

    /// How answers are printed.
    pub(crate) fn output(&self) -> Output {
        self.output
    }
}

#[derive(Args)]
pub(crate) struct KmsArgs {
    #[command(flatten)]
    connection: Connection,
    #[command(subcommand)]
    command: KmsCommand,
}

#[derive(Subcommand)]
enum KmsCommand {
    /// Create a key (symmetric encryption unless --key-spec and --key-usage say otherwise).
    CreateKey {
        /// Description.
        #[arg(long)]
        description: Option<String>,
        /// KeySpec: SYMMETRIC_DEFAULT, RSA_2048, ECC_NIST_P256, ML_DSA_65, HMAC_256, ...
        #[arg(long)]
        key_spec: Option<String>,
        /// KeyUsage: ENCRYPT_DECRYPT, SIGN_VERIFY, GENERATE_VERIFY_MAC or KEY_AGREEMENT.
        #[arg(long)]
        key_usage: Option<String>,
        /// Tag as KEY=VALUE; repeatable.
        #[arg(long = "tag", value_parser = parse_pair)]
        tags: Vec<(String, String)>,
        /// Origin: AWS_KMS (default) or EXTERNAL (no material until import-key-material).
        #[arg(long)]
        origin: Option<String>,
    },
    /// Import key material into a key of origin EXTERNAL, wrapping it on this machine.
    ImportKeyMaterial(crate::import_material::ImportArgs),
    /// Delete a key's imported material; the key is PendingImport until the same material
    /// is imported again (material pending rotation is simply forgotten).
    DeleteImportedKeyMaterial {
        /// The key.
        #[arg(long)]
        key_id: String,
        /// Which material (64 hexadecimal digits); the current one when omitted.
        #[arg(long)]
        key_material_id: Option<String>,
    },
    /// List keys.
    ListKeys {
        /// Page size.
        #[arg(long)]
        limit: Option<u32>,
    },
    /// Describe a key (id, ARN, alias name or alias ARN).
    DescribeKey {
        /// The key.
        #[arg(long)]
        key_id: String,
    },
    /// Encrypt at most 4 KiB (from --plaintext, --file, or stdin); prints base64 ciphertext.
    Encrypt {
        /// The key.
        #[arg(long)]
        key_id: String,
        /// Plaintext as text.
        #[arg(long, conflicts_with = "file")]
        plaintext: Option<String>,
        /// Read the plaintext from a file (`-` for stdin).
        #[arg(long)]
        file: Option<PathBuf>,
        /// Encryption context entry KEY=VALUE; repeatable.
        #[arg(long = "encryption-context", value_parser = parse_pair)]
        context: Vec<(String, String)>,
    },
    /// Decrypt a base64 ciphertext (from --ciphertext or stdin); prints the plaintext.
    Decrypt {
        /// Base64 ciphertext blob.
        #[arg(long)]
        ciphertext: Option<String>,
        /// Encryption context entry KEY=VALUE; repeatable.
        #[arg(long = "encryption-context", value_parser = parse_pair)]
        context: Vec<(String, String)>,
        /// Expected key.
        #[arg(long)]
        key_id: Option<String>,
        /// Print the plaintext as base64 instead of raw bytes.
        #[arg(long)]
        base64: bool,
    },
    /// Generate a data key (plaintext and encrypted copy, base64).
    GenerateDataKey {
        /// The key.
        #[arg(long)]
        key_id: String,
        /// AES_256 or AES_128 (default AES_256 unless --number-of-bytes).
        #[arg(long)]
        key_spec: Option<String>,
        /// Length in bytes instead of a key spec.
        #[arg(long, conflicts_with = "key_spec")]
        number_of_bytes: Option<u32>,
        /// Encryption context entry KEY=VALUE; repeatable.
        #[arg(long = "encryption-context", value_parser = parse_pair)]
        context: Vec<(String, String)>,
    },
    /// Create an alias for a key.
    CreateAlias {
        /// alias/NAME.
        #[arg(long)]
        alias_name: String,
        /// The key id or ARN.
        #[arg(long)]
        target_key_id: String,
    },
    /// Schedule a key's deletion after 7 to 30 days.
    ScheduleKeyDeletion {
        /// The key.
        #[arg(long)]
        key_id: String,
        /// Waiting period in days (default 30).
        #[arg(long)]
        pending_window_in_days: Option<u32>,
    },
    /// Turn on automatic rotation.
    EnableKeyRotation {
        /// The key.
        #[arg(long)]
        key_id: String,
        /// Days between rotations, 90..2560 (default 365).
        #[arg(long)]
        rotation_period_in_days: Option<u32>,
    },
    /// Rotate a key now (RotateKeyOnDemand).
    RotateKey {
        /// The key.
        #[arg(long)]
        key_id: String,
    },
    /// Sign a message of at most 4 KiB (from --message, --file, or stdin), or its digest
    /// (--message-type DIGEST); prints the base64 signature.
    Sign {
        /// The key.
        #[arg(long)]
        key_id: String,
        #[command(flatten)]
        message: Message,
        /// RSASSA_PSS_SHA_256, ECDSA_SHA_256, ED25519_SHA_512, ML_DSA_SHAKE_256, ...
        #[arg(long)]
        signing_algorithm: String,
        /// RAW (default) or DIGEST.
        #[arg(long)]
        message_type: Option<String>,
    },
    /// Verify a base64 signature of a message; fails with KMSInvalidSignatureException if it
    /// does not verify.
    Verify {
        /// The key.
        #[arg(long)]
        key_id: String,
        #[command(flatten)]
        message: Message,
        /// The base64 signature.
        #[arg(long)]
        signature: String,
        /// The algorithm it was made with.
        #[arg(long)]
        signing_algorithm: String,
        /// RAW (default) or DIGEST.
        #[arg(long)]
        message_type: Option<String>,
    },
    /// Print an asymmetric key's public key (PEM; the DER in base64 with --output json).
    GetPublicKey {
        /// The key.
        #[arg(long)]
        key_id: String,
    },
    /// HMAC a message of at most 4 KiB with an HMAC key; prints the base64 MAC.
    GenerateMac {
        /// The key.
        #[arg(long)]
        key_id: String,
        #[command(flatten)]
        message: Message,
        /// HMAC_SHA_224, HMAC_SHA_256, HMAC_SHA_384 or HMAC_SHA_512.
        #[arg(long)]
        mac_algorithm: String,
    },
    /// Verify a base64 MAC of a message; fails with KMSInvalidMacException if it does not
    /// verify.
    VerifyMac {
        /// The key.
        #[arg(long)]
        key_id: String,
        #[command(flatten)]
        message: Message,
        /// The base64 MAC.
        #[arg(long)]
        mac: String,
        /// The algorithm it was made with.
        #[arg(long)]
        mac_algorithm: String,
    },
}

/// A message to sign or MAC: text, a file, or stdin.
#[derive(Args)]
struct Message {
    /// The message as text.
    #[arg(long, conflicts_with = "file")]
    message: Option<String>,
    /// Read the message from a file (`-` for stdin).
    #[arg(long)]
    file: Option<PathBuf>,
}

impl Message {
    /// The message, base64 for the request.
    fn base64(self) -> Result<String, String> {
        Ok(STANDARD.encode(&*zeroize::Zeroizing::new(read_input(self.message, self.file)?)))
    }
}

/// `body` with `MessageType` when one is given.
fn with_message_type(mut body: Value, message_type: Option<String>) -> Value {
    if let Some(t) = message_type {
        body["MessageType"] = json!(t);
    }
    body
}

/// A DER SubjectPublicKeyInfo as PEM.
fn public_key_pem(der_base64: &str) -> Vec<String> {
    let mut lines = vec!["-----BEGIN PUBLIC KEY-----".to_owned()];
    lines.extend(der_base64.as_bytes().chunks(64).map(|c| String::from_utf8_lossy(c).into_owned()));
    lines.push("-----END PUBLIC KEY-----".to_owned());
    lines
}

pub(crate) fn parse_pair(s: &str) -> Result<(String, String), String> {
    s.split_once('=').map(|(k, v)| (k.to_owned(), v.to_owned())).ok_or_else(|| format!("'{s}' is not KEY=VALUE"))
}

fn context(pairs: &[(String, String)]) -> Value {
    Value::Object(pairs.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect())
}

pub(crate) fn read_input(plaintext: Option<String>, file: Option<PathBuf>) -> Result<Vec<u8>, String> {
    if let Some(p) = plaintext {
        return Ok(p.into_bytes());
    }
    let mut buf = Vec::new();
    match file {
        Some(f) if f.as_os_str() != "-" => {
            buf = std::fs::read(&f).map_err(|e| format!("cannot read {}: {e}", f.display()))?;
        }
        _ => {
            std::io::stdin().read_to_end(&mut buf).map_err(|e| format!("cannot read stdin: {e}"))?;
        }
    }
    Ok(buf)
}

pub(crate) async fn run(args: KmsArgs) -> Result<(), Box<dyn std::error::Error>> {
    let out = args.connection.output;
    let client = args.connection.client()?;
    match args.command {
        KmsCommand::CreateKey { description, key_spec, key_usage, tags, origin } => {
            let mut body = json!({});
            if let Some(o) = origin {
                body["Origin"] = json!(o);
            }
            if let Some(d) = description {
                body["Description"] = json!(d);
            }
            if let Some(spec) = key_spec {
                body["KeySpec"] = json!(spec);
            }
            if let Some(usage) = key_usage {
                body["KeyUsage"] = json!(usage);
            }
            if !tags.is_empty() {
                body["Tags"] = tags.iter().map(|(k, v)| json!({"TagKey": k, "TagValue": v})).collect();
            }
            let v = client.call("CreateKey", &body).await?;
            print(out, &v, |v| describe_lines(&v["KeyMetadata"]));
        }
        KmsCommand::ImportKeyMaterial(import) => {
            let v = crate::import_material::import(&client, import).await?;
            print(out, &v, |v| {
                // KeyMaterialId comes for symmetric keys only.
                let material = v.get("KeyMaterialId").and_then(Value::as_str).map(|m| format!(" {m}"));
                vec![format!("key material{} imported into {}", material.unwrap_or_default(), s(v, "KeyId"))]
            });
        }
        KmsCommand::DeleteImportedKeyMaterial { key_id, key_material_id } => {
            let mut body = json!({ "KeyId": key_id });
            if let Some(m) = key_material_id {
                body["KeyMaterialId"] = json!(m);
            }
            let v = client.call("DeleteImportedKeyMaterial", &body).await?;
            print(out, &v, |v| vec![format!("imported key material of {} deleted", s(v, "KeyId"))]);
        }
        KmsCommand::ListKeys { limit } => {
            let mut marker: Option<String> = None;
            let mut all = Vec::new();
            loop {
                let mut body = json!({});
                if let Some(l) = limit {
                    body["Limit"] = json!(l);
                }
                if let Some(m) = &marker {
                    body["Marker"] = json!(m);
                }
                let v = client.call("ListKeys", &body).await?;
                all.extend(v["Keys"].as_array().cloned().unwrap_or_default());
                marker = v.get("NextMarker").and_then(|m| m.as_str()).map(str::to_owned);
                if marker.is_none() {
                    break;
                }
            }
            let v = json!({ "Keys": all });
            print(out, &v, |v| v["Keys"].as_array().into_iter().flatten().map(|k| s(k, "KeyArn").to_owned()).collect());
        }
        KmsCommand::DescribeKey { key_id } => {
            let v = client.call("DescribeKey", &json!({ "KeyId": key_id })).await?;
            print(out, &v, |v| describe_lines(&v["KeyMetadata"]));
        }
        KmsCommand::Encrypt { key_id, plaintext, file, context: ctx } => {
            let data = zeroize::Zeroizing::new(read_input(plaintext, file)?);
            let body =
                json!({ "KeyId": key_id, "Plaintext": STANDARD.encode(&*data), "EncryptionContext": context(&ctx) });
            let v = client.call("Encrypt", &body).await?;
            print(out, &v, |v| vec![s(v, "CiphertextBlob").to_owned()]);
        }
        KmsCommand::Decrypt { ciphertext, context: ctx, key_id, base64 } => {
            let blob = match ciphertext {
                Some(c) => c,
                None => String::from_utf8(read_input(None, None)?)?.trim().to_owned(),
            };
            let mut body = json!({ "CiphertextBlob": blob, "EncryptionContext": context(&ctx) });
            if let Some(k) = key_id {
                body["KeyId"] = json!(k);
            }
            let v = client.call("Decrypt", &body).await?;
            if out == Output::Json || base64 {
                print(out, &v, |v| vec![s(v, "Plaintext").to_owned()]);
            } else {
                use std::io::Write;
                let bytes = zeroize::Zeroizing::new(STANDARD.decode(s(&v, "Plaintext"))?);
                std::io::stdout().write_all(&bytes)?;
            }
        }
        KmsCommand::GenerateDataKey { key_id, key_spec, number_of_bytes, context: ctx } => {
            let mut body = json!({ "KeyId": key_id, "EncryptionContext": context(&ctx) });
            match (key_spec, number_of_bytes) {
                (_, Some(n)) => body["NumberOfBytes"] = json!(n),
                (spec, None) => body["KeySpec"] = json!(spec.unwrap_or_else(|| "AES_256".into())),
            }
            let v = client.call("GenerateDataKey", &body).await?;
            print(out, &v, |v| {
                vec![
                    format!("KeyId:          {}", s(v, "KeyId")),
                    format!("Plaintext:      {}", s(v, "Plaintext")),
                    format!("CiphertextBlob: {}", s(v, "CiphertextBlob")),
                ]
            });
        }
        KmsCommand::CreateAlias { alias_name, target_key_id } => {
            let v =
                client.call("CreateAlias", &json!({ "AliasName": alias_name, "TargetKeyId": target_key_id })).await?;
            print(out, &v, |_| vec![format!("{alias_name} -> {target_key_id}")]);
        }
        KmsCommand::ScheduleKeyDeletion { key_id, pending_window_in_days } => {
            let mut body = json!({ "KeyId": key_id });
            if let Some(d) = pending_window_in_days {
                body["PendingWindowInDays"] = json!(d);
            }
            let v = client.call("ScheduleKeyDeletion", &body).await?;
            print(out, &v, |v| vec![format!("{} will be deleted on {}", s(v, "KeyId"), date(v, "DeletionDate"))]);
        }
        KmsCommand::EnableKeyRotation { key_id, rotation_period_in_days } => {
            let mut body = json!({ "KeyId": key_id });
            if let Some(d) = rotation_period_in_days {
                body["RotationPeriodInDays"] = json!(d);
            }
            let v = client.call("EnableKeyRotation", &body).await?;
            let status = client.call("GetKeyRotationStatus", &json!({ "KeyId": key_id })).await?;
            print(out, &v, |_| {
                vec![format!(
                    "rotation enabled every {} days; next rotation {}",
                    status["RotationPeriodInDays"],
                    date(&status, "NextRotationDate")
                )]
            });
        }
        KmsCommand::RotateKey { key_id } => {
            let v = client.call("RotateKeyOnDemand", &json!({ "KeyId": key_id })).await?;
            print(out, &v, |v| vec![format!("{} rotated", s(v, "KeyId"))]);
        }
        KmsCommand::Sign { key_id, message, signing_algorithm, message_type } => {
            let body = json!({ "KeyId": key_id, "Message": message.base64()?, "SigningAlgorithm": signing_algorithm });
            let v = client.call("Sign", &with_message_type(body, message_type)).await?;
            print(out, &v, |v| vec![s(v, "Signature").to_owned()]);
        }
        KmsCommand::Verify { key_id, message, signature, signing_algorithm, message_type } => {
            let body = json!({
                "KeyId": key_id, "Message": message.base64()?, "Signature": signature,
                "SigningAlgorithm": signing_algorithm,
            });
            let v = client.call("Verify", &with_message_type(body, message_type)).await?;
            print(out, &v, |v| vec![format!("signature valid ({}, {})", s(v, "SigningAlgorithm"), s(v, "KeyId"))]);
        }
        KmsCommand::GetPublicKey { key_id } => {
            let v = client.call("GetPublicKey", &json!({ "KeyId": key_id })).await?;
            print(out, &v, |v| public_key_pem(s(v, "PublicKey")));
        }
        KmsCommand::GenerateMac { key_id, message, mac_algorithm } => {
            let body = json!({ "KeyId": key_id, "Message": message.base64()?, "MacAlgorithm": mac_algorithm });
            let v = client.call("GenerateMac", &body).await?;
            print(out, &v, |v| vec![s(v, "Mac").to_owned()]);
        }
        KmsCommand::VerifyMac { key_id, message, mac, mac_algorithm } => {
            let body =
                json!({ "KeyId": key_id, "Message": message.base64()?, "Mac": mac, "MacAlgorithm": mac_algorithm });
            let v = client.call("VerifyMac", &body).await?;
            print(out, &v, |v| vec![format!("MAC valid ({}, {})", s(v, "MacAlgorithm"), s(v, "KeyId"))]);
        }
    }
    Ok(())
}

fn describe_lines(m: &Value) -> Vec<String> {
    let mut lines = vec![
        format!("KeyId:        {}", s(m, "KeyId")),
        format!("Arn:          {}", s(m, "Arn")),
        format!("KeyState:     {}", s(m, "KeyState")),
        format!("KeySpec:      {}", s(m, "KeySpec")),
        format!("KeyUsage:     {}", s(m, "KeyUsage")),
        format!("CreationDate: {}", date(m, "CreationDate")),
    ];
    if !s(m, "Description").is_empty() {
        lines.push(format!("Description:  {}", s(m, "Description")));
    }
    if m.get("ValidTo").is_some() {
        lines.push(format!("ValidTo:      {}", date(m, "ValidTo")));
    }
    if m.get("DeletionDate").is_some() {
        lines.push(format!("DeletionDate: {}", date(m, "DeletionDate")));
    }
    lines
}
