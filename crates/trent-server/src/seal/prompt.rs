//! Reading a secret from the controlling terminal without echo: the passphrase seal's
//! `passphrase_prompt`, and the shares `trent operator unseal` asks for.
//!
//! The terminal's echo is switched off for the read and restored afterwards (also when the
//! read fails); the line read is zeroized when dropped.

use std::io::{BufRead as _, Read as _, Write as _};
use std::path::Path;

use rustix::termios::{LocalModes, OptionalActions, tcgetattr, tcsetattr};
use zeroize::Zeroizing;

/// The controlling terminal.
pub const TTY: &str = "/dev/tty";

/// The longest line read from the terminal, in bytes.
const MAX_LINE: u64 = 4096;

/// Writes `prompt` to the terminal at `tty`, reads one line with echo off, and returns it
/// without its line ending.
///
/// # Errors
/// I/O errors: no terminal (a service without one must use another source), a line that is
/// not UTF-8 or longer than 4096 bytes.
pub fn read_secret_line(tty: &Path, prompt: &str) -> std::io::Result<Zeroizing<String>> {
    let mut terminal = std::fs::OpenOptions::new().read(true).write(true).open(tty)?;
    let saved = tcgetattr(&terminal)?;
    let mut quiet = saved.clone();
    quiet.local_modes -= LocalModes::ECHO;
    quiet.local_modes |= LocalModes::ECHONL;
    tcsetattr(&terminal, OptionalActions::Flush, &quiet)?;
    let read = (|| {
        terminal.write_all(prompt.as_bytes())?;
        terminal.flush()?;
        let mut line = Zeroizing::new(Vec::new());
        std::io::BufReader::new((&terminal).take(MAX_LINE + 1)).read_until(b'\n', &mut line)?;
        if line.len() as u64 > MAX_LINE {
            return Err(std::io::Error::other("the line is longer than 4096 bytes"));
        }
        Ok(line)
    })();
    let restored = tcsetattr(&terminal, OptionalActions::Flush, &saved);
    let mut line = read?;
    restored?;
    while line.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
        line.pop();
    }
    let text = std::str::from_utf8(&line).map_err(|_| std::io::Error::other("the line is not UTF-8"))?;
    Ok(Zeroizing::new(text.to_owned()))
}

#[cfg(test)]
mod tests {
    use std::io::{Read as _, Write as _};
    use std::os::fd::AsFd as _;

    use rustix::pty::{OpenptFlags, grantpt, openpt, ptsname, unlockpt};

    use super::*;

    /// The secret typed at the prompt is read, and the terminal does not echo it.
    #[test]
    fn a_secret_is_read_from_a_terminal_without_echo() {
        let master = openpt(OpenptFlags::RDWR | OpenptFlags::NOCTTY).unwrap();
        grantpt(&master).unwrap();
        unlockpt(&master).unwrap();
        let name = ptsname(&master, Vec::new()).unwrap();
        let slave = std::path::PathBuf::from(name.to_str().unwrap());
        let mut master = std::fs::File::from(master);
        let reader = std::thread::spawn(move || read_secret_line(&slave, "Passphrase: "));
        // Wait for the prompt (the echo is off by then), then type.
        let mut seen = Vec::new();
        let mut buf = [0u8; 256];
        while !String::from_utf8_lossy(&seen).contains("Passphrase: ") {
            let n = master.read(&mut buf).unwrap();
            seen.extend_from_slice(&buf[..n]);
        }
        master.write_all(b"hunter2 is long enough\n").unwrap();
        let line = reader.join().unwrap().unwrap();
        assert_eq!(line.as_str(), "hunter2 is long enough");
        // What the terminal sent back after the prompt: the newline (ECHONL), not the secret.
        rustix::fs::fcntl_setfl(master.as_fd(), rustix::fs::OFlags::NONBLOCK).unwrap();
        let mut after = Vec::new();
        while let Ok(n) = master.read(&mut buf) {
            if n == 0 {
                break;
            }
            after.extend_from_slice(&buf[..n]);
        }
        assert!(!String::from_utf8_lossy(&after).contains("hunter2"), "echoed: {after:?}");
    }

    #[test]
    fn without_a_terminal_the_read_fails() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("not-a-tty");
        std::fs::write(&file, "secret\n").unwrap();
        assert!(read_secret_line(&file, "x").is_err());
        assert!(read_secret_line(&dir.path().join("missing"), "x").is_err());
    }
}
