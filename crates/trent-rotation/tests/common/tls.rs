//! A throwaway certificate authority for the TLS cases.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::missing;

/// A test CA and a server certificate for 127.0.0.1 signed by it (`server.crt`, `server.key`);
/// the CA's certificate, or `None` without openssl.
pub fn make_certificate(dir: &Path) -> Option<PathBuf> {
    let run = |args: &[&str]| {
        Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    std::fs::write(dir.join("san.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n").unwrap();
    let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
    let made = run(&[
        &["req", "-x509"][..],
        &ec,
        &["-keyout", "ca.key", "-out", "ca.crt", "-subj", "/CN=trent test CA", "-days", "2"],
    ]
    .concat())
        && run(
            &[&["req"][..], &ec, &["-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1"]].concat()
        )
        && run(&[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.crt",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "server.crt",
            "-days",
            "2",
            "-extfile",
            "san.ext",
        ]);
    if !made {
        missing("openssl (for the PostgreSQL TLS case)");
        return None;
    }
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(dir.join("server.key"), std::fs::Permissions::from_mode(0o600)).unwrap();
    Some(dir.join("ca.crt"))
}
