//! `trent secrets ...`: Secrets Manager operations against a running server, with human output
//! by default and the service's JSON with `--output json`.

use std::path::PathBuf;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use clap::{Args, Subcommand};
use serde_json::{Value, json};
use zeroize::Zeroizing;

use crate::kms::{Connection, parse_pair, read_input};
use crate::output::{Output, date, print, s};

#[derive(Args)]
pub(crate) struct SecretsArgs {
    #[command(flatten)]
    connection: Connection,
    #[command(subcommand)]
    command: SecretsCommand,
}

#[derive(Subcommand)]
enum SecretsCommand {
    /// Create a secret (value from --secret-string, --file, or none).
    Create {
        /// The secret's name.
        #[arg(long)]
        name: String,
        /// The value as text.
        #[arg(long, conflicts_with = "file")]
        secret_string: Option<String>,
        /// Read a binary value from a file (`-` for stdin).
        #[arg(long)]
        file: Option<PathBuf>,
        /// Description.
        #[arg(long)]
        description: Option<String>,
        /// KMS key (default: the account's aws/secretsmanager key).
        #[arg(long)]
        kms_key_id: Option<String>,
        /// Tag as KEY=VALUE; repeatable.
        #[arg(long = "tag", value_parser = parse_pair)]
        tags: Vec<(String, String)>,
    },
    /// Print a secret's value (AWSCURRENT unless --version-id or --version-stage).
    Get {
        /// Name, ARN or partial ARN.
        #[arg(long)]
        secret_id: String,
        /// A version id.
        #[arg(long)]
        version_id: Option<String>,
        /// A staging label.
        #[arg(long)]
        version_stage: Option<String>,
    },
    /// Store a new value, which becomes AWSCURRENT unless --version-stage says otherwise.
    Put {
        /// Name, ARN or partial ARN.
        #[arg(long)]
        secret_id: String,
        /// The value as text.
        #[arg(long, conflicts_with = "file")]
        secret_string: Option<String>,
        /// Read a binary value from a file (`-` for stdin).
        #[arg(long)]
        file: Option<PathBuf>,
        /// Staging label for the new version; repeatable.
        #[arg(long = "version-stage")]
        stages: Vec<String>,
    },
    /// List secrets (all pages).
    List {
        /// Include secrets scheduled for deletion.
        #[arg(long)]
        include_planned_deletion: bool,
        /// Only secrets whose name starts with this.
        #[arg(long)]
        name_prefix: Option<String>,
    },
    /// Describe a secret.
    Describe {
        /// Name, ARN or partial ARN.
        #[arg(long)]
        secret_id: String,
    },
    /// Schedule a secret's deletion after 7 to 30 days, or delete it now with --force.
    Delete {
        /// Name, ARN or partial ARN.
        #[arg(long)]
        secret_id: String,
        /// Recovery window in days (default 30).
        #[arg(long, conflicts_with = "force")]
        recovery_window_in_days: Option<i64>,
        /// Delete without a recovery window.
        #[arg(long)]
        force: bool,
    },
    /// Cancel a scheduled deletion.
    Restore {
        /// Name, ARN or partial ARN.
        #[arg(long)]
        secret_id: String,
    },
    /// Configure rotation and start a rotation now (unless --no-rotate-immediately).
    Rotate {
        /// Name, ARN or partial ARN.
        #[arg(long)]
        secret_id: String,
        /// The rotation function: a built-in one (`arn:aws:lambda:REGION:ACCOUNT:function:trent-postgresql-single-user`)
        /// or one of `[[rotation.functions]]` (default: the one already configured).
        #[arg(long)]
        rotation_lambda_arn: Option<String>,
        /// Rotate every N days (1 to 1000).
        #[arg(long, conflicts_with = "schedule_expression")]
        automatically_after_days: Option<i64>,
        /// `rate(N days)`, `rate(N hours)` or `cron(0 H DOM MON DOW *)`.
        #[arg(long)]
        schedule_expression: Option<String>,
        /// The rotation window, such as `3h`.
        #[arg(long)]
        duration: Option<String>,
        /// Only configure the schedule; rotate at its next window.
        #[arg(long)]
        no_rotate_immediately: bool,
    },
    /// Replicate a secret to other regions of this deployment (read-only replicas, kept in sync).
    Replicate {
        /// Name, ARN or partial ARN.
        #[arg(long)]
        secret_id: String,
        /// A replica region, or `REGION=KMS_KEY_ID` to encrypt the replica under that region's key
        /// (default: its `aws/secretsmanager` key). Repeatable.
        #[arg(long = "add-replica-region", value_name = "REGION[=KMS_KEY_ID]", required = true)]
        add_replica_regions: Vec<String>,
        /// Overwrite a secret of the same name in a replica region.
        #[arg(long)]
        force_overwrite_replica_secret: bool,
    },
    /// Turn automatic rotation off and stop a rotation in progress.
    CancelRotate {
        /// Name, ARN or partial ARN.
        #[arg(long)]
        secret_id: String,
    },
    /// Print a random password from the server's CSPRNG.
    RandomPassword {
        /// Length (default 32).
        #[arg(long)]
        length: Option<u32>,
        /// Characters never to use.
        #[arg(long)]
        exclude_characters: Option<String>,
        /// No digits.
        #[arg(long)]
        exclude_numbers: bool,
        /// No punctuation.
        #[arg(long)]
        exclude_punctuation: bool,
        /// No upper-case letters.
        #[arg(long)]
        exclude_uppercase: bool,
        /// No lower-case letters.
        #[arg(long)]
        exclude_lowercase: bool,
        /// May contain spaces.
        #[arg(long)]
        include_space: bool,
    },
}

