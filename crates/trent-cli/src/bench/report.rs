//! The Markdown tables `trent bench` prints for `BENCHMARKS.md`: one row per measured
//! interval, and with both quota modes the median of each and the cost of the quota check.

use super::servers::QuotaMode;
use super::{BenchArgs, Row};

pub(super) fn print_table(args: &BenchArgs, cores: usize, rows: &[Row]) {
    let mode = match (&args.endpoint_url, &args.server_cpus) {
        (Some(url), _) => format!("server at {url}"),
        (None, Some(cpus)) => format!("server in a child process on CPUs {cpus}"),
        (None, None) => format!("in-process server, {} server worker threads", args.server_threads),
    };
    let client = args.client_cpus.as_deref().map_or(String::new(), |c| format!(" on CPUs {c}"));
    let population =
        if args.populate_keys > 0 { format!(", {} more keys in the account", args.populate_keys) } else { String::new() };
    println!(
        "\n{cores} CPU cores, {mode}, {} client worker threads{client}, {} s per row, {}-byte plaintext{population}\n",
        args.client_threads, args.seconds, args.plaintext_bytes
    );
    println!("| operation | concurrency | quotas | requests/s | p50 ms | p99 ms | errors |");
    println!("|---|---:|---|---:|---:|---:|---:|");
    for r in rows {
        println!(
            "| {} | {} | {} | {:.0} | {:.3} | {:.3} | {} |",
            r.op.name(),
            r.concurrency,
            r.quotas.map_or("-", QuotaMode::label),
            r.rate(),
            r.latency.value_at_quantile(0.50) as f64 / 1000.0,
            r.latency.value_at_quantile(0.99) as f64 / 1000.0,
            r.errors
        );
    }
    print_quota_cost(args, rows);
}

/// With both quota modes measured: the median of each, and what the quota check costs.
fn print_quota_cost(args: &BenchArgs, rows: &[Row]) {
    if !(args.quotas.contains(&QuotaMode::Off) && args.quotas.contains(&QuotaMode::On)) {
        return;
    }
    println!("\n| operation | concurrency | quotas off, median req/s | quotas on, median req/s | cost |");
    println!("|---|---:|---:|---:|---:|");
    for &op in &args.ops {
        for &concurrency in &args.concurrency {
            let median = |mode| {
                let mut rates: Vec<f64> = rows
                    .iter()
                    .filter(|r| r.op == op && r.concurrency == concurrency && r.quotas == Some(mode))
                    .map(Row::rate)
                    .collect();
                rates.sort_by(f64::total_cmp);
                rates.get(rates.len() / 2).copied().unwrap_or(0.0)
            };
            let (off, on) = (median(QuotaMode::Off), median(QuotaMode::On));
            let cost = if off > 0.0 { (off - on) / off * 100.0 } else { 0.0 };
            println!("| {} | {concurrency} | {off:.0} | {on:.0} | {cost:+.1}% |", op.name());
        }
    }
}
