//! The PIN's sources, labels and a missing module (no token needed).

use super::*;

fn pin_file(dir: &Path, text: &str, mode: u32) -> PathBuf {
    let path = dir.join("pin");
    let _ = std::fs::remove_file(&path);
    std::fs::write(&path, text).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
    }
    path
}

#[test]
fn the_pin_comes_from_a_private_file_or_a_variable_and_is_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let read = |text: &str, mode: u32| PinSource::File(pin_file(dir.path(), text, mode)).read();
    assert_eq!(read("1234-pin\n", 0o600).unwrap().as_str(), "1234-pin");
    assert_eq!(read("1234-pin\r\n", 0o400).unwrap().as_str(), "1234-pin");
    let e = read("1234-pin\n", 0o640).unwrap_err().to_string();
    assert!(e.contains("group or others") && !e.contains("1234-pin"), "{e}");
    assert!(read("\n", 0o600).unwrap_err().to_string().contains("1 to 256 bytes"));
    let e = read(&"7".repeat(MAX_PIN_LEN + 1), 0o600).unwrap_err().to_string();
    assert!(e.contains("1 to 256 bytes") && !e.contains("7777"), "{e}");
    let e = PinSource::File(dir.path().join("absent")).read().unwrap_err().to_string();
    assert!(e.contains("absent"), "{e}");
    let e = PinSource::Env("TRENT_TEST_NO_SUCH_PIN_VARIABLE".into()).read().unwrap_err().to_string();
    assert!(e.contains("TRENT_TEST_NO_SUCH_PIN_VARIABLE"), "{e}");
}

#[test]
fn a_missing_module_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let settings = TokenSettings {
        module: "/nonexistent/pkcs11-module.so".into(),
        token: TokenRef::Label("t".into()),
        pin: PinSource::File(pin_file(dir.path(), "1234\n", 0o600)),
    };
    let e = open(&settings).err().expect("no module").to_string();
    assert!(e.contains("/nonexistent/pkcs11-module.so") && e.contains("no such file"), "{e}");
}

#[test]
fn labels_are_bounded() {
    assert!(check_label("x", "trent-root").is_ok());
    for bad in ["", "a\nb", &"l".repeat(MAX_LABEL_LEN + 1)] {
        assert!(check_label("seal.pkcs11.key_label", bad).unwrap_err().contains("seal.pkcs11.key_label"));
    }
}
