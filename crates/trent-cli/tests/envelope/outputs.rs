//! What `-o`, `--metadata-output` and `--witness` do to what is already at their path: a FIFO
//! (standing in for a device such as `/dev/null`, which no test may touch) is written through,
//! a symbolic link is followed, an existing file keeps its mode (and owner), and decryption
//! into anything that is not a regular file releases only verified plaintext.

use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::mpsc;
use std::time::Duration;

use crate::harness::{Server, TRENT, ok};

const WRAP: &str = "key=alias/envelope";

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

fn mkfifo(path: &Path) {
    let status = Command::new("mkfifo").arg(path).status().expect("mkfifo");
    assert!(status.success());
}

fn is_fifo(path: &Path) -> bool {
    std::fs::symlink_metadata(path).map(|m| m.file_type().is_fifo()).unwrap_or(false)
}

/// Reads everything written into the FIFO at `path`, on a thread: a writer's `open` waits for
/// this reader. Returns a receiver of the bytes.
fn drain_fifo(path: &Path) -> mpsc::Receiver<Vec<u8>> {
    let (tx, rx) = mpsc::channel();
    let path = path.to_owned();
    std::thread::spawn(move || {
        let _ = tx.send(std::fs::read(&path).expect("read the FIFO"));
    });
    rx
}

/// What the reader got. A generous bound: the writer has already exited by now, so the bytes
/// are there or never will be (a FIFO that was replaced keeps its reader waiting for ever).
fn fifo_bytes(rx: &mpsc::Receiver<Vec<u8>>) -> Vec<u8> {
    rx.recv_timeout(Duration::from_secs(30)).expect("nothing was written through the FIFO")
}

fn plaintext() -> Vec<u8> {
    (0..50_000u32).map(|i| (i % 251) as u8).collect()
}

/// Encrypts `plain` into a regular file of `server`'s directory; returns its path.
fn encrypted(server: &Server, name: &str, plain: &[u8]) -> PathBuf {
    let input = server.path(&format!("{name}.plain"));
    std::fs::write(&input, plain).unwrap();
    let output = server.path(name);
    ok(server.trent(&["encrypt", "-i", s(&input), "-o", s(&output), "-w", WRAP, "--frame-length", "1000"], None));
    output
}

/// Guards issue 8 #7: `trent encrypt -o /dev/null` as root replaced `/dev/null` with a regular
/// file (the output was renamed over the path, whatever it was). A FIFO stands in for the device.
#[test]
fn encrypting_into_a_fifo_writes_through_it() {
    let server = Server::start();
    let input = server.path("in.txt");
    std::fs::write(&input, plaintext()).unwrap();
    let fifo = server.path("fifo");
    mkfifo(&fifo);
    let reader = drain_fifo(&fifo);
    ok(server.trent(&["encrypt", "-i", s(&input), "-o", s(&fifo), "-w", WRAP], None));
    assert!(is_fifo(&fifo), "the FIFO was replaced");
    let message = fifo_bytes(&reader);
    assert_eq!(ok(server.trent(&["decrypt", "-i", "-", "-o", "-", "-w", WRAP], Some(&message))), plaintext());
}

/// Guards issue 8 #7: decryption into a FIFO (or device) replaced it, and must release only
/// verified plaintext there: a signed message whose signature fails writes nothing into it.
#[test]
fn decrypting_into_a_fifo_releases_only_verified_plaintext() {
    let server = Server::start();
    let message = encrypted(&server, "signed.enc", &plaintext());
    let fifo = server.path("fifo");
    mkfifo(&fifo);
    let reader = drain_fifo(&fifo);
    ok(server.trent(&["decrypt", "-i", s(&message), "-o", s(&fifo), "-w", WRAP], None));
    assert!(is_fifo(&fifo), "the FIFO was replaced");
    assert_eq!(fifo_bytes(&reader), plaintext());
    // The last byte belongs to the signature: every frame still authenticates, the message does not.
    let mut forged = std::fs::read(&message).unwrap();
    *forged.last_mut().unwrap() ^= 1;
    let forged_path = server.path("forged.enc");
    std::fs::write(&forged_path, &forged).unwrap();
    let reader = drain_fifo(&fifo);
    let out = server.trent(&["decrypt", "-i", s(&forged_path), "-o", s(&fifo), "-w", WRAP], None);
    assert!(!out.status.success(), "a forged signature was accepted");
    assert_eq!(fifo_bytes(&reader), b"", "unverified plaintext was released into the FIFO");
    assert!(is_fifo(&fifo));
}

/// Guards issue 8 #7: `-o LINK` replaced the symbolic link with a regular file.
#[test]
fn symbolic_links_are_followed_not_replaced() {
    let server = Server::start();
    let message = encrypted(&server, "m.enc", &plaintext());
    std::fs::create_dir(server.path("real")).unwrap();
    let plain = server.path("m.enc.plain");
    for (link, target, command, input) in
        [("enc-link", "real/out.enc", "encrypt", &plain), ("dec-link", "real/out.dec", "decrypt", &message)]
    {
        let link = server.path(link);
        std::os::unix::fs::symlink(target, &link).unwrap();
        ok(server.trent(&[command, "-i", s(input), "-o", s(&link), "-w", WRAP], None));
        assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink(), "{} was replaced", link.display());
        assert!(server.path(target).is_file(), "{target} was not written through the link");
    }
    assert_eq!(std::fs::read(server.path("real/out.dec")).unwrap(), plaintext());
}

