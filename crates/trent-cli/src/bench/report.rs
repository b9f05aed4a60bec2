//! The Markdown tables `trent bench` prints for `BENCHMARKS.md`: one row per measured
//! interval; with both quota modes the median of each and the cost of the quota check; with
//! both transports the median of each and the cost of TLS; with `encrypt` and `encrypt-hsm`,
//! the median of each and what the key in the token costs against Trent's own.

use super::servers::{QuotaMode, Transport};
use super::{BenchArgs, BenchOp, Row};

pub(super) fn print_table(args: &BenchArgs, cores: usize, rows: &[Row]) {
    let mode = match (&args.endpoint_url, &args.server_cpus) {
        (Some(url), _) => format!("server at {url}"),
        (None, Some(cpus)) => format!("server in a child process on CPUs {cpus}"),
        (None, None) => format!("in-process server, {} server worker threads", args.server_threads),
    };
    let client = args.client_cpus.as_deref().map_or(String::new(), |c| format!(" on CPUs {c}"));
    let mut population = String::new();
    if args.populate_keys > 0 {
        population.push_str(&format!(", {} more keys in the account", args.populate_keys));
    }
    if args.parameters > 0 {
        population.push_str(&format!(", {} more parameters in the account", args.parameters));
    }
    println!(
        "\n{cores} CPU cores, {mode}, {} client worker threads{client}, {} s per row, {}-byte plaintext{population}\n",
        args.client_threads, args.seconds, args.plaintext_bytes
    );
    println!("| operation | concurrency | quotas | transport | requests/s | p50 ms | p99 ms | errors |");
    println!("|---|---:|---|---|---:|---:|---:|---:|");
    for r in rows {
        println!(
            "| {} | {} | {} | {} | {:.0} | {:.3} | {:.3} | {} |",
            r.op.name(),
            r.concurrency,
            r.quotas.map_or("-", QuotaMode::label),
            r.transport.map_or("-", Transport::label),
            r.rate(),
            r.latency.value_at_quantile(0.50) as f64 / 1000.0,
            r.latency.value_at_quantile(0.99) as f64 / 1000.0,
            r.errors
        );
    }
    if args.quotas.contains(&QuotaMode::Off) && args.quotas.contains(&QuotaMode::On) {
        for &transport in &args.transport {
            let of = |mode| move |r: &Row| r.quotas == Some(mode) && r.transport == Some(transport);
            let context = ("transport", transport.label());
            print_cost(args, rows, context, ("quotas off", of(QuotaMode::Off)), ("quotas on", of(QuotaMode::On)));
        }
    }
    if args.transport.contains(&Transport::Http) && args.transport.contains(&Transport::Https) {
        for &mode in &args.quotas {
            let of = |transport| move |r: &Row| r.quotas == Some(mode) && r.transport == Some(transport);
            let context = ("quotas", mode.label());
            print_cost(args, rows, context, ("plain HTTP", of(Transport::Http)), ("HTTPS", of(Transport::Https)));
        }
    }
    if args.ops.contains(&BenchOp::Encrypt) && args.ops.contains(&BenchOp::EncryptHsm) {
        print_hsm_cost(args, rows);
    }
}

/// `Encrypt` with a Trent key against `Encrypt` with a key in the token, per server and
/// concurrency: the median of each and the HSM key's cost.
fn print_hsm_cost(args: &BenchArgs, rows: &[Row]) {
    println!(
        "\n| concurrency | quotas | transport | Trent key, median req/s | HSM key (SoftHSM2), median req/s | cost |"
    );
    println!("|---:|---|---|---:|---:|---:|");
    for &mode in &args.quotas {
        for &transport in &args.transport {
            let keep = |r: &Row| r.quotas.is_none_or(|q| q == mode) && r.transport.is_none_or(|t| t == transport);
            for &concurrency in &args.concurrency {
                let trent = median(rows, BenchOp::Encrypt, concurrency, &keep);
                let hsm = median(rows, BenchOp::EncryptHsm, concurrency, &keep);
                let cost = if trent > 0.0 { (trent - hsm) / trent * 100.0 } else { 0.0 };
                println!(
                    "| {concurrency} | {} | {} | {trent:.0} | {hsm:.0} | {cost:+.1}% |",
                    mode.label(),
                    transport.label()
                );
            }
        }
    }
}

/// The median rate of the rows of `op` at `concurrency` that `keep` selects.
fn median(rows: &[Row], op: BenchOp, concurrency: usize, keep: &impl Fn(&Row) -> bool) -> f64 {
    let mut rates: Vec<f64> =
        rows.iter().filter(|r| r.op == op && r.concurrency == concurrency && keep(r)).map(Row::rate).collect();
    rates.sort_by(f64::total_cmp);
    rates.get(rates.len() / 2).copied().unwrap_or(0.0)
}

/// Two servers measured in the same run (the same `context`, a column's name and value): the
/// median of each row and what the second costs against the first.
fn print_cost(
    args: &BenchArgs,
    rows: &[Row],
    (context, value): (&str, &str),
    (first_name, first): (&str, impl Fn(&Row) -> bool),
    (second_name, second): (&str, impl Fn(&Row) -> bool),
) {
    println!(
        "\n| operation | concurrency | {context} | {first_name}, median req/s | {second_name}, median req/s | cost |"
    );
    println!("|---|---:|---|---:|---:|---:|");
    for &op in &args.ops {
        for &concurrency in &args.concurrency {
            let (a, b) = (median(rows, op, concurrency, &first), median(rows, op, concurrency, &second));
            let cost = if a > 0.0 { (a - b) / a * 100.0 } else { 0.0 };
            println!("| {} | {concurrency} | {value} | {a:.0} | {b:.0} | {cost:+.1}% |", op.name());
        }
    }
}
