//! `trent operator`: initialise the Shamir seal (on the data directory, before the first
//! start), and see, unseal and seal a running server over its operator API.

use std::io::{BufRead as _, IsTerminal as _, Read as _};
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use trent_client::OperatorClient;
use zeroize::Zeroizing;

use crate::output::{Output, print};

#[derive(Args)]
pub(crate) struct OperatorArgs {
    #[command(subcommand)]
    command: OperatorCommand,
}

#[derive(Subcommand)]
enum OperatorCommand {
    /// Make the root key of a new data directory and split it into unseal shares (the
    /// `shamir` seal). Prints the shares and the operator token once; nothing secret is kept.
    Init {
        /// The data directory (new, or without a root key yet).
        #[arg(long, env = "TRENT_DATA_DIR")]
        data_dir: PathBuf,
        /// How many shares to make (at most 16).
        #[arg(long, default_value_t = 5)]
        shares: u8,
        /// How many shares unseal the server (at least 2).
        #[arg(long, default_value_t = 3)]
        threshold: u8,
    },
    /// Whether the server is sealed, and how many unseal shares it has been given.
    Status(Connection),
    /// Give the server one unseal share (typed without echo, or one line on standard input).
    Unseal(Connection),
    /// Seal a serving server: it drops its root key and refuses every call until unsealed.
    Seal(Connection),
    /// Move the root key to another seal (file, passphrase, shamir, pkcs11, kms), or to new shares or a new
    /// passphrase, by re-wrapping the root key only: no data is rewritten. Run it on the data
    /// directory while the server is stopped, then set `[seal] type` to the new seal.
    Rekey(crate::rekey::RekeyArgs),
    /// Make a new root key and wrap every stored key, credential and PIN again under it, while
    /// the server serves (in batches, resumed after a crash), then seal the new root key with
    /// the configured seal. Shows the progress until it is done. With the shamir seal, the new
    /// root key's shares and operator token are printed here, once.
    RotateRoot(RotateRootArgs),
}

#[derive(Args)]
struct RotateRootArgs {
    /// Values wrapped again per batch (one transaction each), 1 to 10000.
    #[arg(long, default_value_t = 500)]
    batch_size: u32,
    /// A pause between batches, in milliseconds (at most 60000), to spare a busy database.
    #[arg(long, default_value_t = 0)]
    pause_ms: u32,
    /// Return once the rotation has begun instead of showing its progress to the end.
    #[arg(long)]
    no_wait: bool,
    /// A PEM file of the certificates to trust for an `https://` endpoint.
    #[arg(long, env = "AWS_CA_BUNDLE")]
    ca_bundle: Option<PathBuf>,
    #[command(flatten)]
    connection: crate::kms::Connection,
}

#[derive(Args)]
struct Connection {
    /// Server URL.
    #[arg(long, env = "AWS_ENDPOINT_URL", default_value = "http://127.0.0.1:4599")]
    endpoint_url: String,
    /// A file holding the operator token (default: the TRENT_OPERATOR_TOKEN variable).
    #[arg(long)]
    token_file: Option<PathBuf>,
    /// A PEM file of the certificates to trust for an `https://` endpoint (a private CA),
    /// instead of the system's roots.
    #[arg(long, env = "AWS_CA_BUNDLE")]
    ca_bundle: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    output: Output,
}

/// The variable holding the operator token when no --token-file is given.
const TOKEN_ENV: &str = "TRENT_OPERATOR_TOKEN";
/// The longest token or share line read.
const MAX_LINE: u64 = 512;

pub(crate) async fn run(args: OperatorArgs) -> Result<(), Box<dyn std::error::Error>> {
    match args.command {
        OperatorCommand::Init { data_dir, shares, threshold } => init(&data_dir, shares, threshold),
        OperatorCommand::Status(c) => {
            let client = OperatorClient::with_ca_bundle(&c.endpoint_url, None, c.ca_bundle.as_deref())?;
            show(c.output, &client.status().await?);
            Ok(())
        }
        OperatorCommand::Unseal(c) => {
            let token = Some(token(c.token_file.as_deref())?);
            let client = OperatorClient::with_ca_bundle(&c.endpoint_url, token, c.ca_bundle.as_deref())?;
            let share = read_share()?;
            show(c.output, &client.unseal(&share).await?);
            Ok(())
        }
        OperatorCommand::Seal(c) => {
            let token = Some(token(c.token_file.as_deref())?);
            let client = OperatorClient::with_ca_bundle(&c.endpoint_url, token, c.ca_bundle.as_deref())?;
            show(c.output, &client.seal().await?);
            Ok(())
        }
        OperatorCommand::Rekey(args) => crate::rekey::run(args),
        OperatorCommand::RotateRoot(args) => rotate_root(args).await,
    }
}

