//! What the hand-written benches share (`trent-crypto`'s `primitives`, `trent-core`'s
//! `audit_record`): their arguments, their rows, and timing a row by the thread's CPU time, as
//! `openssl speed` divides by its CPU user time, and by the wall clock.

use std::time::{Duration, Instant};

/// The CPU time this thread has run, from `/proc/thread-self/schedstat` (Linux; `None`
/// elsewhere). Dividing by it keeps the other processes on a shared core out of the figure.
fn thread_cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let nanos: u64 = stat.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(nanos))
}

/// One row's result: operations per second of CPU time and of wall-clock time.
pub(crate) struct Rate {
    pub(crate) cpu: Option<f64>,
    pub(crate) wall: f64,
}

impl Rate {
    /// Operations per second of CPU time where the platform says, else of the wall clock.
    pub(crate) fn per_second(&self) -> f64 {
        self.cpu.unwrap_or(self.wall)
    }
}

/// Runs `op` for `seconds` of wall-clock time after a short warm-up, as `openssl speed
/// -seconds` does. The clocks are read once per batch of calls so that reading them costs
/// nothing against a 1 µs HMAC.
pub(crate) fn rate(seconds: f64, mut op: impl FnMut()) -> Rate {
    let warm = Instant::now();
    while warm.elapsed() < Duration::from_millis(200) {
        op();
    }
    let budget = Duration::from_secs_f64(seconds);
    let cpu_start = thread_cpu_time();
    let start = Instant::now();
    let mut done: u64 = 0;
    let mut batch: u64 = 1;
    loop {
        for _ in 0..batch {
            op();
        }
        done += batch;
        let elapsed = start.elapsed();
        if elapsed >= budget {
            let cpu = match (cpu_start, thread_cpu_time()) {
                (Some(a), Some(b)) if b > a => Some(done as f64 / (b - a).as_secs_f64()),
                _ => None,
            };
            return Rate { cpu, wall: done as f64 / elapsed.as_secs_f64() };
        }
        // Aim for about 100 clock reads per row whatever the operation costs.
        let per_op = elapsed.as_secs_f64() / done as f64;
        batch = ((seconds / 100.0 / per_op) as u64).clamp(1, 1 << 20);
    }
}

/// One row: a name and the operation it times.
pub(crate) struct Row<'a> {
    pub(crate) name: &'static str,
    pub(crate) op: Box<dyn FnMut() + 'a>,
}

pub(crate) fn row<'a>(name: &'static str, op: impl FnMut() + 'a) -> Row<'a> {
    Row { name, op: Box::new(op) }
}

/// The command line: `[--seconds S] [NAME...]`, a `NAME` keeping only the rows whose name
/// contains it.
pub(crate) struct Args {
    pub(crate) seconds: f64,
    filters: Vec<String>,
}

impl Args {
    pub(crate) fn parse(default_seconds: f64) -> Self {
        let mut seconds = default_seconds;
        let mut filters = Vec::new();
        let mut args = std::env::args().skip(1);
        while let Some(arg) = args.next() {
            match arg.as_str() {
                // `cargo bench` passes `--bench` to a bench without the libtest harness.
                "--bench" => {}
                "--seconds" => {
                    seconds = args.next().and_then(|s| s.parse().ok()).expect("--seconds takes a number");
                }
                _ => filters.push(arg),
            }
        }
        Self { seconds, filters }
    }

    /// Whether the row named `name` runs.
    pub(crate) fn wants(&self, name: &str) -> bool {
        self.filters.is_empty() || self.filters.iter().any(|f| name.contains(f.as_str()))
    }
}
