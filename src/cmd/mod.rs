//! The command line: arguments (`args.rs`) → checked configuration (`config.rs`) → files read
//! (`input.rs`) → the library runs → one render path (`render.rs`) → exit code. One file per
//! command group: `verify.rs` (`verify`, `reference init`), `show.rs` (`inspect`, `replay`,
//! `compose-hash`), `provenance.rs`, `fetch.rs` (only with the `fetch` feature), and the
//! `--select` child process under resource limits (`select_child.rs`).
//!
//! Exit codes: 0 pass, 1 fail, 3 incomplete, 2 when the input cannot be evaluated (unreadable,
//! malformed, usage error). All I/O and the one clock read happen here, never in the library.

mod args;
mod config;
#[cfg(feature = "fetch")]
mod fetch;
mod input;
mod provenance;
mod render;
mod select_child;
mod show;
mod verify;

use std::io::Write;

use clap::Parser;
use dstack_audit::error::Error;

use args::Cli;
use config::Config;

/// Exit code for "cannot evaluate".
const EXIT_CANNOT_EVALUATE: u8 = 2;

/// What a command prints on standard output, and its exit code.
type Outcome = (String, u8);

/// Runs the command line and returns the exit code.
pub(crate) fn main() -> u8 {
    quiet_select_panics();
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { EXIT_CANNOT_EVALUATE } else { 0 };
        }
    };
    match Config::check(cli).and_then(run) {
        Ok((text, code)) => {
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(text.as_bytes());
            let _ = out.flush();
            code
        }
        Err(e) => {
            eprintln!("dstack-audit: error: {e}");
            EXIT_CANNOT_EVALUATE
        }
    }
}

/// A panic inside a `--select` filter is reported as an input error (exit 2); keep the default
/// panic message for every other thread.
fn quiet_select_panics() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if std::thread::current().name() != Some("select") {
            default(info);
        }
    }));
}

fn run(config: Config) -> Result<Outcome, Error> {
    match config {
        Config::Verify(c) => verify::verify(&c),
        Config::ReferenceInit(c) => verify::reference_init(&c),
        Config::Inspect(c) => show::inspect(&c),
        Config::Replay(c) => show::replay(&c),
        Config::ComposeHash(c) => show::compose_hash(&c),
        Config::Provenance(c) => provenance::run(&c),
        #[cfg(feature = "fetch")]
        Config::FetchAttestation(c) => fetch::attestation(&c),
        #[cfg(feature = "fetch")]
        Config::FetchCollateral(c) => fetch::collateral(&c),
        #[cfg(feature = "fetch")]
        Config::FetchBundle(c) => fetch::bundle(&c),
        Config::SelectChild(filter) => Ok((String::new(), select_child::child_main(&filter))),
    }
}
