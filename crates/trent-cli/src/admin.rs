//! `trent admin create-account|list-accounts`: deployment administration, run against the
//! data directory directly.
//!
//! Accounts are a deployment-level notion with no AWS API: no IAM principal of any account
//! may create another account, so these commands need no credentials, only the data
//! directory and its root key — the same trust as starting the server. They work whether the
//! server is stopped or running (SQLite in WAL mode lets a second process write; a running
//! server sees a new account's administrator on its first request, as its credential cache
//! only holds keys it has already looked up).

use std::path::PathBuf;
use std::sync::Arc;

use clap::{Args, Subcommand};
use serde_json::json;
use trent_core::identity::ADMINISTRATOR_USER;
use trent_core::{AccountId, SystemClock};
use trent_server::{BootstrapError, append_credentials, open_identities};
use zeroize::Zeroizing;

use crate::output::{Output, print};

#[derive(Args)]
pub(crate) struct AdminArgs {
    /// Data directory holding trent.db and root.key.
    #[arg(long, env = "TRENT_DATA_DIR", default_value = trent_server::config::DEFAULT_DATA_DIR, global = true)]
    data_dir: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value = "text", global = true)]
    output: Output,
    #[command(subcommand)]
    command: AdminCommand,
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Create an account and its first administrator (user `admin` with AdministratorAccess);
    /// print its credentials and append them to DATA_DIR/credentials as profile
    /// `trent-ACCOUNT`.
    CreateAccount {
        /// The 12-digit account id (random if absent).
        #[arg(long)]
        id: Option<String>,
        /// A human name for the account.
        #[arg(long, default_value = "")]
        name: String,
    },
    /// List the accounts of this deployment.
    ListAccounts,
    /// Add many KMS keys, secrets and parameters to an account at once, many per transaction
    /// (the scale benchmark's filler; see BENCHMARKS.md).
    Fill(crate::fill::FillArgs),
}

/// Why an admin command failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum AdminError {
    /// The data directory could not be opened.
    #[error(transparent)]
    Open(#[from] BootstrapError),
    /// The identity service refused.
    #[error("{0}")]
    Identity(#[source] trent_core::IdentityError),
    /// A flag is not usable.
    #[error("{0}")]
    Usage(String),
    /// `fill` failed.
    #[error("{0}")]
    Fill(Box<dyn std::error::Error>),
}

/// The profile name of an account's first administrator in the credentials file.
pub(crate) fn profile(account: &str) -> String {
    format!("trent-{account}")
}

pub(crate) async fn run(args: AdminArgs) -> Result<(), AdminError> {
    match args.command {
        AdminCommand::Fill(fill) => crate::fill::run(args.data_dir, fill).await.map_err(AdminError::Fill)?,
        AdminCommand::CreateAccount { id, name } => {
            let identities = open_identities(&args.data_dir, Arc::new(SystemClock)).await?;
            let id = id.map(|id| AccountId::parse(&id).map_err(|e| AdminError::Usage(e.to_string()))).transpose()?;
            let (account, key) = identities.create_account_with_admin(id, &name).await.map_err(AdminError::Identity)?;
            let profile = profile(account.id.as_str());
            let file = args.data_dir.join("credentials");
            let comment = format!("Trent administrator of account {}", account.id);
            append_credentials(&file, &profile, &comment, &key.access_key_id, &key.secret_access_key)?;
            let secret = Zeroizing::new(String::from_utf8_lossy(key.secret_access_key.expose_secret()).into_owned());
            let value = json!({
                "Account": account.id.as_str(),
                "Name": account.name,
                "UserName": ADMINISTRATOR_USER,
                "Arn": format!("arn:aws:iam::{}:user/{ADMINISTRATOR_USER}", account.id),
                "AccessKeyId": key.access_key_id,
                "SecretAccessKey": secret.as_str(),
                "Profile": profile,
                "CredentialsFile": file.display().to_string(),
            });
            print(args.output, &value, |_| {
                vec![
                    format!(
                        "Created account {} with administrator {}.",
                        account.id,
                        value["Arn"].as_str().unwrap_or("")
                    ),
                    format!("Its credentials are in {} as profile [{profile}]:", file.display()),
                    format!("export AWS_ACCESS_KEY_ID={}", key.access_key_id),
                    format!("export AWS_SECRET_ACCESS_KEY={}", secret.as_str()),
                ]
            });
        }
        AdminCommand::ListAccounts => {
            let identities = open_identities(&args.data_dir, Arc::new(SystemClock)).await?;
            let accounts = identities.accounts().await.map_err(AdminError::Identity)?;
            let rows: Vec<serde_json::Value> = accounts
                .iter()
                .map(|a| {
                    let created =
                        a.created_at.format(&time::format_description::well_known::Rfc3339).unwrap_or_default();
                    json!({"Account": a.id.as_str(), "Name": a.name, "CreatedAt": created})
                })
                .collect();
            print(args.output, &json!({ "Accounts": rows }), |_| {
                rows.iter()
                    .map(|r| {
                        let (id, name, created) = (&r["Account"], &r["Name"], &r["CreatedAt"]);
                        format!(
                            "{}  {}  {}",
                            id.as_str().unwrap_or(""),
                            created.as_str().unwrap_or(""),
                            name.as_str().unwrap_or("")
                        )
                    })
                    .collect()
            });
        }
    }
    Ok(())
}
