//! `trent params ...`: SSM Parameter Store against a running server (`put`, `get`, `list`,
//! `history`, `label`, `delete`), human output by default, the service's JSON with
//! `--output json`.

use std::io::Read;
use std::path::PathBuf;

use clap::{Args, Subcommand};
use serde_json::{Value, json};
use trent_client::JsonClient;

use crate::kms::{Connection, parse_pair};
use crate::output::{date, print, s};

#[derive(Args)]
pub(crate) struct ParamsArgs {
    #[command(flatten)]
    connection: Connection,
    #[command(subcommand)]
    command: ParamsCommand,
}

#[derive(Subcommand)]
enum ParamsCommand {
    /// Create a parameter, or a new version of one with --overwrite.
    Put {
        /// The name (`/app/db/url`).
        name: String,
        /// The value as text (else --file, else stdin).
        #[arg(long, conflicts_with = "file")]
        value: Option<String>,
        /// Read the value from a file (`-` for stdin).
        #[arg(long)]
        file: Option<PathBuf>,
        /// String, StringList or SecureString (required for a new parameter).
        #[arg(long = "type")]
        kind: Option<String>,
        /// KMS key of a SecureString (default alias/aws/ssm).
        #[arg(long)]
        key_id: Option<String>,
        /// Write a new version of an existing parameter.
        #[arg(long)]
        overwrite: bool,
        /// Description.
        #[arg(long)]
        description: Option<String>,
        /// Standard, Advanced or Intelligent-Tiering.
        #[arg(long)]
        tier: Option<String>,
        /// Regular expression the value must match.
        #[arg(long)]
        allowed_pattern: Option<String>,
        /// text, aws:ec2:image or aws:ssm:integration.
        #[arg(long)]
        data_type: Option<String>,
        /// Tag as KEY=VALUE; repeatable (new parameters only).
        #[arg(long = "tag", value_parser = parse_pair)]
        tags: Vec<(String, String)>,
    },
    /// Print a parameter's value (`name`, `name:VERSION` or `name:LABEL`).
    Get {
        /// The name, with an optional selector.
        name: String,
        /// Decrypt a SecureString (else its ciphertext is printed).
        #[arg(long)]
        with_decryption: bool,
    },
    /// List parameters: every one (names and metadata), or those below a path (with values).
    List {
        /// A path (`/app`); without it, every parameter's metadata.
        path: Option<String>,
        /// Every level below the path, not only the first.
        #[arg(long)]
        recursive: bool,
        /// Decrypt SecureStrings (with a path).
        #[arg(long)]
        with_decryption: bool,
    },
    /// Print a parameter's versions, oldest first.
    History {
        /// The name.
        name: String,
        /// Decrypt SecureStrings.
        #[arg(long)]
        with_decryption: bool,
    },
    /// Attach labels to a version (the newest by default).
    Label {
        /// The name.
        name: String,
        /// The version.
        #[arg(long)]
        version: Option<u64>,
        /// A label; repeatable.
        #[arg(long = "label", required = true)]
        labels: Vec<String>,
    },
    /// Delete parameters.
    Delete {
        /// The names.
        #[arg(required = true)]
        names: Vec<String>,
    },
}

fn read_value(value: Option<String>, file: Option<PathBuf>) -> Result<String, String> {
    if let Some(v) = value {
        return Ok(v);
    }
    let mut text = String::new();
    match file {
        Some(f) if f.as_os_str() != "-" => {
            text = std::fs::read_to_string(&f).map_err(|e| format!("cannot read {}: {e}", f.display()))?;
        }
        _ => {
            std::io::stdin().read_to_string(&mut text).map_err(|e| format!("cannot read stdin: {e}"))?;
            if text.ends_with('\n') {
                text.pop();
            }
        }
    }
    Ok(text)
}

/// Every page of a listing operation, its `key` lists concatenated.
async fn all_pages(
    client: &JsonClient,
    operation: &str,
    mut body: Value,
    key: &str,
) -> Result<Value, Box<dyn std::error::Error>> {
    let mut items = Vec::new();
    loop {
        let page = client.call(operation, &body).await?;
        if let Some(list) = page.get(key).and_then(Value::as_array) {
            items.extend(list.iter().cloned());
        }
        match page.get("NextToken").and_then(Value::as_str) {
            Some(token) => body["NextToken"] = json!(token),
            None => break,
        }
    }
    Ok(json!({ key: items }))
}

fn version(v: &Value) -> String {
    v.get("Version").and_then(Value::as_u64).map(|n| n.to_string()).unwrap_or_default()
}

