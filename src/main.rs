//! The `dstack-audit` binary: parse arguments, run, print, exit.

fn main() -> std::process::ExitCode {
    std::process::ExitCode::from(dstack_audit::cli::main())
}
