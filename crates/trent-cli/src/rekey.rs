//! `trent operator rekey`: moves the root key of a stopped server's data directory to another
//! seal, or to new shares or a new passphrase, re-wrapping the root key only (see
//! `trent_server::seal::rekey`). The current seal is the one the directory holds; it is
//! opened with the current passphrase or shares (or, for `pkcs11`, the token named in the
//! current `trent.toml`, `--config`), and the new seal is made from the flags (for `pkcs11`,
//! the token named in the `trent.toml` the server will start with next, `--to-config`).

use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use trent_server::RawConfig;
use trent_server::seal::{
    self, FileKind, KmsKind, PassphraseKind, PassphraseSource, Pkcs11Kind, SealKind, SealSettings, ShamirKind,
    ShamirSeal,
};

/// The seals `rekey` moves between.
#[derive(Clone, Copy, ValueEnum)]
enum Target {
    /// `root.key`, the root key in clear (mode 0600).
    File,
    /// `root.sealed`, the root key under an Argon2id-derived key.
    Passphrase,
    /// `root.shamir`, the root key split into unseal shares.
    Shamir,
    /// `root.pkcs11`, the root key wrapped by a key in a PKCS#11 token (the token, key and PIN
    /// of `[seal.pkcs11]` in --to-config).
    Pkcs11,
    /// `root.kms`, the root key wrapped by another KMS's key (the endpoint, key and
    /// credentials of `[seal.kms]` in --to-config).
    Kms,
}

#[derive(Args)]
pub(crate) struct RekeyArgs {
    /// The data directory (the server must be stopped).
    #[arg(long, env = "TRENT_DATA_DIR")]
    data_dir: PathBuf,
    /// The seal to move the root key to (the current one is read from the data directory).
    #[arg(long, value_enum)]
    to: Target,
    /// With --to shamir: how many shares to make (at most 16).
    #[arg(long, default_value_t = 5)]
    shares: u8,
    /// With --to shamir: how many shares unseal the server (at least 2).
    #[arg(long, default_value_t = 3)]
    threshold: u8,
    /// The environment variable holding the current passphrase (default: a prompt).
    #[arg(long, conflicts_with = "passphrase_fd")]
    passphrase_env: Option<String>,
    /// An inherited file descriptor to read the current passphrase from.
    #[arg(long)]
    passphrase_fd: Option<u32>,
    /// The environment variable holding the new passphrase (default: a prompt, twice).
    #[arg(long, conflicts_with = "new_passphrase_fd")]
    new_passphrase_env: Option<String>,
    /// An inherited file descriptor to read the new passphrase from.
    #[arg(long)]
    new_passphrase_fd: Option<u32>,
    /// The `trent.toml` the server ran with: its `[seal.pkcs11]` or `[seal.kms]` names what
    /// opens the current `pkcs11` or `kms` seal.
    #[arg(long, env = "TRENT_CONFIG")]
    config: Option<PathBuf>,
    /// With --to pkcs11 or kms: the `trent.toml` the server will start with, whose
    /// `[seal.pkcs11]` names the token, key and PIN of the new seal (the key is generated in
    /// the token if it does not exist), or whose `[seal.kms]` names the remote KMS and key.
    #[arg(long)]
    to_config: Option<PathBuf>,
}

/// The seal of `kind` (`pkcs11` or `kms`) the `trent.toml` at `path` configures, validated as
/// the server does: the token or remote KMS a seal file does not name.
fn configured(
    path: Option<&Path>,
    kind: &str,
    flag: &str,
    role: &str,
) -> Result<Box<dyn SealKind>, Box<dyn std::error::Error>> {
    let Some(path) = path else {
        return Err(
            format!("{role} is the {kind} seal: give {flag} (the trent.toml whose [seal.{kind}] names it)").into()
        );
    };
    match RawConfig::default().resolve(Some(path))?.seal {
        SealSettings::Pkcs11(settings) if kind == "pkcs11" => Ok(Box::new(Pkcs11Kind(settings))),
        SealSettings::Kms(settings) if kind == "kms" => Ok(Box::new(KmsKind(settings))),
        other => {
            Err(format!("{}: [seal] type is {} but {role} is the {kind} seal", path.display(), other.name()).into())
        }
    }
}

fn source(env: Option<String>, fd: Option<u32>) -> PassphraseSource {
    match (env, fd) {
        (Some(name), _) => PassphraseSource::Env(name),
        (None, Some(fd)) => PassphraseSource::Fd(fd),
        (None, None) => PassphraseSource::Prompt,
    }
}

pub(crate) fn run(args: RekeyArgs) -> Result<(), Box<dyn std::error::Error>> {
    // An interrupted rekey is finished or undone first, so the directory's seal is known.
    seal::settle(&args.data_dir)?;
    let Some((path, current)) = seal::seal_in(&args.data_dir) else {
        return Err(format!(
            "{} holds no root key: start the server on it once (or run `trent operator init`) first",
            args.data_dir.display()
        )
        .into());
    };
    let mut from: Box<dyn SealKind> = match current {
        "file" => Box::new(FileKind),
        "passphrase" => Box::new(PassphraseKind(source(args.passphrase_env, args.passphrase_fd))),
        "shamir" => {
            let loaded = ShamirSeal::load(&path)?;
            let mut given = Vec::with_capacity(usize::from(loaded.threshold));
            for i in 1..=loaded.threshold {
                let prompt = format!("Current unseal share {i} of {}: ", loaded.threshold);
                given.push(crate::operator::read_share_prompted(&prompt)?);
            }
            Box::new(ShamirKind { given, shares: 0, threshold: 0 })
        }
        kind @ ("pkcs11" | "kms") => configured(args.config.as_deref(), kind, "--config", "the current seal")?,
        other => return Err(format!("`rekey` cannot open the {other} seal yet").into()),
    };
    let mut to: Box<dyn SealKind> = match args.to {
        Target::File => Box::new(FileKind),
        Target::Passphrase => Box::new(PassphraseKind(source(args.new_passphrase_env, args.new_passphrase_fd))),
        Target::Shamir => Box::new(ShamirKind { given: Vec::new(), shares: args.shares, threshold: args.threshold }),
        Target::Pkcs11 => configured(args.to_config.as_deref(), "pkcs11", "--to-config", "the new seal")?,
        Target::Kms => configured(args.to_config.as_deref(), "kms", "--to-config", "the new seal")?,
    };
    let moved = seal::rekey(&args.data_dir, from.as_mut(), to.as_mut())?;
    // The next start publishes the new seal file in the database (this command does not reach
    // it), for the other nodes sharing it; it holds no secret.
    let mark = args.data_dir.join(trent_server::root::PUBLISH_MARK);
    std::fs::write(&mark, b"").map_err(|e| format!("{}: {e}", mark.display()))?;
    let intro = format!(
        "The root key was moved from the {} seal to the {} seal; no data was rewritten.\nSet [seal] type = \"{}\" in \
         trent.toml before the next start.\n",
        moved.from, moved.to, moved.to
    );
    match &moved.shown {
        Some(made) => crate::operator::print_shares(&intro, made, &crate::operator::start_sealed(args.threshold)),
        None => {
            print!("{intro}");
            Ok(())
        }
    }
}
