//! Rekey between every pair of seals, and a simulated crash after every step of a move.

use std::os::fd::AsRawFd as _;

use super::*;
use crate::seal::{ShamirSeal, init_shamir, open_key_file, release_sealed_file, seal_in, shamir_path};

/// A file holding `passphrase`, open for the seal to read through its descriptor.
struct Phrase(std::fs::File);

impl Phrase {
    fn new(dir: &Path, name: &str, passphrase: &str) -> Self {
        let path = dir.join(name);
        std::fs::write(&path, format!("{passphrase}\n")).unwrap();
        Self(std::fs::File::open(path).unwrap())
    }
    fn kind(&self) -> PassphraseKind {
        PassphraseKind(PassphraseSource::Fd(u32::try_from(self.0.as_raw_fd()).unwrap()))
    }
}

fn private_dir(parent: &Path) -> PathBuf {
    use std::os::unix::fs::DirBuilderExt as _;
    let dir = parent.join("data");
    std::fs::DirBuilder::new().mode(0o700).create(&dir).unwrap();
    dir
}

fn shamir_from(made: &Initialised, pick: &[usize]) -> ShamirKind {
    ShamirKind { given: pick.iter().map(|&i| made.shares[i].clone()).collect(), shares: 0, threshold: 0 }
}

fn shamir_to(shares: u8, threshold: u8) -> ShamirKind {
    ShamirKind { given: Vec::new(), shares, threshold }
}

/// The only files left are the new seal's (plus what else was there): no journal, no
/// temporary file, not the old seal's.
fn assert_only(dir: &Path, seal: &str) {
    let names: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    let seal_files: Vec<&String> =
        names.iter().filter(|n| n.starts_with("root.") || n.ends_with(PENDING_SUFFIX)).collect();
    let expected = file_of(seal);
    assert_eq!(seal_files, vec![&expected.to_owned()], "files: {names:?}");
    assert_eq!(seal_in(dir).unwrap().1, seal);
}

fn file_of(seal: &str) -> &'static str {
    crate::seal::SEAL_FILES.iter().find(|(_, s)| *s == seal).unwrap().0
}

#[test]
fn the_root_key_moves_between_every_pair_of_seals_unchanged() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = private_dir(tmp.path());
    let (root, _) = open_key_file(&dir.join(KEY_FILE)).unwrap();
    let check = root.check_value();
    let one = Phrase::new(tmp.path(), "one", "the first long passphrase");
    let two = Phrase::new(tmp.path(), "two", "the second long passphrase");

    // file -> passphrase -> passphrase (another phrase) -> shamir
    let moved = rekey(&dir, &mut FileKind, &mut one.kind()).unwrap();
    assert_eq!((moved.from, moved.to, moved.check_value), ("file", "passphrase", check));
    assert!(moved.shown.is_none());
    assert_only(&dir, "passphrase");
    rekey(&dir, &mut one.kind(), &mut two.kind()).unwrap();
    assert!(matches!(
        release_sealed_file(&dir.join(SEALED_FILE), "the first long passphrase"),
        Err(SealError::WrongPassphrase(_))
    ));
    let made = rekey(&dir, &mut two.kind(), &mut shamir_to(5, 3)).unwrap().shown.unwrap();
    assert_only(&dir, "shamir");
    assert_eq!(made.shares.len(), 5);
    assert!(ShamirSeal::load(&shamir_path(&dir)).unwrap().accepts_token(&made.operator_token));

    // shamir -> shamir (new shares) -> file -> shamir -> passphrase -> file
    let too_few = rekey(&dir, &mut shamir_from(&made, &[0, 1]), &mut FileKind).err().unwrap();
    assert!(too_few.to_string().contains("needs 3"), "{too_few}");
    assert_only(&dir, "shamir");
    let again = rekey(&dir, &mut shamir_from(&made, &[4, 0, 2]), &mut shamir_to(3, 2)).unwrap().shown.unwrap();
    let stale = rekey(&dir, &mut shamir_from(&made, &[0, 1, 2]), &mut FileKind).err().unwrap();
    assert!(stale.to_string().contains("not one of this seal's shares"), "{stale}");
    let moved = rekey(&dir, &mut shamir_from(&again, &[2, 1]), &mut FileKind).unwrap();
    assert_eq!(moved.check_value, check);
    assert_only(&dir, "file");
    let third = rekey(&dir, &mut FileKind, &mut shamir_to(2, 2)).unwrap().shown.unwrap();
    rekey(&dir, &mut shamir_from(&third, &[1, 0]), &mut one.kind()).unwrap();
    assert_only(&dir, "passphrase");
    let moved = rekey(&dir, &mut one.kind(), &mut FileKind).unwrap();
    assert_eq!(moved.check_value, check);
    assert_only(&dir, "file");
    assert_eq!(open_key_file(&dir.join(KEY_FILE)).unwrap().0.check_value(), check);
}

