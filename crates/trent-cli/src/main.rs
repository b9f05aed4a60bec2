//! `trent`: the server and the command line.
//!
//! `trent server` runs the server; `trent kms ...`, `trent secrets ...` and `trent params ...` talk to a
//! running server with the administrator credentials it wrote; `trent bench` measures it.

mod admin;
mod audit;
mod bench;
mod envelope;
mod events;
mod fill;
mod import_material;
mod kms;
mod operator;
mod outfile;
mod output;
mod params;
mod refs;
mod rekey;
mod secrets;
mod server;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// mimalloc: the request path allocates many small short-lived buffers; it measured faster
/// than the system allocator in `trent bench` (see BENCHMARKS.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Trent: AWS KMS on your own machines.
#[derive(Parser)]
#[command(name = "trent", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server.
    Server(server::ServerArgs),
    /// Call KMS operations on a running server.
    Kms(kms::KmsArgs),
    /// Call Secrets Manager operations on a running server.
    Secrets(secrets::SecretsArgs),
    /// Put, get, list, label and delete SSM parameters on a running server.
    Params(params::ParamsArgs),
    /// Measure requests per second and latency of Encrypt and GenerateDataKey.
    Bench(bench::BenchArgs),
    /// Encrypt files, directories or stdin into AWS Encryption SDK messages.
    Encrypt(envelope::EncryptArgs),
    /// Decrypt AWS Encryption SDK messages.
    Decrypt(envelope::DecryptArgs),
    /// Verify, search or benchmark the audit trail (reads the data directory directly).
    Audit(audit::AuditArgs),
    /// Create and list accounts (works on the data directory directly).
    Admin(admin::AdminArgs),
    /// Initialise the Shamir seal; see, unseal and seal a running server.
    Operator(operator::OperatorArgs),
    /// Render `{{resolve:ssm|ssm-secure|secretsmanager:...}}` references in a file or template.
    Resolve(refs::ResolveArgs),
    /// Run a command with environment variables from references, parameter paths or a buildspec.
    Exec(refs::ExecArgs),
    /// Print and follow the event outbox (or a jsonl sink's file) as JSON lines.
    Events(events::EventsArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("trent: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = match cli.command {
        Command::Server(args) => runtime.block_on(server::run(args)),
        Command::Kms(args) => runtime.block_on(kms::run(args)),
        Command::Secrets(args) => runtime.block_on(secrets::run(args)),
        Command::Params(args) => runtime.block_on(params::run(args)),
        Command::Bench(args) => bench::run(args),
        Command::Encrypt(args) => envelope::encrypt(args).map_err(Into::into),
        Command::Decrypt(args) => envelope::decrypt(args).map_err(Into::into),
        Command::Audit(args) => audit::run(args, &runtime).map_err(Into::into),
        Command::Admin(args) => runtime.block_on(admin::run(args)).map_err(Into::into),
        Command::Operator(args) => runtime.block_on(operator::run(args)),
        Command::Resolve(args) => runtime.block_on(refs::resolve(args)).map_err(Into::into),
        Command::Exec(args) => runtime.block_on(refs::exec(args)).map_err(Into::into),
        Command::Events(args) => runtime.block_on(events::run(args)).map_err(Into::into),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("trent: {e}");
            ExitCode::FAILURE
        }
    }
}