/// How often `rotate-root` asks for the progress.
const PROGRESS_POLL: std::time::Duration = std::time::Duration::from_millis(500);

async fn rotate_root(args: RotateRootArgs) -> Result<(), Box<dyn std::error::Error>> {
    let c = &args.connection;
    let client = OperatorClient::with_ca_bundle(c.endpoint_url(), None, args.ca_bundle.as_deref())?;
    let begun = client.rotate_root(c.credentials()?, c.region(), Some(args.batch_size), Some(args.pause_ms)).await?;
    let to = begun.get("ToGeneration").and_then(|g| g.as_u64()).unwrap_or(0);
    let output = c.output();
    if output != Output::Text {
        print(output, &begun, |_| Vec::new());
    } else {
        println!("Root key rotation begun: generation {} to {to}.", begun["FromGeneration"]);
        if let Some(made) = new_split(&begun) {
            let threshold = begun["Threshold"].as_u64().and_then(|t| u8::try_from(t).ok()).unwrap_or(0);
            print_shares(
                &format!(
                    "The new root key was split into {} new unseal shares; any {threshold} of them unseal the server \
                     once the rotation has finished.\n",
                    made.shares.len()
                ),
                &made,
                &format!(
                    "Until the rotation has finished (`trent operator status`), the old shares and operator token \
                     unseal the server; from then on only these do ({threshold} times \
                     `TRENT_OPERATOR_TOKEN=... trent operator unseal`).\n"
                ),
            )?;
        }
    }
    if args.no_wait {
        return Ok(());
    }
    let mut last = None;
    loop {
        tokio::time::sleep(PROGRESS_POLL).await;
        let status = client.status().await?;
        let root = &status["Root"];
        match root.get("Rotation") {
            Some(rotation) => {
                let line = format!(
                    "pass {}, {} values wrapped again{}{}",
                    rotation["Pass"],
                    rotation["Rewrapped"],
                    rotation.get("Table").and_then(|t| t.as_str()).map(|t| format!(", now in {t}")).unwrap_or_default(),
                    rotation
                        .get("Error")
                        .and_then(|t| t.as_str())
                        .map(|e| format!(" (retrying: {e})"))
                        .unwrap_or_default(),
                );
                if output == Output::Text && last.as_ref() != Some(&line) {
                    println!("{line}");
                    last = Some(line);
                }
            }
            None if root.get("Generation").and_then(|g| g.as_u64()).is_some_and(|g| g >= to) => {
                if output == Output::Text {
                    println!(
                        "Done: the root key is generation {}; the old root key opens nothing any more.",
                        root["Generation"]
                    );
                }
                return Ok(());
            }
            None => return Err(format!("the server no longer reports the rotation: {status}").into()),
        }
    }
}

fn init(data_dir: &Path, shares: u8, threshold: u8) -> Result<(), Box<dyn std::error::Error>> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt as _;
        builder.mode(0o700);
    }
    builder.create(data_dir)?;
    if let Some((found, seal)) = trent_server::seal::seal_in(data_dir) {
        return Err(format!(
            "{} exists: this data directory has a root key already (the {seal} seal); init never replaces one",
            found.display()
        )
        .into());
    }
    let made = trent_server::seal::init_shamir(&trent_server::seal::shamir_path(data_dir), shares, threshold)?;
    print_shares(
        &format!(
            "Trent's root key was made and split into {shares} unseal shares; any {threshold} of them unseal the server.\n"
        ),
        &made,
        &start_sealed(threshold),
    )
}

/// What to do with new shares of a new seal: start the server and unseal it.
pub(crate) fn start_sealed(threshold: u8) -> String {
    format!(
        "Start the server with [seal] type = \"shamir\" in trent.toml; it starts sealed. Then, {threshold} times:\n\
         TRENT_OPERATOR_TOKEN=... trent operator unseal --endpoint-url URL\n"
    )
}

