//! `trent encrypt` and `trent decrypt`: AWS Encryption SDK messages (byte-compatible with
//! the official SDKs and `aws-encryption-cli`) for files, directory trees and stdin/stdout,
//! wrapped by KMS keys of a running Trent (or AWS KMS), with the `trent kms` connection
//! options.

pub(crate) mod connection;
mod files;
mod keys;
mod metadata;

use std::path::PathBuf;
use std::sync::Arc;

use clap::Args;
use trent_envelope::{
    AlgorithmSuite, CommitmentPolicy, DecryptOptions, EncryptOptions, EncryptionContext, MessageInfo, Release, TrentKms,
};

use connection::Connection;
use files::{Dest, Progress, Sink, Source};

/// Why an envelope command failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum CliError {
    /// Bad arguments.
    #[error("{0}")]
    Usage(String),
    /// A file could not be read or written.
    #[error("{0}: {1}")]
    Io(String, #[source] std::io::Error),
    /// Encryption or decryption failed (the message shows the whole chain of causes).
    #[error("{}", chain(.0))]
    Envelope(trent_envelope::Error),
    /// A KMS call made by the command itself failed.
    #[error("{}", chain(.0))]
    Kms(trent_envelope::KmsError),
    /// The connection settings are unusable.
    #[error("{0}")]
    Connection(String),
}

/// Arguments both commands share.
#[derive(Args)]
pub(crate) struct CommonArgs {
    /// Input file or directory, or - for stdin.
    #[arg(long, short = 'i')]
    input: PathBuf,
    /// Output file or directory, or - for stdout.
    #[arg(long, short = 'o')]
    output: PathBuf,
    /// KMS keys: key=ARN|alias (repeatable, the first generates the data key),
    /// grant-token=T, and for decryption discovery=true [discovery-partition=P discovery-account=A].
    #[arg(long, short = 'w', num_args = 1.., required = true)]
    wrapping_keys: Vec<String>,
    /// Encryption context pair KEY=VALUE (repeatable). On decryption every pair must match.
    #[arg(long = "encryption-context", short = 'c', num_args = 1.., value_parser = parse_pair)]
    context: Vec<(String, String)>,
    /// Context keys that are authenticated but not stored; decryption must supply them.
    #[arg(long, num_args = 1..)]
    required_encryption_context_keys: Vec<String>,
    /// Reuse data keys: max_age=SECONDS[,max_messages=N][,max_bytes=N][,capacity=N].
    #[arg(long)]
    caching: Option<String>,
    /// Process a directory tree (input and output are directories).
    #[arg(long, short = 'r')]
    recursive: bool,
    /// Suffix of output file names in an output directory.
    #[arg(long)]
    suffix: Option<String>,
    /// Write one JSON record per processed file here (- for stdout), appended.
    #[arg(long)]
    metadata_output: Option<PathBuf>,
    /// Truncate the metadata file first instead of appending.
    #[arg(long)]
    overwrite_metadata: bool,
    /// REQUIRE_ENCRYPT_REQUIRE_DECRYPT (default), REQUIRE_ENCRYPT_ALLOW_DECRYPT or FORBID_ENCRYPT_ALLOW_DECRYPT.
    #[arg(long, default_value = "REQUIRE_ENCRYPT_REQUIRE_DECRYPT")]
    commitment_policy: CommitmentPolicy,
    /// Refuse messages (or materials) with more encrypted data keys.
    #[arg(long)]
    max_encrypted_data_keys: Option<usize>,
    /// Threads for the message body (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
    /// No progress bar.
    #[arg(long, short = 'q')]
    quiet: bool,
    #[command(flatten)]
    connection: Connection,
}

/// `trent encrypt`.
#[derive(Args)]
pub(crate) struct EncryptArgs {
    #[command(flatten)]
    common: CommonArgs,
    /// Plaintext bytes per frame (1..=2147483647).
    #[arg(long, default_value_t = trent_envelope::DEFAULT_FRAME_LENGTH)]
    frame_length: u32,
    /// Algorithm suite id, e.g. 0x0578 (default) or 0x0478.
    #[arg(long, value_parser = parse_suite)]
    algorithm: Option<&'static AlgorithmSuite>,
    /// Write the message as base64 text.
    #[arg(long)]
    encode: bool,
}

/// `trent decrypt`.
#[derive(Args)]
pub(crate) struct DecryptArgs {
    #[command(flatten)]
    common: CommonArgs,
    /// Read the message as base64 text.
    #[arg(long)]
    decode: bool,
    /// Write plaintext of signed messages to stdout, a device, a FIFO or a socket frame by
    /// frame before the signature is checked (by default they get it only after verification;
    /// regular files are always written under a temporary name and renamed into place only
    /// after verification).
    #[arg(long)]
    streaming_release: bool,
    /// Where signed messages are spooled before release (default: the temp directory).
    #[arg(long)]
    spool_dir: Option<PathBuf>,
}

fn parse_pair(s: &str) -> Result<(String, String), String> {
    s.split_once('=').map(|(k, v)| (k.to_owned(), v.to_owned())).ok_or_else(|| format!("'{s}' is not KEY=VALUE"))
}

