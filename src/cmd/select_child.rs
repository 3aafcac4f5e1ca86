//! `--select` under resource limits: the filter runs in a child process of this same binary
//! (the hidden `__select` command) with its address space and CPU time capped by `setrlimit`,
//! no core dump, and a wall-clock deadline kept here (docs/decisions.md 34).
//!
//! jaq offers no evaluation budget, and a runaway filter cannot be stopped from inside the
//! process that runs it: `def f: [f]; f` overflows the stack (an abort), `[range(1e9)]` fills
//! memory, `def f: f; f` never ends. In a child, each of these ends the child only, and the
//! parent turns the way it ended into an input error (exit 2) that names the bound. The
//! deadline uses the monotonic clock (`Instant`), never the wall time the report records.

use std::io::{Read, Write};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use dstack_audit::error::{Location, ParseError};
use dstack_audit::evidence::select::{apply_select, decode_outcome, encode_outcome, SELECT_STACK_BYTES};
use dstack_audit::limits::{
    MAX_INPUT_BYTES, MAX_SELECT_ANSWER_BYTES, SELECT_CPU_SECS, SELECT_MEMORY_BYTES, SELECT_WALL_MILLIS,
};

/// The hidden command the child runs.
const CHILD_COMMAND: &str = "__select";

/// How often the parent looks whether the child has ended.
const POLL: Duration = Duration::from_millis(5);
/// Most of the child's standard error kept to tell why it ended.
const MAX_CHILD_STDERR: u64 = 64 * 1024;

fn problem(expected: impl Into<String>, found: impl Into<String>) -> ParseError {
    ParseError::new(Location::Field("--select".into()), expected, found)
}

/// Runs `filter` on `input` in a child process under the `SELECT_*` limits.
pub(super) fn run_bounded(filter: &str, input: &[u8]) -> Result<Value, ParseError> {
    let exe = std::env::current_exe()
        .map_err(|e| problem("this program's path, to run the filter in a child process", e.to_string()))?;
    let mut child = Command::new(exe)
        .arg(CHILD_COMMAND)
        .arg("--")
        .arg(filter)
        .env_clear()
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| problem("a child process to run the filter in", e.to_string()))?;
    let feeder = child.stdin.take().map(|mut stdin| {
        let input = input.to_vec();
        std::thread::spawn(move || {
            // The child may end before reading everything (a filter error); that is not ours to report.
            let _ = stdin.write_all(&input);
        })
    });
    let limit = u64::try_from(MAX_SELECT_ANSWER_BYTES).unwrap_or(u64::MAX).saturating_add(1);
    let stdout = child.stdout.take().map(|s| collect(s, limit));
    let stderr = child.stderr.take().map(|s| collect(s, MAX_CHILD_STDERR));
    let (status, timed_out) = wait_with_deadline(&mut child)?;
    if let Some(f) = feeder {
        let _ = f.join();
    }
    let out = stdout.and_then(|h| h.join().ok()).unwrap_or_default();
    let err = stderr.and_then(|h| h.join().ok()).unwrap_or_default();
    if timed_out {
        return Err(problem(
            format!("a filter that ends within {} s (SELECT_WALL_MILLIS)", SELECT_WALL_MILLIS / 1000),
            "a filter still running at the deadline (stopped)",
        ));
    }
    if status.success() {
        if out.len() > MAX_SELECT_ANSWER_BYTES {
            return Err(problem(
                format!("a filter output of at most {MAX_SELECT_ANSWER_BYTES} bytes (MAX_SELECT_ANSWER_BYTES)"),
                "a larger output",
            ));
        }
        if let Some(outcome) = decode_outcome(&out) {
            return outcome;
        }
    }
    Err(why_it_ended(status, &String::from_utf8_lossy(&err)))
}

/// Keeps the first `limit` bytes and drains the rest, so the child never blocks on a full pipe.
fn collect<R: Read + Send + 'static>(mut reader: R, limit: u64) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = (&mut reader).take(limit).read_to_end(&mut buf);
        let _ = std::io::copy(&mut reader, &mut std::io::sink());
        buf
    })
}

/// Waits for the child; kills it at the deadline. Returns its status and whether it was killed.
fn wait_with_deadline(child: &mut Child) -> Result<(std::process::ExitStatus, bool), ParseError> {
    let deadline = Instant::now().checked_add(Duration::from_millis(SELECT_WALL_MILLIS));
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Ok((status, false)),
            Ok(None) => {}
            Err(e) => return Err(problem("the filter's child process to report how it ended", e.to_string())),
        }
        if deadline.is_none_or(|d| Instant::now() >= d) {
            let _ = child.kill();
            let status =
                child.wait().map_err(|e| problem("the filter's child process to end when stopped", e.to_string()))?;
            return Ok((status, true));
        }
        std::thread::sleep(POLL);
    }
}

