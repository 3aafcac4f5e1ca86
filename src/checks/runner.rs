//! Which runner dstack starts for an app-compose, and whether it runs the compose file at all:
//! shared by check 2 (the launcher runs only if the compose file does) and check 3.

use crate::deployment::boot::{runner, Runner};
use crate::finding_code::FindingCode;
use crate::report::Finding;

/// Checks 2 and 3 share this: which runner runs, and whether it runs the compose file.
pub fn runner_runs_compose(name: Option<&str>, f: &mut Vec<Finding>) -> bool {
    match runner(name) {
        Runner::Compose(_) => true,
        Runner::Bash => {
            f.push(
                Finding::fail(
                    FindingCode::RunnerNotCompose,
                    "the app-compose's runner is `bash`: dstack pipes its bash_script to bash and never runs the \
                     compose file, so no service of it (launcher included) runs; the script is not judged here",
                )
                .expected("runner: docker-compose (or nerdctl-compose)")
                .actual("runner: bash"),
            );
            false
        }
        Runner::Unsupported(n) => {
            f.push(
                Finding::fail(
                    FindingCode::RunnerNotCompose,
                    "dstack's app-compose.sh refuses this runner and starts nothing, so the compose file does not run",
                )
                .expected("runner: docker-compose (or nerdctl-compose)")
                .actual(n.map_or_else(|| "no runner".to_string(), |n| format!("runner: {n}"))),
            );
            false
        }
    }
}
