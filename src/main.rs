//! The `dstack-audit` binary: a thin shell around the library (`cmd/`: arguments → checked
//! configuration → files read → run → render → exit code).

mod cmd;

fn main() -> std::process::ExitCode {
    std::process::ExitCode::from(cmd::main())
}