#[test]
fn a_rekey_from_the_wrong_seal_or_a_wrong_passphrase_changes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = private_dir(tmp.path());
    let (root, _) = open_key_file(&dir.join(KEY_FILE)).unwrap();
    let phrase = Phrase::new(tmp.path(), "p", "a long enough passphrase");
    let e = rekey(&dir, &mut phrase.kind(), &mut FileKind).err().unwrap();
    assert!(matches!(e, SealError::OtherSeal { found_seal: "file", .. }), "{e}");
    rekey(&dir, &mut FileKind, &mut phrase.kind()).unwrap();
    let wrong = Phrase::new(tmp.path(), "w", "not the passphrase at all");
    let e = rekey(&dir, &mut wrong.kind(), &mut FileKind).err().unwrap();
    assert!(matches!(e, SealError::WrongPassphrase(_)), "{e}");
    assert_only(&dir, "passphrase");
    let (reopened, _) = crate::seal::open_sealed_file(&dir.join(SEALED_FILE), "a long enough passphrase").unwrap();
    assert_eq!(reopened.check_value(), root.check_value());
    // An empty directory has nothing to rekey; init never ran.
    let parent = tmp.path().join("empty");
    std::fs::create_dir(&parent).unwrap();
    let empty = private_dir(&parent);
    assert!(rekey(&empty, &mut FileKind, &mut phrase.kind()).is_err());
}

/// Regression guard: a crash at any point of a move leaves exactly one usable seal.
#[test]
fn a_crash_after_any_step_leaves_the_old_or_the_new_seal_usable() {
    let steps = [Step::NewFileWritten, Step::JournalWritten, Step::Committed, Step::OldRemoved];
    for step in steps {
        // Between two files (file -> shamir) ...
        let tmp = tempfile::tempdir().unwrap();
        let dir = private_dir(tmp.path());
        let (root, _) = open_key_file(&dir.join(KEY_FILE)).unwrap();
        let made = rekey_until(&dir, &mut FileKind, &mut shamir_to(3, 2), step).unwrap().shown.unwrap();
        settle(&dir).unwrap();
        if step < Step::Committed {
            assert_only(&dir, "file");
            assert_eq!(open_key_file(&dir.join(KEY_FILE)).unwrap().0.check_value(), root.check_value());
        } else {
            assert_only(&dir, "shamir");
            let raw = ShamirKind { given: made.shares[..2].to_vec(), shares: 0, threshold: 0 }
                .release(&shamir_path(&dir))
                .unwrap();
            assert_eq!(RootKey::from_bytes(raw.expose_secret()).unwrap().check_value(), root.check_value());
        }

        // ... and within one file (new shares of the same seal).
        let tmp = tempfile::tempdir().unwrap();
        let dir = private_dir(tmp.path());
        let old = init_shamir(&shamir_path(&dir), 3, 2).unwrap();
        let new =
            rekey_until(&dir, &mut shamir_from(&old, &[0, 2]), &mut shamir_to(4, 3), step).unwrap().shown.unwrap();
        settle(&dir).unwrap();
        assert_only(&dir, "shamir");
        let (works, fails) = if step < Step::Committed { (&old, &new) } else { (&new, &old) };
        let pick: Vec<usize> = (0..usize::from(ShamirSeal::load(&shamir_path(&dir)).unwrap().threshold)).collect();
        assert!(shamir_from(works, &pick).release(&shamir_path(&dir)).is_ok(), "after {step:?}");
        assert!(shamir_from(fails, &[0, 1, 2]).release(&shamir_path(&dir)).is_err(), "after {step:?}");
    }
}

#[test]
fn a_journal_trent_did_not_write_stops_the_start() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = private_dir(tmp.path());
    open_key_file(&dir.join(KEY_FILE)).unwrap();
    std::fs::write(dir.join(REKEY_JOURNAL), r#"{"version":1,"from_file":"trent.db","to_file":"root.key"}"#).unwrap();
    assert!(matches!(settle(&dir), Err(SealError::Malformed(_))));
    // Neither the new file nor its temporary one: nothing is removed.
    std::fs::write(dir.join(REKEY_JOURNAL), r#"{"version":1,"from_file":"root.key","to_file":"root.sealed"}"#).unwrap();
    assert!(matches!(settle(&dir), Err(SealError::Malformed(_))));
    assert!(dir.join(KEY_FILE).exists());
    // A stray temporary file without a journal is removed.
    std::fs::remove_file(dir.join(REKEY_JOURNAL)).unwrap();
    std::fs::write(dir.join("root.sealed.rekey"), "partial").unwrap();
    settle(&dir).unwrap();
    assert_only(&dir, "file");
}
