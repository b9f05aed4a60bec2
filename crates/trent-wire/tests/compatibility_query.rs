//! `docs/COMPATIBILITY.md` must tell the truth about IAM and STS too: every action this server
//! dispatches is marked done or partial there, and nothing else is.

use trent_wire::iam::IamAction;
use trent_wire::sts::StsAction;

fn table(title: &str) -> Vec<(String, String)> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/COMPATIBILITY.md");
    let text = std::fs::read_to_string(path).expect("docs/COMPATIBILITY.md");
    let section = text.split(&format!("\n## {title}\n")).nth(1).unwrap_or_else(|| panic!("an {title} section"));
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

fn check(title: &str, min: usize, names: &[&str], dispatched: impl Fn(&str) -> bool) {
    let table = table(title);
    assert!(table.len() >= min, "{title}: the table lists every operation of the model, found {}", table.len());
    for name in names {
        let state = table.iter().find(|(op, _)| op == name).map(|(_, s)| s.as_str());
        assert!(matches!(state, Some("done" | "partial")), "{title}: {name} is dispatched but marked {state:?}");
    }
    for (op, state) in &table {
        if state != "not yet" {
            assert!(dispatched(op), "{title}: {op} is marked {state} but is not dispatched");
        }
    }
}

#[test]
fn every_dispatched_iam_action_is_listed_as_implemented_and_only_those() {
    let names: Vec<&str> = IamAction::ALL.iter().map(|a| a.name()).collect();
    check("AWS IAM", 150, &names, |op| IamAction::parse(op).is_some());
}

#[test]
fn every_dispatched_sts_action_is_listed_as_implemented_and_only_those() {
    let names: Vec<&str> = StsAction::ALL.iter().map(|a| a.name()).collect();
    check("AWS STS", 10, &names, |op| StsAction::parse(op).is_some());
}
