//! A node's id on PostgreSQL storage: it names the node's own audit chain (and is signed into
//! that chain's digests) and its cache notifications. It is stable across restarts, so that a
//! restarted node resumes its chain instead of starting a new one: the `[cluster] node_id`
//! setting (`--node-id`, `TRENT_NODE_ID`), or else the one in the data directory's `node_id`
//! file, or else one derived from the host name at the first start and written there.
//!
//! Two running nodes must never share an id (they would fork one chain): each node holds an
//! advisory lock on its id for as long as it runs, and a second node configured with an id in
//! use refuses to start. SQLite storage has one node and one chain (`""`), and no id.

use std::path::Path;

use crate::bootstrap::BootstrapError;

/// The file in the data directory that keeps a derived node id.
pub const NODE_ID_FILE: &str = "node_id";
/// The longest node id, in bytes.
pub const MAX_NODE_ID: usize = 64;

/// A node id: 1 to 64 ASCII letters, digits, `.`, `_` and `-`, starting with a letter or a
/// digit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeId(String);

impl NodeId {
    /// Checks `text` as a node id.
    ///
    /// # Errors
    /// What is wrong with it.
    pub fn parse(text: &str) -> Result<NodeId, String> {
        if text.is_empty() || text.len() > MAX_NODE_ID {
            return Err(format!("must be 1 to {MAX_NODE_ID} characters"));
        }
        if !text.starts_with(|c: char| c.is_ascii_alphanumeric()) {
            return Err("must start with a letter or a digit".into());
        }
        if let Some(c) = text.chars().find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))) {
            return Err(format!("may hold only letters, digits, '.', '_' and '-', not {c:?}"));
        }
        Ok(NodeId(text.to_owned()))
    }

    /// The id as text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for NodeId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// This node's id: `configured`, or the data directory's, or a new one written there.
pub(crate) fn resolve(configured: Option<&NodeId>, dir: &Path) -> Result<NodeId, BootstrapError> {
    if let Some(id) = configured {
        return Ok(id.clone());
    }
    let path = dir.join(NODE_ID_FILE);
    let io = |source| BootstrapError::DataDir { path: path.clone(), source };
    match std::fs::read_to_string(&path) {
        Ok(text) => NodeId::parse(text.trim()).map_err(|why| {
            io(std::io::Error::new(std::io::ErrorKind::InvalidData, format!("not a node id: it {why}")))
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let id = derived().map_err(|e| io(std::io::Error::other(e.to_string())))?;
            // Written whole or not at all: a crash here leaves no half-written id.
            let staged = dir.join(format!("{NODE_ID_FILE}.new"));
            std::fs::write(&staged, format!("{id}\n")).map_err(io)?;
            std::fs::rename(&staged, &path).map_err(io)?;
            Ok(id)
        }
        Err(e) => Err(io(e)),
    }
}

/// The host name (what of it a node id may hold, at most 40 characters) and 8 random hex
/// digits: readable in the audit trail, and distinct for two data directories on one host.
fn derived() -> Result<NodeId, trent_crypto::CryptoError> {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .unwrap_or_default();
    let host: String = host
        .trim()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        .skip_while(|c| !c.is_ascii_alphanumeric())
        .take(40)
        .collect();
    let suffix = hex::encode(trent_crypto::random_array::<4>()?);
    let text = if host.is_empty() { format!("node-{suffix}") } else { format!("{host}-{suffix}") };
    Ok(NodeId::parse(&text).unwrap_or(NodeId(format!("node-{suffix}"))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_ids_are_checked() {
        assert!(NodeId::parse("db-1.eu_west").is_ok());
        assert!(NodeId::parse(&"a".repeat(64)).is_ok());
        for bad in ["", "-x", ".x", "a b", "a/b", "é", &"a".repeat(65)] {
            assert!(NodeId::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_derived_id_is_written_once_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let first = resolve(None, dir.path()).unwrap();
        assert_eq!(resolve(None, dir.path()).unwrap(), first, "kept across starts");
        let text = std::fs::read_to_string(dir.path().join(NODE_ID_FILE)).unwrap();
        assert_eq!(text, format!("{first}\n"));
        let configured = NodeId::parse("configured").unwrap();
        assert_eq!(resolve(Some(&configured), dir.path()).unwrap(), configured, "the setting wins");
        let other = tempfile::tempdir().unwrap();
        assert_ne!(resolve(None, other.path()).unwrap(), first, "another data directory, another id");
        std::fs::write(dir.path().join(NODE_ID_FILE), "not/valid\n").unwrap();
        assert!(resolve(None, dir.path()).is_err(), "a damaged file stops the start");
    }
}
