//! The sweep: an operation run again and again on a fresh world, with every write after the
//! first N failing, for N = 0, 1, 2, ... until it succeeds, once with refused writes and once
//! with a lost acknowledgement; after every attempt the world's checks and the scenario's own.

use async_trait::async_trait;

use super::store::Fault;
use super::world::World;

/// More writes than any operation needs: a sweep that gets here never saw the operation succeed.
const MAX_WRITES: u64 = 20;

/// One operation under test.
#[async_trait]
pub(crate) trait Scenario: Sync {
    /// What it runs, for messages.
    fn name(&self) -> &'static str;

    /// How many writes the operation makes when it succeeds: one, so that a failure has
    /// nothing to leave half-done.
    fn writes(&self) -> u64 {
        1
    }

    /// Builds the state the operation starts from (no fault is armed yet).
    async fn setup(&self, _w: &World) {}

    /// The operation.
    async fn run(&self, w: &World) -> Result<(), String>;

    /// What must hold of the store after an attempt, beyond the world's checks; `done` says
    /// whether it succeeded.
    async fn check(&self, _w: &World, _done: bool, _context: &str) {}
}

/// Sweeps `scenario` under both kinds of fault.
pub(crate) async fn sweep(scenario: &dyn Scenario) {
    for fault in [Fault::Refuse, Fault::LoseAck] {
        sweep_one(scenario, fault).await;
    }
}

async fn sweep_one(scenario: &dyn Scenario, fault: Fault) {
    for budget in 0..=MAX_WRITES {
        let w = World::new().await;
        scenario.setup(&w).await;
        w.warm().await;
        w.faulty.arm(budget, fault);
        let outcome = scenario.run(&w).await;
        w.faulty.disarm();
        let context = format!("{} ({fault:?} after {budget} writes)", scenario.name());
        let failed = w.faulty.failed();
        match &outcome {
            Ok(()) => assert_eq!(failed, 0, "{context}: reported success although a write failed"),
            Err(e) => assert!(failed > 0, "{context}: failed without an injected fault: {e}"),
        }
        w.check(&context).await;
        scenario.check(&w, outcome.is_ok(), &context).await;
        if outcome.is_ok() {
            assert_eq!(w.faulty.performed(), scenario.writes(), "{context}: writes made by a successful run");
            return;
        }
    }
    panic!("{} ({fault:?}) never succeeded within {MAX_WRITES} writes", scenario.name());
}

/// Declares a test that sweeps one operation: `$fixture(w)` builds the state it starts from,
/// then the optional `$setup` block adds to it; before the run, `$inputs(w)` reads what the
/// operation needs (ids of things the fixture made) into `$i`, which both blocks can use.
macro_rules! scenario {
    ($test:ident, $name:literal, $fixture:path, $inputs:path, |$w:ident, $i:ident| $run:block $(, setup $setup:block)?) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $test() {
            struct S;
            #[async_trait::async_trait]
            impl $crate::sweep::Scenario for S {
                fn name(&self) -> &'static str {
                    $name
                }
                async fn setup(&self, $w: &$crate::world::World) {
                    $fixture($w).await;
                    $(
                        let $i = $inputs($w).await;
                        $setup
                    )?
                }
                async fn run(&self, $w: &$crate::world::World) -> Result<(), String> {
                    let $i = $inputs($w).await;
                    let _ = &$i; // not every operation needs them
                    $run
                }
            }
            $crate::sweep::sweep(&S).await;
        }
    };
}

/// A failed operation's error, as the sweep reports it.
pub(crate) fn failed(e: impl std::fmt::Debug) -> String {
    format!("{e:?}")
}