/// Puts `SecretString` or `SecretBinary` into `body` from the flags.
fn value(body: &mut Value, string: Option<String>, file: Option<PathBuf>) -> Result<(), String> {
    match (string, file) {
        (Some(s), _) => body["SecretString"] = json!(Zeroizing::new(s).as_str()),
        (None, Some(f)) => {
            let bytes = Zeroizing::new(read_input(None, Some(f))?);
            body["SecretBinary"] = json!(Zeroizing::new(STANDARD.encode(&*bytes)).as_str());
        }
        (None, None) => {}
    }
    Ok(())
}

pub(crate) async fn run(args: SecretsArgs) -> Result<(), Box<dyn std::error::Error>> {
    let out = args.connection.output();
    let client = args.connection.client_for("secretsmanager", "secretsmanager.")?;
    match args.command {
        SecretsCommand::Create { name, secret_string, file, description, kms_key_id, tags } => {
            let mut body = json!({ "Name": name });
            value(&mut body, secret_string, file)?;
            if let Some(d) = description {
                body["Description"] = json!(d);
            }
            if let Some(k) = kms_key_id {
                body["KmsKeyId"] = json!(k);
            }
            if !tags.is_empty() {
                body["Tags"] = tags.iter().map(|(k, v)| json!({"Key": k, "Value": v})).collect();
            }
            let v = client.call("CreateSecret", &body).await?;
            print(out, &v, |v| vec![format!("{} created, version {}", s(v, "ARN"), s(v, "VersionId"))]);
        }
        SecretsCommand::Get { secret_id, version_id, version_stage } => {
            let mut body = json!({ "SecretId": secret_id });
            if let Some(id) = version_id {
                body["VersionId"] = json!(id);
            }
            if let Some(stage) = version_stage {
                body["VersionStage"] = json!(stage);
            }
            let v = client.call("GetSecretValue", &body).await?;
            if out == Output::Json {
                print(out, &v, |_| Vec::new());
            } else if let Some(text) = v.get("SecretString").and_then(Value::as_str) {
                println!("{text}");
            } else {
                use std::io::Write;
                let bytes = Zeroizing::new(STANDARD.decode(s(&v, "SecretBinary"))?);
                std::io::stdout().write_all(&bytes)?;
            }
        }
        SecretsCommand::Put { secret_id, secret_string, file, stages } => {
            let mut body = json!({ "SecretId": secret_id });
            value(&mut body, secret_string, file)?;
            if !stages.is_empty() {
                body["VersionStages"] = json!(stages);
            }
            let v = client.call("PutSecretValue", &body).await?;
            print(out, &v, |v| vec![format!("version {} {}", s(v, "VersionId"), v["VersionStages"])]);
        }
        SecretsCommand::List { include_planned_deletion, name_prefix } => {
            let mut all = Vec::new();
            let mut token: Option<String> = None;
            loop {
                let mut body = json!({ "IncludePlannedDeletion": include_planned_deletion, "SortOrder": "asc" });
                if let Some(p) = &name_prefix {
                    body["Filters"] = json!([{ "Key": "name", "Values": [p] }]);
                }
                if let Some(t) = &token {
                    body["NextToken"] = json!(t);
                }
                let v = client.call("ListSecrets", &body).await?;
                all.extend(v["SecretList"].as_array().cloned().unwrap_or_default());
                token = v.get("NextToken").and_then(Value::as_str).map(str::to_owned);
                if token.is_none() {
                    break;
                }
            }
            let v = json!({ "SecretList": all });
            print(out, &v, |v| {
                v["SecretList"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|e| {
                        let deleted = if e.get("DeletedDate").is_some() { "  (scheduled for deletion)" } else { "" };
                        format!("{}  {}{deleted}", s(e, "Name"), s(e, "ARN"))
                    })
                    .collect()
            });
        }
        SecretsCommand::Describe { secret_id } => {
            let v = client.call("DescribeSecret", &json!({ "SecretId": secret_id })).await?;
            print(out, &v, describe_lines);
        }
        SecretsCommand::Delete { secret_id, recovery_window_in_days, force } => {
            let mut body = json!({ "SecretId": secret_id });
            if let Some(d) = recovery_window_in_days {
                body["RecoveryWindowInDays"] = json!(d);
            }
            if force {
                body["ForceDeleteWithoutRecovery"] = json!(true);
            }
            let v = client.call("DeleteSecret", &body).await?;
            print(out, &v, |v| vec![format!("{} will be deleted on {}", s(v, "Name"), date(v, "DeletionDate"))]);
        }
        SecretsCommand::Restore { secret_id } => {
            let v = client.call("RestoreSecret", &json!({ "SecretId": secret_id })).await?;
            print(out, &v, |v| vec![format!("{} restored", s(v, "Name"))]);
        }
        SecretsCommand::Rotate {
            secret_id,
            rotation_lambda_arn,
            automatically_after_days,
            schedule_expression,
            duration,
            no_rotate_immediately,
        } => {
            let mut body = json!({ "SecretId": secret_id, "RotateImmediately": !no_rotate_immediately });
            if let Some(arn) = rotation_lambda_arn {
                body["RotationLambdaARN"] = json!(arn);
            }
            let mut rules = serde_json::Map::new();
            if let Some(d) = automatically_after_days {
                rules.insert("AutomaticallyAfterDays".into(), json!(d));
            }
            if let Some(e) = schedule_expression {
                rules.insert("ScheduleExpression".into(), json!(e));
            }
            if let Some(d) = duration {
                rules.insert("Duration".into(), json!(d));
            }
            if !rules.is_empty() {
                body["RotationRules"] = Value::Object(rules);
            }
            let v = client.call("RotateSecret", &body).await?;
            print(out, &v, |v| match v.get("VersionId").and_then(Value::as_str) {
                Some(version) => vec![format!("{}: rotation started, new version {version}", s(v, "Name"))],
                None => vec![format!("{}: rotation configured", s(v, "Name"))],
            });
        }
        SecretsCommand::Replicate { secret_id, add_replica_regions, force_overwrite_replica_secret } => {
            let replicas: Vec<Value> = add_replica_regions
                .iter()
                .map(|r| match r.split_once('=') {
                    Some((region, key)) => json!({ "Region": region, "KmsKeyId": key }),
                    None => json!({ "Region": r }),
                })
                .collect();
            let body = json!({
                "SecretId": secret_id,
                "AddReplicaRegions": replicas,
                "ForceOverwriteReplicaSecret": force_overwrite_replica_secret,
            });
            let v = client.call("ReplicateSecretToRegions", &body).await?;
            print(out, &v, replication_lines);
        }
        SecretsCommand::CancelRotate { secret_id } => {
            let v = client.call("CancelRotateSecret", &json!({ "SecretId": secret_id })).await?;
            print(out, &v, |v| match v.get("VersionId").and_then(Value::as_str) {
                Some(version) => vec![format!(
                    "{}: rotation off; version {version} of the stopped rotation keeps AWSPENDING",
                    s(v, "Name")
                )],
                None => vec![format!("{}: rotation off", s(v, "Name"))],
            });
        }
        SecretsCommand::RandomPassword {
            length,
            exclude_characters,
            exclude_numbers,
            exclude_punctuation,
            exclude_uppercase,
            exclude_lowercase,
            include_space,
        } => {
            let mut body = json!({
                "ExcludeNumbers": exclude_numbers,
                "ExcludePunctuation": exclude_punctuation,
                "ExcludeUppercase": exclude_uppercase,
                "ExcludeLowercase": exclude_lowercase,
                "IncludeSpace": include_space,
            });
            if let Some(l) = length {
                body["PasswordLength"] = json!(l);
            }
            if let Some(x) = exclude_characters {
                body["ExcludeCharacters"] = json!(x);
            }
            let v = client.call("GetRandomPassword", &body).await?;
            print(out, &v, |v| vec![s(v, "RandomPassword").to_owned()]);
        }
    }
    Ok(())
}