/// The child ended without an answer: say which bound it hit.
fn why_it_ended(status: std::process::ExitStatus, stderr: &str) -> ParseError {
    let signal = signal_of(status);
    if stderr.contains("overflowed its stack") || signal == Some(SIGSEGV) {
        return problem(
            format!(
                "a filter that recurses less deeply than a {} MiB stack allows (SELECT_STACK_BYTES)",
                SELECT_STACK_BYTES >> 20
            ),
            "unbounded recursion (the filter's stack overflowed)",
        );
    }
    if stderr.contains("memory allocation") || stderr.contains("capacity overflow") {
        return problem(
            format!("a filter that needs at most {} MiB of memory (SELECT_MEMORY_BYTES)", SELECT_MEMORY_BYTES >> 20),
            "a filter that ran out of memory (stopped)",
        );
    }
    if signal == Some(SIGXCPU) || signal == Some(SIGKILL) {
        return problem(
            format!("a filter that ends within {SELECT_CPU_SECS} s of CPU time (SELECT_CPU_SECS)"),
            "a filter still running when its CPU time ran out (stopped)",
        );
    }
    let how = match (status.code(), signal) {
        (Some(c), _) => format!("exit code {c}"),
        (None, Some(s)) => format!("signal {s}"),
        (None, None) => "an unknown status".into(),
    };
    let last = stderr.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("").trim();
    problem("a filter that runs to completion", format!("the filter's child process ended with {how} {last:?}"))
}

const SIGKILL: i32 = 9;
const SIGSEGV: i32 = 11;
const SIGXCPU: i32 = 24;

#[cfg(unix)]
fn signal_of(status: std::process::ExitStatus) -> Option<i32> {
    std::os::unix::process::ExitStatusExt::signal(&status)
}

#[cfg(not(unix))]
fn signal_of(_: std::process::ExitStatus) -> Option<i32> {
    None
}

/// The child: limit itself, read the input, run the filter, write the outcome. Returns the exit code.
pub(super) fn child_main(filter: &str) -> u8 {
    let mut input = Vec::new();
    let limit = u64::try_from(MAX_INPUT_BYTES).unwrap_or(u64::MAX).saturating_add(1);
    let outcome = match limit_this_process() {
        Err(why) => Err(problem("resource limits for the filter's child process", why)),
        Ok(()) => match std::io::stdin().lock().take(limit).read_to_end(&mut input) {
            Ok(_) => apply_select(filter, &input),
            Err(e) => Err(problem("the attestation on the child's standard input", e.to_string())),
        },
    };
    let mut out = std::io::stdout().lock();
    let written = out.write_all(encode_outcome(&outcome).as_bytes()).and_then(|()| out.flush());
    u8::from(written.is_err())
}

/// RLIMIT_AS, RLIMIT_CPU (soft; the hard limit one second later ends it for sure) and no core
/// file; never above a limit the process already has. A limit that cannot be set stops the child.
#[cfg(unix)]
fn limit_this_process() -> Result<(), String> {
    let set = |resource, name: &str, soft: u64, hard: u64| -> Result<(), String> {
        let mut now = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
        // SAFETY: getrlimit writes into the struct we own; setrlimit reads the one we pass and
        // changes only this process's limits.
        let got = unsafe { libc::getrlimit(resource, &mut now) };
        let cap = |v: u64| {
            let v = libc::rlim_t::try_from(v).unwrap_or(libc::rlim_t::MAX);
            if got == 0 && now.rlim_max != libc::RLIM_INFINITY {
                v.min(now.rlim_max)
            } else {
                v
            }
        };
        let lim = libc::rlimit { rlim_cur: cap(soft), rlim_max: cap(hard) };
        // SAFETY: as above.
        match unsafe { libc::setrlimit(resource, &lim) } {
            0 => Ok(()),
            _ => Err(format!("setrlimit({name}) failed: {}", std::io::Error::last_os_error())),
        }
    };
    set(libc::RLIMIT_CORE, "RLIMIT_CORE", 0, 0)?;
    set(libc::RLIMIT_AS, "RLIMIT_AS", SELECT_MEMORY_BYTES, SELECT_MEMORY_BYTES)?;
    set(libc::RLIMIT_CPU, "RLIMIT_CPU", SELECT_CPU_SECS, SELECT_CPU_SECS.saturating_add(1))
}

/// Without setrlimit only the parent's wall-clock deadline bounds the filter.
#[cfg(not(unix))]
fn limit_this_process() -> Result<(), String> {
    Ok(())
}
