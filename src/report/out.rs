//! Writing results to stdout without panicking when the reader goes away
//! (`oraclepack list pack.md | head`).

use std::io::Write;

pub fn print(s: &str) {
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(s.as_bytes()).and_then(|_| out.flush())
        && e.kind() == std::io::ErrorKind::BrokenPipe
    {
        // The consumer closed the pipe: nothing left to say to anyone.
        std::process::exit(0);
    }
}