pub(crate) async fn run(args: ParamsArgs) -> Result<(), Box<dyn std::error::Error>> {
    let out = args.connection.output();
    let client = args.connection.client_for(trent_wire::ssm::SIGNING_SERVICE, trent_wire::ssm::TARGET_PREFIX)?;
    match args.command {
        ParamsCommand::Put {
            name,
            value,
            file,
            kind,
            key_id,
            overwrite,
            description,
            tier,
            allowed_pattern,
            data_type,
            tags,
        } => {
            let mut body = json!({ "Name": name, "Value": read_value(value, file)?, "Overwrite": overwrite });
            for (member, given) in [
                ("Type", kind),
                ("KeyId", key_id),
                ("Description", description),
                ("Tier", tier),
                ("AllowedPattern", allowed_pattern),
                ("DataType", data_type),
            ] {
                if let Some(g) = given {
                    body[member] = json!(g);
                }
            }
            if !tags.is_empty() {
                body["Tags"] = tags.iter().map(|(k, v)| json!({"Key": k, "Value": v})).collect();
            }
            let v = client.call("PutParameter", &body).await?;
            print(out, &v, |v| vec![format!("{name}: version {} ({})", version(v), s(v, "Tier"))]);
        }
        ParamsCommand::Get { name, with_decryption } => {
            let v = client.call("GetParameter", &json!({ "Name": name, "WithDecryption": with_decryption })).await?;
            print(out, &v, |v| vec![s(&v["Parameter"], "Value").to_owned()]);
        }
        ParamsCommand::List { path: Some(path), recursive, with_decryption } => {
            let body = json!({ "Path": path, "Recursive": recursive, "WithDecryption": with_decryption });
            let v = all_pages(&client, "GetParametersByPath", body, "Parameters").await?;
            print(out, &v, |v| {
                let list = v["Parameters"].as_array().cloned().unwrap_or_default();
                list.iter()
                    .map(|p| format!("{}\t{}\t{}\t{}", s(p, "Name"), s(p, "Type"), version(p), s(p, "Value")))
                    .collect()
            });
        }
        ParamsCommand::List { path: None, .. } => {
            let v = all_pages(&client, "DescribeParameters", json!({}), "Parameters").await?;
            print(out, &v, |v| {
                let list = v["Parameters"].as_array().cloned().unwrap_or_default();
                list.iter()
                    .map(|p| {
                        format!(
                            "{}\t{}\tversion {}\t{}\t{}",
                            s(p, "Name"),
                            s(p, "Type"),
                            version(p),
                            s(p, "Tier"),
                            date(p, "LastModifiedDate")
                        )
                    })
                    .collect()
            });
        }
        ParamsCommand::History { name, with_decryption } => {
            let body = json!({ "Name": name, "WithDecryption": with_decryption });
            let v = all_pages(&client, "GetParameterHistory", body, "Parameters").await?;
            print(out, &v, |v| {
                let list = v["Parameters"].as_array().cloned().unwrap_or_default();
                list.iter()
                    .map(|h| {
                        let labels: Vec<&str> = h["Labels"]
                            .as_array()
                            .map(|l| l.iter().filter_map(Value::as_str).collect())
                            .unwrap_or_default();
                        format!(
                            "{}\t{}\t{}\t[{}]\t{}",
                            version(h),
                            date(h, "LastModifiedDate"),
                            s(h, "LastModifiedUser"),
                            labels.join(","),
                            s(h, "Value")
                        )
                    })
                    .collect()
            });
        }
        ParamsCommand::Label { name, version: v, labels } => {
            let mut body = json!({ "Name": name, "Labels": labels });
            if let Some(n) = v {
                body["ParameterVersion"] = json!(n);
            }
            let answer = client.call("LabelParameterVersion", &body).await?;
            print(out, &answer, |a| {
                let mut lines = vec![format!("{name}: labelled version {}", a["ParameterVersion"])];
                if let Some(invalid) = a["InvalidLabels"].as_array().filter(|l| !l.is_empty()) {
                    let invalid: Vec<&str> = invalid.iter().filter_map(Value::as_str).collect();
                    lines.push(format!("invalid labels (not attached): {}", invalid.join(", ")));
                }
                lines
            });
        }
        ParamsCommand::Delete { names } => {
            let mut deleted = Vec::new();
            let mut invalid = Vec::new();
            for chunk in names.chunks(10) {
                let v = client.call("DeleteParameters", &json!({ "Names": chunk })).await?;
                for (key, into) in [("DeletedParameters", &mut deleted), ("InvalidParameters", &mut invalid)] {
                    into.extend(v[key].as_array().into_iter().flatten().cloned());
                }
            }
            let v = json!({ "DeletedParameters": deleted, "InvalidParameters": invalid });
            print(out, &v, |v| {
                let mut lines: Vec<String> = v["DeletedParameters"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .map(|n| format!("deleted {n}"))
                    .collect();
                lines.extend(
                    v["InvalidParameters"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(Value::as_str)
                        .map(|n| format!("not found {n}")),
                );
                lines
            });
        }
    }
    Ok(())
}
