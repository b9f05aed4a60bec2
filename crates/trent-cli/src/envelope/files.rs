//! Where bytes come from and go: one file, stdin/stdout, or a directory tree mapped onto an
//! output directory with a suffix; a regular output file written under a temporary name and
//! renamed into place only when the message is complete (so a failed decryption leaves no
//! plaintext behind), a device, FIFO or socket written through (see `crate::outfile`); base64
//! on either side; a progress bar on stderr for long work.

use std::fs::File;
use std::io::{self, IsTerminal as _, Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use base64::engine::general_purpose::STANDARD;

use super::CliError;
use crate::outfile::OutFile;

/// One input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Source {
    Stdin,
    File(PathBuf),
}

/// One output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Dest {
    Stdout,
    File(PathBuf),
}

fn is_dash(p: &Path) -> bool {
    p.as_os_str() == "-"
}

fn with_suffix(name: &std::ffi::OsStr, suffix: &str) -> std::ffi::OsString {
    let mut n = name.to_owned();
    n.push(suffix);
    n
}

/// The (input, output) pairs of one command.
pub(crate) fn plan(
    input: &Path,
    output: &Path,
    recursive: bool,
    suffix: &str,
) -> Result<Vec<(Source, Dest)>, CliError> {
    if is_dash(input) {
        if output.is_dir() {
            return Err(CliError::Usage("stdin input needs a file or - as output".into()));
        }
        return Ok(vec![(Source::Stdin, if is_dash(output) { Dest::Stdout } else { Dest::File(output.to_owned()) })]);
    }
    let meta = std::fs::metadata(input).map_err(|e| CliError::Io(format!("{}", input.display()), e))?;
    if meta.is_file() {
        let dest = if is_dash(output) {
            Dest::Stdout
        } else if output.is_dir() {
            let name = input.file_name().ok_or_else(|| CliError::Usage("input has no file name".into()))?;
            Dest::File(output.join(with_suffix(name, suffix)))
        } else {
            Dest::File(output.to_owned())
        };
        if dest == Dest::File(input.to_owned()) {
            return Err(CliError::Usage("input and output are the same file".into()));
        }
        return Ok(vec![(Source::File(input.to_owned()), dest)]);
    }
    if !recursive {
        return Err(CliError::Usage(format!("{} is a directory: add --recursive", input.display())));
    }
    if is_dash(output) || output.is_file() {
        return Err(CliError::Usage("a directory input needs a directory output".into()));
    }
    let mut files = Vec::new();
    walk(input, &mut files)?;
    files.sort();
    let out = files
        .into_iter()
        .map(|f| {
            let rel = f.strip_prefix(input).unwrap_or(&f).to_owned();
            let name = rel.file_name().map(|n| with_suffix(n, suffix)).unwrap_or_default();
            let dest = output.join(rel.parent().unwrap_or(Path::new(""))).join(name);
            (Source::File(f), Dest::File(dest))
        })
        .collect();
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), CliError> {
    for entry in std::fs::read_dir(dir).map_err(|e| CliError::Io(dir.display().to_string(), e))? {
        let entry = entry.map_err(|e| CliError::Io(dir.display().to_string(), e))?;
        let kind = entry.file_type().map_err(|e| CliError::Io(entry.path().display().to_string(), e))?;
        if kind.is_dir() {
            walk(&entry.path(), out)?;
        } else if kind.is_file() {
            out.push(entry.path());
        }
    }
    Ok(())
}

/// Opens a source; returns the reader and its length when known.
pub(crate) fn open(source: &Source) -> Result<(Box<dyn Read>, Option<u64>), CliError> {
    match source {
        Source::Stdin => Ok((Box::new(io::stdin()), None)),
        Source::File(p) => {
            let f = File::open(p).map_err(|e| CliError::Io(p.display().to_string(), e))?;
            let len = f.metadata().ok().map(|m| m.len());
            Ok((Box::new(f), len))
        }
    }
}

/// An output being written: stdout, or an [`OutFile`] (a regular file staged and renamed into
/// place on `commit`, or a device, FIFO or socket written through).
pub(crate) enum Sink {
    Stdout(io::BufWriter<io::Stdout>),
    File { out: io::BufWriter<OutFile>, path: PathBuf },
}

impl Sink {
    pub(crate) fn create(dest: &Dest) -> Result<Sink, CliError> {
        match dest {
            Dest::Stdout => Ok(Sink::Stdout(io::BufWriter::with_capacity(1 << 20, io::stdout()))),
            Dest::File(path) => {
                let out = OutFile::create(path).map_err(|e| CliError::Io(path.display().to_string(), e))?;
                Ok(Sink::File { out: io::BufWriter::with_capacity(1 << 20, out), path: path.clone() })
            }
        }
    }

    /// Whether nothing written reaches the destination before `commit` (a regular file):
    /// plaintext may then be written before it is verified.
    pub(crate) fn is_staged(&self) -> bool {
        match self {
            Sink::Stdout(_) => false,
            Sink::File { out, .. } => out.get_ref().is_staged(),
        }
    }