/// The new shares and operator token in a `rotate-root` answer (Shamir seal).
fn new_split(begun: &serde_json::Value) -> Option<trent_server::seal::Initialised> {
    let shares = begun.get("Shares")?.as_array()?;
    let token = begun.get("OperatorToken")?.as_str()?;
    Some(trent_server::seal::Initialised {
        shares: shares.iter().filter_map(|s| s.as_str()).map(|s| Zeroizing::new(s.to_owned())).collect(),
        operator_token: Zeroizing::new(token.to_owned()),
    })
}

/// Prints new shares and the operator token, once, with what to do `next`.
pub(crate) fn print_shares(
    intro: &str,
    made: &trent_server::seal::Initialised,
    next: &str,
) -> Result<(), Box<dyn std::error::Error>> {
    let mut text = Zeroizing::new(format!(
        "{intro}Each share is shown now and never again: give each to a different operator.\n\n"
    ));
    for (i, share) in made.shares.iter().enumerate() {
        text.push_str(&format!("Unseal share {}: ", i + 1));
        text.push_str(share);
        text.push('\n');
    }
    text.push_str("\nOperator token (authenticates `trent operator unseal` and `seal`; keep it like a password):\n");
    text.push_str(&made.operator_token);
    text.push_str("\n\n");
    text.push_str(next);
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(())
}

fn token(file: Option<&Path>) -> Result<Zeroizing<String>, Box<dyn std::error::Error>> {
    let text = match file {
        Some(path) => {
            let mut text = Zeroizing::new(String::new());
            std::fs::File::open(path)?.take(MAX_LINE).read_to_string(&mut text)?;
            text
        }
        None => Zeroizing::new(
            std::env::var(TOKEN_ENV)
                .map_err(|_| format!("the operator token is needed: set {TOKEN_ENV} or give --token-file"))?,
        ),
    };
    Ok(Zeroizing::new(text.trim().to_owned()))
}

/// The share: typed at the terminal without echo, or the first line of standard input.
fn read_share() -> Result<Zeroizing<String>, Box<dyn std::error::Error>> {
    read_share_prompted("Unseal share: ")
}

/// One share: typed at the terminal after `prompt` without echo, or the next line of
/// standard input.
pub(crate) fn read_share_prompted(prompt: &str) -> Result<Zeroizing<String>, Box<dyn std::error::Error>> {
    if std::io::stdin().is_terminal() {
        let line = trent_server::seal::read_secret_line(Path::new(trent_server::seal::TTY), prompt)?;
        return Ok(line);
    }
    let mut line = Zeroizing::new(String::new());
    std::io::stdin().lock().take(MAX_LINE).read_line(&mut line)?;
    Ok(Zeroizing::new(line.trim().to_owned()))
}

fn show(output: Output, value: &serde_json::Value) {
    print(output, value, |v| {
        let sealed = v.get("Sealed").and_then(|x| x.as_bool()).unwrap_or(true);
        let seal = v.get("Seal").and_then(|x| x.as_str()).unwrap_or("");
        let progress = v.get("Progress").and_then(|x| x.as_u64()).unwrap_or(0);
        let mut lines = vec![format!("Sealed: {sealed}"), format!("Seal: {seal}")];
        if let (Some(t), Some(n)) =
            (v.get("Threshold").and_then(|x| x.as_u64()), v.get("Shares").and_then(|x| x.as_u64()))
        {
            lines.push(format!("Threshold: {t} of {n} shares"));
            if sealed {
                lines.push(format!("Unseal progress: {progress} of {t}"));
            }
        }
        if let Some(root) = v.get("Root") {
            lines.push(format!("Root key generation: {}", root["Generation"]));
            if let Some(r) = root.get("Rotation") {
                lines.push(format!(
                    "Root key rotation: generation {} to {}, pass {}, {} values wrapped again{}",
                    r["FromGeneration"],
                    r["ToGeneration"],
                    r["Pass"],
                    r["Rewrapped"],
                    r.get("Table").and_then(|t| t.as_str()).map(|t| format!(", now in {t}")).unwrap_or_default()
                ));
            }
        }
        lines
    });
}
