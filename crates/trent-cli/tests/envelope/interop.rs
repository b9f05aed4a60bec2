//! Interop through the KMS keyring with the official Python tools, both ways: the
//! `aws-encryption-sdk` library (every suite, framed and non-framed, sizes around the frame)
//! and `aws-encryption-cli`, with boto3 pointed at the running Trent.

use std::path::Path;
use std::process::Command;

use serde_json::json;

use crate::harness::{Server, ok, run, venv_tool};

fn pattern(n: usize, salt: usize) -> Vec<u8> {
    (0..n).map(|i| (i * 13 + salt) as u8).collect()
}

#[test]
fn aws_encryption_cli_and_trent_read_each_other() {
    let Some(cli) = venv_tool("aws_encryption_cli_and_trent_read_each_other", "aws-encryption-cli") else {
        return;
    };
    let s = Server::start();
    let plain = pattern(300_000, 1);
    std::fs::write(s.path("p"), &plain).unwrap();
    let p = |n: &str| s.path(n).display().to_string();
    let key = format!("key={}", s.key_arn);
    let python = |args: &[&str]| {
        let mut cmd = Command::new(&cli);
        cmd.args(args);
        s.env(&mut cmd);
        ok(run(cmd, None))
    };
    let (input, t_enc, py_enc) = (p("p"), p("t.enc"), p("py.enc"));
    for algorithm in [None, Some(("0x0478", "AES_256_GCM_HKDF_SHA512_COMMIT_KEY"))] {
        let mut trent_args = vec!["encrypt", "-i", &input, "-o", &t_enc, "-w", &key, "-c", "team=blue"];
        let mut py_args = vec!["--encrypt", "-i", &input, "-o", &py_enc, "-w", &key, "-c", "team=blue", "-S"];
        if let Some((id, name)) = algorithm {
            trent_args.extend(["--algorithm", id]);
            py_args.extend(["--algorithm", name]);
        }
        ok(s.trent(&trent_args, None));
        python(&["--decrypt", "-i", &p("t.enc"), "-o", &p("t.py.dec"), "-w", &key, "-c", "team=blue", "-S"]);
        assert!(std::fs::read(p("t.py.dec")).unwrap() == plain, "{algorithm:?}: Python CLI reads Trent");
        python(&py_args);
        ok(s.trent(&["decrypt", "-i", &p("py.enc"), "-o", &p("py.t.dec"), "-w", &key, "-c", "team=blue"], None));
        assert!(std::fs::read(p("py.t.dec")).unwrap() == plain, "{algorithm:?}: Trent reads the Python CLI");
    }
}

#[test]
fn python_sdk_kms_messages_of_every_suite_both_ways() {
    let Some(python) = venv_tool("python_sdk_kms_messages_of_every_suite_both_ways", "python") else {
        return;
    };
    let s = Server::start();
    let key = json!({ "type": "kms", "arn": s.key_arn });
    let frame = 256usize;
    let mut jobs = Vec::new();
    let mut expected = Vec::new();
    let mut i = 0;
    for suite in trent_envelope::ALL_SUITES {
        for (size, frame_length) in [(0usize, frame), (1, frame), (frame, frame), (frame * 5 + 3, frame), (777, 0)] {
            if frame_length == 0 && size == 0 {
                continue;
            }
            let context = if i % 2 == 0 { json!({}) } else { json!({ "purpose": "interop" }) };
            let plain = s.path(&format!("{i}.plain"));
            std::fs::write(&plain, pattern(size, i)).unwrap();
            // Python encrypts ...
            jobs.push(json!({ "op": "encrypt", "in": plain, "out": s.path(&format!("{i}.py")), "key": key,
                              "suite": suite.id, "frame_length": frame_length, "context": context }));
            // ... and decrypts what `trent encrypt` wrote (framed; Trent writes no other kind).
            let mut args = vec![
                "encrypt".to_owned(),
                "-i".into(),
                plain.display().to_string(),
                "-o".into(),
                s.path(&format!("{i}.trent")).display().to_string(),
                "-w".into(),
                "key=alias/envelope".into(),
                "--algorithm".into(),
                format!("0x{:04x}", suite.id),
                "--frame-length".into(),
                frame.to_string(),
            ];
            if !suite.is_committing() {
                args.extend(["--commitment-policy".into(), "FORBID_ENCRYPT_ALLOW_DECRYPT".into()]);
            }
            for (k, v) in context.as_object().unwrap() {
                args.extend(["-c".into(), format!("{k}={}", v.as_str().unwrap())]);
            }
            ok(s.trent(&args.iter().map(String::as_str).collect::<Vec<_>>(), None));
            jobs.push(
                json!({ "op": "decrypt", "in": s.path(&format!("{i}.trent")), "out": s.path(&format!("{i}.trent.py")),
                              "key": key, "context": context }),
            );
            expected.push((i, size, suite.id));
            i += 1;
        }
    }
    let file = s.path("jobs.json");
    std::fs::write(&file, serde_json::to_vec(&jobs).unwrap()).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../trent-envelope/tests/interop/esdk_jobs.py");
    let mut cmd = Command::new(python);
    cmd.arg(script).arg(&file);
    s.env(&mut cmd);
    ok(run(cmd, None));
    for (i, size, suite) in expected {
        for out in [format!("{i}.py"), format!("{i}.trent.py")] {
            let err = s.path(&format!("{out}.error"));
            assert!(
                !err.exists(),
                "suite {suite:04x} job {out}: {}",
                std::fs::read_to_string(&err).unwrap_or_default()
            );
        }
        assert!(
            std::fs::read(s.path(&format!("{i}.trent.py"))).unwrap() == pattern(size, i),
            "Python read Trent's {i}"
        );
        let py_msg = s.path(&format!("{i}.py")).display().to_string();
        let back = ok(s.trent(
            &[
                "decrypt",
                "-i",
                &py_msg,
                "-o",
                "-",
                "-w",
                "discovery=true",
                "--commitment-policy",
                "REQUIRE_ENCRYPT_ALLOW_DECRYPT",
            ],
            None,
        ));
        assert!(back == pattern(size, i), "Trent read Python's {i} (suite {suite:04x}, {size} bytes)");
    }
}