/// Guards issue 8 #7: `-o FILE` onto an existing file replaced it with a new file of mode 0600
/// (and, run as root, owned by root).
#[test]
fn an_existing_output_file_keeps_its_mode_and_owner() {
    let server = Server::start();
    let input = server.path("in.txt");
    std::fs::write(&input, plaintext()).unwrap();
    let out = server.path("existing.enc");
    std::fs::write(&out, b"old contents").unwrap();
    std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o640)).unwrap();
    // Run as root (as in CI containers), a file of another owner keeps its owner too.
    let root = std::fs::metadata("/proc/self").map(|m| m.uid() == 0).unwrap_or(false);
    if root {
        std::os::unix::fs::chown(&out, Some(4242), Some(4243)).unwrap();
    }
    let before = std::fs::metadata(&out).unwrap();
    ok(server.trent(&["encrypt", "-i", s(&input), "-o", s(&out), "-w", WRAP], None));
    let after = std::fs::metadata(&out).unwrap();
    assert_eq!(after.permissions().mode() & 0o7777, 0o640);
    assert_eq!((after.uid(), after.gid()), (before.uid(), before.gid()));
    let message = std::fs::read(&out).unwrap();
    assert_eq!(&message[..3], &[0x02, 0x05, 0x78], "the file holds the new message");
    // A new output file is private.
    let fresh = server.path("fresh.enc");
    ok(server.trent(&["encrypt", "-i", s(&input), "-o", s(&fresh), "-w", WRAP], None));
    assert_eq!(std::fs::metadata(&fresh).unwrap().permissions().mode() & 0o7777, 0o600);
}

/// Guards issue 8 #7 with a real character device: `mknod` makes a null device inside the
/// test's own directory (root only; the machine's `/dev/null` is never touched).
#[test]
fn a_character_device_is_written_through_not_replaced() {
    let server = Server::start();
    let null = server.path("null");
    let made = Command::new("mknod").arg(&null).args(["c", "1", "3"]).status().is_ok_and(|s| s.success());
    if !made {
        eprintln!("SKIPPED a_character_device_is_written_through_not_replaced: mknod is not permitted here");
        return;
    }
    let input = server.path("in.txt");
    std::fs::write(&input, plaintext()).unwrap();
    ok(server.trent(&["encrypt", "-i", s(&input), "-o", s(&null), "-w", WRAP], None));
    let meta = std::fs::symlink_metadata(&null).unwrap();
    assert!(meta.file_type().is_char_device(), "the device node was replaced by a regular file");
    assert_eq!(meta.rdev(), std::fs::metadata("/dev/null").unwrap().rdev());
}

/// Guards issue 8 #7 for `--metadata-output`: it is written in place (a FIFO through, a link
/// followed, an existing file's mode kept) and a new metadata file is private.
#[test]
fn metadata_output_is_written_in_place_and_created_private() {
    let server = Server::start();
    let input = server.path("in.txt");
    std::fs::write(&input, b"metadata").unwrap();
    let encrypt = |output: &str, metadata: &Path| {
        ok(server
            .trent(&["encrypt", "-i", s(&input), "-o", output, "-w", WRAP, "--metadata-output", s(metadata)], None))
    };
    let fifo = server.path("meta-fifo");
    mkfifo(&fifo);
    let reader = drain_fifo(&fifo);
    encrypt(s(&server.path("a.enc")), &fifo);
    assert!(is_fifo(&fifo));
    let record: serde_json::Value = serde_json::from_slice(&fifo_bytes(&reader)).expect("one JSON record");
    assert_eq!(record["mode"], "encrypt");
    std::fs::write(server.path("meta-real"), b"").unwrap();
    std::fs::set_permissions(server.path("meta-real"), std::fs::Permissions::from_mode(0o640)).unwrap();
    let link = server.path("meta-link");
    std::os::unix::fs::symlink("meta-real", &link).unwrap();
    encrypt(s(&server.path("b.enc")), &link);
    assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
    assert_eq!(std::fs::metadata(&link).unwrap().permissions().mode() & 0o7777, 0o640);
    assert!(std::fs::read_to_string(server.path("meta-real")).unwrap().contains("\"encrypt\""));
    let fresh = server.path("meta-new");
    encrypt(s(&server.path("c.enc")), &fresh);
    assert_eq!(std::fs::metadata(&fresh).unwrap().permissions().mode() & 0o7777, 0o600);
}

/// Guards issue 8 #7 for `trent audit verify --witness`: the witness was written to
/// `PATH.tmp` and renamed over the path, replacing a symbolic link.
#[test]
fn the_audit_witness_follows_a_symbolic_link() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let bench = Command::new(TRENT)
        .args(["audit", "bench", "--events", "20", "--concurrency", "2", "--data-dir", s(&data)])
        .output()
        .expect("audit bench");
    assert!(bench.status.success(), "{}", String::from_utf8_lossy(&bench.stderr));
    let link = dir.path().join("witness");
    std::os::unix::fs::symlink("kept/witness.txt", &link).unwrap();
    std::fs::create_dir(dir.path().join("kept")).unwrap();
    let verify = Command::new(TRENT)
        .args(["audit", "verify", "--data-dir", s(&data), "--witness", s(&link)])
        .output()
        .expect("audit verify");
    assert!(verify.status.success(), "{}", String::from_utf8_lossy(&verify.stderr));
    assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink(), "the witness link was replaced");
    let witness = std::fs::read_to_string(dir.path().join("kept/witness.txt")).unwrap();
    assert!(witness.starts_with("trent-audit-witness v1"), "{witness}");
}
