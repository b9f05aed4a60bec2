//! The commands' behaviours.

use crate::harness::{Server, ok};

fn pattern(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i * 7 + i / 256) as u8).collect()
}

#[test]
fn files_directories_stdin_and_base64_round_trip() {
    let s = Server::start();
    let plain = pattern(100_000);
    std::fs::write(s.path("a.bin"), &plain).unwrap();
    let a = s.path("a.bin");
    let enc = s.path("a.enc");
    let dec = s.path("a.dec");
    let (a, enc, dec) = (a.to_str().unwrap(), enc.to_str().unwrap(), dec.to_str().unwrap());
    ok(s.trent(
        &["encrypt", "-i", a, "-o", enc, "-w", "key=alias/envelope", "-c", "app=test", "--frame-length", "1000"],
        None,
    ));
    let msg = std::fs::read(enc).unwrap();
    assert_eq!(&msg[..3], &[0x02, 0x05, 0x78], "format 2, suite 0x0578 by default");
    ok(s.trent(&["decrypt", "-i", enc, "-o", dec, "-w", "key=alias/envelope", "-c", "app=test"], None));
    assert!(std::fs::read(dec).unwrap() == plain);
    // A wrong context fails and leaves no output.
    let bad = s.path("bad.dec");
    let out = s.trent(
        &["decrypt", "-i", enc, "-o", bad.to_str().unwrap(), "-w", "key=alias/envelope", "-c", "app=other"],
        None,
    );
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("does not match"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!bad.exists());
    // Discovery decrypts without naming the key.
    let disc = ok(s.trent(&["decrypt", "-i", enc, "-o", "-", "-w", "discovery=true"], None));
    assert!(disc == plain);

    // stdin -> stdout, base64 both ways, unsigned suite.
    let b64 = ok(s.trent(
        &["encrypt", "-i", "-", "-o", "-", "-w", "key=alias/envelope", "--encode", "--algorithm", "0x0478"],
        Some(b"from stdin"),
    ));
    assert!(b64.iter().all(|b| b.is_ascii_alphanumeric() || b"+/=".contains(b)));
    let back =
        ok(s.trent(&["decrypt", "-i", "-", "-o", "-", "-w", &format!("key={}", s.key_arn), "--decode"], Some(&b64)));
    assert_eq!(back, b"from stdin");
}

#[test]
fn directory_trees_metadata_required_keys_and_caching() {
    let s = Server::start();
    let input = s.path("in");
    std::fs::create_dir_all(input.join("sub/deeper")).unwrap();
    for (i, name) in ["one.txt", "sub/two.txt", "sub/deeper/three.txt", "empty.txt"].iter().enumerate() {
        std::fs::write(input.join(name), pattern(i * 5000)).unwrap();
    }
    let (enc, dec, meta) = (s.path("enc"), s.path("dec"), s.path("meta.jsonl"));
    let args = |mode: &str, i: &std::path::Path, o: &std::path::Path, suffix: &str| {
        vec![
            mode.to_owned(),
            "-r".into(),
            "-i".into(),
            i.display().to_string(),
            "-o".into(),
            o.display().to_string(),
            "--suffix".into(),
            suffix.into(),
            "-w".into(),
            "key=alias/envelope".into(),
            "-c".into(),
            "tenant=acme".into(),
            "--required-encryption-context-keys".into(),
            "tenant".into(),
            "--metadata-output".into(),
            meta.display().to_string(),
            "--caching".into(),
            "max_age=60,max_messages=10".into(),
        ]
    };
    let run = |v: Vec<String>| ok(s.trent(&v.iter().map(String::as_str).collect::<Vec<_>>(), None));
    run(args("encrypt", &input, &enc, ".trent"));
    assert!(enc.join("sub/deeper/three.txt.trent").exists());
    run(args("decrypt", &enc, &dec, ".plain"));
    for (i, name) in ["one.txt", "sub/two.txt", "sub/deeper/three.txt", "empty.txt"].iter().enumerate() {
        assert!(std::fs::read(dec.join(format!("{name}.trent.plain"))).unwrap() == pattern(i * 5000), "{name}");
    }
    let records: Vec<serde_json::Value> =
        std::fs::read_to_string(&meta).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(records.len(), 8);
    assert_eq!(records[0]["mode"], "encrypt");
    assert_eq!(records[0]["header"]["encryption_context"]["tenant"], "acme");
    assert_eq!(records[7]["mode"], "decrypt");
    // Caching: one data key for the four files, so the same KMS ciphertext in each header.
    let edk = |name: &str| {
        let bytes = std::fs::read(enc.join(name)).unwrap();
        trent_envelope::read_message_header(&mut bytes.as_slice(), None).unwrap().edks
    };
    assert_eq!(edk("one.txt.trent"), edk("sub/deeper/three.txt.trent"));
    assert_eq!(edk("one.txt.trent"), edk("empty.txt.trent"));
    // The tenant pair is not stored: decrypting without it fails.
    let one = enc.join("one.txt.trent");
    let out = s.trent(&["decrypt", "-i", one.to_str().unwrap(), "-o", "-", "-w", "key=alias/envelope"], None);
    assert!(!out.status.success());
}

#[test]
fn bad_arguments_are_refused_with_a_message() {
    let s = Server::start();
    std::fs::write(s.path("x"), b"x").unwrap();
    let x = s.path("x");
    let x = x.to_str().unwrap();
    for (args, says) in [
        (vec!["encrypt", "-i", x, "-o", "-", "-w", "nonsense"], "NAME=VALUE"),
        (vec!["encrypt", "-i", x, "-o", "-", "-w", "discovery=true"], "discovery"),
        (vec!["encrypt", "-i", x, "-o", "-", "-w", "key=alias/envelope", "--caching", "max_messages=3"], "max_age"),
        (vec!["encrypt", "-i", x, "-o", "-", "-w", "key=alias/envelope", "--frame-length", "0"], "frame length"),
        (vec!["encrypt", "-i", x, "-o", "-", "-w", "key=alias/nope"], "NotFoundException"),
        (vec!["encrypt", "-i", s.dir.path().to_str().unwrap(), "-o", "-", "-w", "key=alias/envelope"], "--recursive"),
    ] {
        let out = s.trent(&args, None);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success() && err.contains(says), "{args:?}: {err}");
    }
}