    /// Flushes and, for a regular file, renames it into place.
    pub(crate) fn commit(self) -> Result<(), CliError> {
        match self {
            Sink::Stdout(mut w) => w.flush().map_err(|e| CliError::Io("stdout".into(), e)),
            Sink::File { out, path } => {
                let err = |e| CliError::Io(path.display().to_string(), e);
                out.into_inner().map_err(|e| err(e.into_error()))?.commit().map_err(err)
            }
        }
    }
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Sink::Stdout(w) => w.write(buf),
            Sink::File { out, .. } => out.write(buf),
        }
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match self {
            Sink::Stdout(w) => w.write_all(buf),
            Sink::File { out, .. } => out.write_all(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Sink::Stdout(w) => w.flush(),
            Sink::File { out, .. } => out.flush(),
        }
    }
}

/// Base64 text in (`--decode`): whitespace and line breaks are skipped.
pub(crate) fn base64_reader(inner: Box<dyn Read>) -> Box<dyn Read> {
    Box::new(base64::read::DecoderReader::new(SkipWhitespace(inner), &STANDARD))
}

struct SkipWhitespace(Box<dyn Read>);

impl Read for SkipWhitespace {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            let n = self.0.read(buf)?;
            if n == 0 {
                return Ok(0);
            }
            let mut kept = 0;
            for i in 0..n {
                if !buf[i].is_ascii_whitespace() {
                    buf[kept] = buf[i];
                    kept += 1;
                }
            }
            if kept > 0 {
                return Ok(kept);
            }
        }
    }
}

/// A reader that draws a progress bar on stderr (only for long work on a terminal).
pub(crate) struct Progress {
    inner: Box<dyn Read>,
    total: Option<u64>,
    done: u64,
    started: Instant,
    drawn: Instant,
    label: String,
}

/// Inputs smaller than this finish too fast to need a bar.
const PROGRESS_MIN_BYTES: u64 = 32 << 20;

impl Progress {
    /// Wraps `inner` if a bar is wanted: stderr is a terminal, the output is not a pipe, and
    /// the input is long (or of unknown length).
    pub(crate) fn wrap(
        inner: Box<dyn Read>,
        total: Option<u64>,
        dest: &Dest,
        label: &str,
        quiet: bool,
    ) -> Box<dyn Read> {
        let to_pipe = *dest == Dest::Stdout && !io::stdout().is_terminal();
        let long = total.is_none_or(|t| t >= PROGRESS_MIN_BYTES);
        if quiet || to_pipe || !long || !io::stderr().is_terminal() {
            return inner;
        }
        let now = Instant::now();
        Box::new(Progress { inner, total, done: 0, started: now, drawn: now, label: label.to_owned() })
    }

    fn draw(&self, end: bool) {
        let secs = self.started.elapsed().as_secs_f64().max(1e-6);
        let rate = self.done as f64 / secs / 1048576.0;
        let line = match self.total {
            Some(t) if t > 0 => {
                let frac = (self.done as f64 / t as f64).min(1.0);
                let filled = (frac * 30.0) as usize;
                format!(
                    "{} [{}{}] {:>3.0}% {:.0} MiB/s",
                    self.label,
                    "#".repeat(filled),
                    " ".repeat(30 - filled),
                    frac * 100.0,
                    rate
                )
            }
            _ => format!("{} {:.1} MiB {:.0} MiB/s", self.label, self.done as f64 / 1048576.0, rate),
        };
        let mut err = io::stderr();
        let _ = write!(err, "\r{line}\x1b[K");
        if end {
            let _ = writeln!(err);
        }
    }
}

impl Read for Progress {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.done += n as u64;
        if n == 0 {
            self.draw(true);
        } else if self.drawn.elapsed() >= Duration::from_millis(200) {
            self.drawn = Instant::now();
            self.draw(false);
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plans_directories_with_suffixes_and_refuses_nonsense() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("in");
        std::fs::create_dir_all(input.join("sub")).unwrap();
        std::fs::write(input.join("a.txt"), "a").unwrap();
        std::fs::write(input.join("sub/b.txt"), "b").unwrap();
        let out = dir.path().join("out");
        assert!(plan(&input, &out, false, ".enc").is_err(), "a directory needs --recursive");
        let p = plan(&input, &out, true, ".enc").unwrap();
        assert_eq!(p.len(), 2);
        assert_eq!(p[0].1, Dest::File(out.join("a.txt.enc")));
        assert_eq!(p[1].1, Dest::File(out.join("sub/b.txt.enc")));
        let one = input.join("a.txt");
        assert!(plan(&one, &one, false, "").is_err());
        assert_eq!(plan(&one, Path::new("-"), false, "").unwrap()[0].1, Dest::Stdout);
        assert_eq!(plan(&one, &input, false, ".x").unwrap()[0].1, Dest::File(input.join("a.txt.x")));
    }

    #[test]
    fn base64_input_skips_line_breaks() {
        let mut r = base64_reader(Box::new(io::Cursor::new(b"aGVs\nbG8g\r\nd29y bGQ=\n".to_vec())));
        let mut out = String::new();
        r.read_to_string(&mut out).unwrap();
        assert_eq!(out, "hello world");
    }
}