/// One line per replica region: its status, and AWS's message when it has one.
fn replication_lines(v: &Value) -> Vec<String> {
    v["ReplicationStatus"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| match r.get("StatusMessage").and_then(Value::as_str) {
            Some(message) => format!("Replica:         {} {} ({message})", s(r, "Region"), s(r, "Status")),
            None => format!("Replica:         {} {}", s(r, "Region"), s(r, "Status")),
        })
        .collect()
}

fn describe_lines(v: &Value) -> Vec<String> {
    let mut lines = vec![
        format!("Name:            {}", s(v, "Name")),
        format!("ARN:             {}", s(v, "ARN")),
        format!("CreatedDate:     {}", date(v, "CreatedDate")),
        format!("LastChangedDate: {}", date(v, "LastChangedDate")),
    ];
    if !s(v, "Description").is_empty() {
        lines.push(format!("Description:     {}", s(v, "Description")));
    }
    if !s(v, "KmsKeyId").is_empty() {
        lines.push(format!("KmsKeyId:        {}", s(v, "KmsKeyId")));
    }
    if v.get("DeletedDate").is_some() {
        lines.push(format!("DeletedDate:     {}", date(v, "DeletedDate")));
    }
    if v.get("RotationEnabled").and_then(Value::as_bool) == Some(true) || v.get("RotationLambdaARN").is_some() {
        lines.push(format!("RotationEnabled: {}", v["RotationEnabled"].as_bool().unwrap_or(false)));
        lines.push(format!("RotationLambda:  {}", s(v, "RotationLambdaARN")));
        if let Some(rules) = v.get("RotationRules") {
            lines.push(format!("RotationRules:   {rules}"));
        }
        if v.get("LastRotatedDate").is_some() {
            lines.push(format!("LastRotated:     {}", date(v, "LastRotatedDate")));
        }
        if v.get("NextRotationDate").is_some() {
            lines.push(format!("NextRotation:    {}", date(v, "NextRotationDate")));
        }
    }
    if !s(v, "PrimaryRegion").is_empty() {
        lines.push(format!("PrimaryRegion:   {}", s(v, "PrimaryRegion")));
    }
    lines.extend(replication_lines(v));
    if let Some(stages) = v.get("VersionIdsToStages").and_then(Value::as_object) {
        for (version, labels) in stages {
            lines.push(format!("Version:         {version} {labels}"));
        }
    }
    lines
}