fn parse_suite(s: &str) -> Result<&'static AlgorithmSuite, String> {
    let id = u16::from_str_radix(s.trim_start_matches("0x").trim_start_matches("0X"), 16)
        .map_err(|_| format!("'{s}' is not a hex suite id"))?;
    AlgorithmSuite::by_id(id).ok_or_else(|| format!("unknown algorithm suite {s}"))
}

struct Prepared {
    cmm: Arc<dyn trent_envelope::MaterialsManager>,
    plan: Vec<(Source, Dest)>,
    context: EncryptionContext,
    metadata: Option<metadata::Writer>,
}

fn prepare(common: &CommonArgs, decrypt: bool, default_suffix: &str) -> Result<Prepared, CliError> {
    let wrapping = keys::parse_wrapping_keys(&common.wrapping_keys)?;
    let caching = common.caching.as_deref().map(keys::parse_caching).transpose()?;
    let client = common.connection.client()?;
    let kms = Arc::new(TrentKms::new(client).map_err(|e| CliError::Io("runtime".into(), e))?);
    let cmm = keys::materials_manager(kms, &wrapping, decrypt, &common.required_encryption_context_keys, caching)?;
    let suffix = common.suffix.as_deref().unwrap_or(default_suffix);
    let plan = files::plan(&common.input, &common.output, common.recursive, suffix)?;
    if let Some(m) = &common.metadata_output
        && m.as_os_str() == "-"
        && plan.iter().any(|(_, d)| *d == Dest::Stdout)
    {
        return Err(CliError::Usage("--metadata-output - and --output - cannot share stdout".into()));
    }
    let metadata =
        common.metadata_output.as_deref().map(|p| metadata::Writer::open(p, common.overwrite_metadata)).transpose()?;
    Ok(Prepared { cmm, plan, context: common.context.iter().cloned().collect(), metadata })
}

/// Runs `trent encrypt`.
pub(crate) fn encrypt(args: EncryptArgs) -> Result<(), CliError> {
    let common = &args.common;
    let mut p = prepare(common, false, ".encrypted")?;
    for (source, dest) in &p.plan {
        let (reader, len) = files::open(source)?;
        let mut reader = Progress::wrap(reader, len, dest, "encrypting", common.quiet);
        let options = EncryptOptions {
            context: p.context.clone(),
            suite: args.algorithm,
            frame_length: args.frame_length,
            commitment_policy: common.commitment_policy,
            max_encrypted_data_keys: common.max_encrypted_data_keys,
            plaintext_length: len,
            threads: common.threads.unwrap_or_else(trent_envelope::default_threads),
        };
        let mut sink = Sink::create(dest)?;
        let info = if args.encode {
            let mut b64 = base64::write::EncoderWriter::new(&mut sink, &base64::engine::general_purpose::STANDARD);
            let info =
                trent_envelope::encrypt_stream(&*p.cmm, &options, &mut reader, &mut b64).map_err(CliError::Envelope)?;
            b64.finish().map_err(|e| CliError::Io("output".into(), e))?;
            info
        } else {
            trent_envelope::encrypt_stream(&*p.cmm, &options, &mut reader, &mut sink).map_err(CliError::Envelope)?
        };
        sink.commit()?;
        record(&mut p.metadata, "encrypt", source, dest, &info)?;
    }
    Ok(())
}

/// Runs `trent decrypt`.
pub(crate) fn decrypt(args: DecryptArgs) -> Result<(), CliError> {
    let common = &args.common;
    let mut p = prepare(common, true, ".decrypted")?;
    for (source, dest) in &p.plan {
        let (reader, len) = files::open(source)?;
        let reader = Progress::wrap(reader, len, dest, "decrypting", common.quiet);
        let mut reader = if args.decode { files::base64_reader(reader) } else { reader };
        let mut sink = Sink::create(dest)?;
        let options = DecryptOptions {
            commitment_policy: common.commitment_policy,
            max_encrypted_data_keys: common.max_encrypted_data_keys,
            reproduced_context: (!p.context.is_empty()).then(|| p.context.clone()),
            // A regular file is staged under a temporary name and renamed only after
            // `decrypt_stream` returned, signature verified: nothing unverified is released, in
            // one pass. Stdout, a device, a FIFO or a socket cannot take anything back, so they
            // get the spooled two-pass release unless told otherwise.
            release: if sink.is_staged() || args.streaming_release {
                Release::Streaming
            } else {
                Release::AfterVerification
            },
            threads: common.threads.unwrap_or(0),
            spool_dir: args.spool_dir.clone(),
        };
        let info =
            trent_envelope::decrypt_stream(&*p.cmm, &options, &mut reader, &mut sink).map_err(CliError::Envelope)?;
        sink.commit()?;
        record(&mut p.metadata, "decrypt", source, dest, &info)?;
    }
    Ok(())
}

fn record(
    w: &mut Option<metadata::Writer>,
    mode: &str,
    source: &Source,
    dest: &Dest,
    info: &MessageInfo,
) -> Result<(), CliError> {
    match w {
        Some(w) => w.write(mode, source, dest, info),
        None => Ok(()),
    }
}

/// An error and its causes on one line.
pub(crate) fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        let next = c.to_string();
        if !s.contains(&next) {
            s.push_str(": ");
            s.push_str(&next);
        }
        cur = c.source();
    }
    s
}
