//! `docs/COMPATIBILITY.md` must tell the truth: every KMS operation this server dispatches is
//! marked done or partial there, and nothing else is.

use trent_wire::kms::KmsAction;

fn kms_table() -> Vec<(String, String)> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/COMPATIBILITY.md");
    let text = std::fs::read_to_string(path).expect("docs/COMPATIBILITY.md");
    let section = text.split("\n## AWS KMS").nth(1).expect("an AWS KMS section");
    let section = section.split("\n## ").next().unwrap_or(section);
    section
        .lines()
        .filter_map(|l| {
            let cells: Vec<&str> = l.trim_matches('|').split('|').map(str::trim).collect();
            (cells.len() >= 2
                && cells[0].chars().next().is_some_and(|c| c.is_ascii_uppercase())
                && cells[0] != "operation")
                .then(|| (cells[0].to_owned(), cells[1].to_owned()))
        })
        .collect()
}

#[test]
fn every_dispatched_kms_operation_is_listed_as_implemented_and_only_those() {
    let table = kms_table();
    assert!(table.len() >= 50, "the table lists every operation of the model, found {}", table.len());
    for action in KmsAction::ALL {
        let state = table.iter().find(|(op, _)| op == action.name()).map(|(_, s)| s.as_str());
        assert!(matches!(state, Some("done" | "partial")), "{} is dispatched but marked {state:?}", action.name());
    }
    for (op, state) in &table {
        if state != "not yet" {
            assert!(KmsAction::parse(op).is_some(), "{op} is marked {state} but is not dispatched");
        }
    }
}
