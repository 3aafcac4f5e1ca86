//! fixture-gen: writes the deterministic synthetic fixtures of dstack-audit (DCAP scenarios and
//! whole deployments).
//!
//! Usage: `fixture-gen OUT_DIR` writes them; `fixture-gen --check OUT_DIR` exits 1 listing
//! every file that differs, is missing or is extra, 0 when OUT_DIR is exactly what this
//! generator produces. Exit 2 on usage or I/O errors. Everything is signed by a TEST root.

mod attacks;
mod collateral;
mod dates;
mod deployment;
mod error;
mod generate;
mod keys;
mod output;
mod pki;
mod quote;
mod ratls_cert;
mod readme;
mod scenarios;
mod sgx_ext;
mod tcb;
mod workload_model;

#[cfg(test)]
mod tests;

use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "usage: fixture-gen [--check] OUT_DIR";

enum Command {
    Write(PathBuf),
    Check(PathBuf),
}

fn parse_args(args: &[String]) -> Result<Command, String> {
    match args {
        [dir] if !dir.starts_with('-') => Ok(Command::Write(PathBuf::from(dir))),
        [flag, dir] if flag == "--check" => Ok(Command::Check(PathBuf::from(dir))),
        _ => Err(USAGE.to_owned()),
    }
}

fn run(command: Command) -> error::Result<ExitCode> {
    let files = generate::generate()?;
    match command {
        Command::Write(dir) => {
            output::write_all(&dir, &files)?;
            println!("wrote {} files to {}", files.len(), dir.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Check(dir) => {
            let drift = output::check(&dir, &files)?;
            if drift.is_empty() {
                println!("{}: all {} files match the generator", dir.display(), files.len());
                return Ok(ExitCode::SUCCESS);
            }
            for d in &drift {
                println!("{d}");
            }
            println!(
                "{}: {} file(s) drifted; run `fixture-gen {}` to regenerate",
                dir.display(),
                drift.len(),
                dir.display()
            );
            Ok(ExitCode::from(1))
        }
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = match parse_args(&args) {
        Ok(c) => c,
        Err(usage) => {
            eprintln!("{usage}");
            return ExitCode::from(2);
        }
    };
    match run(command) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("fixture-gen: {e}");
            ExitCode::from(2)
        }
    }
}
