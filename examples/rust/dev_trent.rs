/// Starts `trent server --dev` on a free port; returns the child and its endpoint.
/// `binary` is the `trent` executable (`"trent"` when it is on PATH).
fn dev_trent(binary: &str) -> (std::process::Child, String) {
    use std::io::BufRead;
    let mut child = std::process::Command::new(binary)
        .args(["server", "--dev", "--listen", "127.0.0.1:0"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("trent starts");
    let mut lines = std::io::BufReader::new(child.stdout.take().expect("stdout")).lines();
    let endpoint = lines
        .by_ref()
        .map_while(Result::ok)
        .find_map(|l| l.strip_prefix("export AWS_ENDPOINT_URL=").map(str::to_owned))
        .expect("banner");
    // Keep reading so the server never writes into a closed pipe.
    std::thread::spawn(move || lines.for_each(drop));
    (child, endpoint)
}
