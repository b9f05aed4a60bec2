//! Replays every committed corpus file (`fuzz/corpus/<target>/*`) through every fuzz target,
//! without libFuzzer, so that `cargo test` keeps every seed and every input that once crashed
//! a target (the `regress-*` files) passing. Each target's own seeds (every file but the
//! `regress-*` ones) must also be accepted: a seed that no longer parses, verifies or decrypts
//! has rotted, and the fuzzer would start from less than it seems.

use std::path::{Path, PathBuf};

use trent_fuzz::{TARGETS, Target};

/// The seeds a target must have at least.
const MIN_SEEDS: usize = 3;
/// The name prefix of corpus files that once crashed a target: kept, not expected to be valid.
const REGRESSION_PREFIX: &str = "regress-";

fn corpus_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus")
}

/// Every file of one target's corpus, sorted by name.
fn corpus(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = corpus_root().join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .collect();
    files.sort();
    files.into_iter().map(|path| (path.clone(), std::fs::read(&path).expect("corpus file"))).collect()
}

/// Runs every corpus file through `target`; checks `target`'s own seeds.
fn replay(name: &str, target: Target) {
    for (other, _) in TARGETS {
        for (path, data) in corpus(other) {
            let outcome = std::panic::catch_unwind(|| target(&data));
            assert!(outcome.is_ok(), "target {name} panicked on {}", path.display());
        }
    }
    let seeds: Vec<_> = corpus(name)
        .into_iter()
        .filter(|(path, _)| {
            !path.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with(REGRESSION_PREFIX))
        })
        .collect();
    assert!(seeds.len() >= MIN_SEEDS, "target {name} has {} seeds, fewer than {MIN_SEEDS}", seeds.len());
    for (path, data) in &seeds {
        assert!(target(data), "target {name} does not accept its seed {}", path.display());
    }
}

#[test]
fn every_target_has_a_corpus_and_a_binary() {
    let bins = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/fuzz_targets");
    for (name, _) in TARGETS {
        assert!(corpus_root().join(name).is_dir(), "fuzz/corpus/{name} is missing");
        assert!(bins.join(format!("{name}.rs")).is_file(), "fuzz/fuzz_targets/{name}.rs is missing");
    }
}

macro_rules! replays {
    ($($test:ident => $name:literal;)*) => {
        $(
            #[test]
            fn $test() {
                let (_, target) = TARGETS.iter().find(|(n, _)| *n == $name).expect("a target of that name");
                replay($name, *target);
            }
        )*
    };
}

replays! {
    sigv4_replays_every_corpus => "sigv4";
    aws_json_replays_every_corpus => "aws_json";
    aws_query_form_replays_every_corpus => "aws_query_form";
    kms_blob_replays_every_corpus => "kms_blob";
    esdk_header_replays_every_corpus => "esdk_header";
    policy_replays_every_corpus => "policy";
    seed_replays_every_corpus => "seed";
}
