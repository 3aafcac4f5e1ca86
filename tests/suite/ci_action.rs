//! The composite GitHub Action (`action.yml`) and its example workflow
//! (`examples/workflows/verify-deployment.yml`): both parse as YAML, the action declares the
//! documented inputs and outputs, every `run:` step uses bash and takes inputs through `env:`
//! only, and the action's scripts, run for real with bash in the environment GitHub gives a
//! composite step, gate correctly on the bundled example deployment and its variants.
//!
//! The install step (`id: install`, a `cargo install`) is skipped: the binary under test is put on
//! PATH instead. Nothing touches the network.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

const INPUTS: [&str; 10] = [
    "attestation",
    "reference",
    "collateral",
    "bundle",
    "tdx-root-ca",
    "report-data",
    "workload-repo",
    "at",
    "format",
    "fail-on",
];
const OUTPUTS: [&str; 3] = ["verdict", "exit-code", "report"];
const BASE: &str = "fixtures/synthetic/git-launcher";
const VARIANTS: &str = "fixtures/synthetic/git-launcher-variants";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn yaml(rel: &str) -> Value {
    let text = std::fs::read_to_string(root().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
    serde_saphyr::from_str::<Value>(&text).unwrap_or_else(|e| panic!("{rel} is not valid YAML: {e}"))
}

fn action() -> Value {
    yaml("action.yml")
}

fn workflow() -> Value {
    yaml("examples/workflows/verify-deployment.yml")
}

fn steps(action: &Value) -> &Vec<Value> {
    action["runs"]["steps"].as_array().expect("runs.steps is a list")
}

fn str_of<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

#[test]
fn action_declares_the_documented_inputs_and_outputs() {
    let a = action();
    assert_eq!(a["runs"]["using"], "composite");
    let inputs = a["inputs"].as_object().expect("inputs");
    let declared: Vec<&str> = inputs.keys().map(String::as_str).collect();
    assert_eq!(declared, INPUTS, "inputs, in order");
    for (name, input) in inputs {
        assert!(str_of(input, "description").is_some_and(|d| !d.is_empty()), "input {name} has no description");
        let required = input.get("required").and_then(Value::as_bool).unwrap_or(false);
        assert_eq!(required, name == "attestation", "only `attestation` is required ({name})");
    }
    assert_eq!(inputs["format"]["default"], "markdown");
    assert_eq!(inputs["fail-on"]["default"], "incomplete");

    let outputs = a["outputs"].as_object().expect("outputs");
    let declared: Vec<&str> = outputs.keys().map(String::as_str).collect();
    assert_eq!(declared, OUTPUTS, "outputs, in order");
    for name in OUTPUTS {
        assert_eq!(
            str_of(&outputs[name], "value"),
            Some(format!("${{{{ steps.verify.outputs.{name} }}}}").as_str()),
            "output {name}"
        );
    }

    let install = steps(&a).iter().find(|s| str_of(s, "id") == Some("install")).expect("a step with id install");
    let script = str_of(install, "run").expect("install runs a script");
    assert!(script.contains(r#"cargo install --locked --path "$GITHUB_ACTION_PATH" --root "$root""#), "{script}");
    assert!(script.contains(r#">> "$GITHUB_PATH""#), "the install step puts the tool on PATH");
}

/// Every `run:` step of the action and the example workflow runs under bash and has no `${{ … }}`
/// expression in its script text (inputs come through `env:`: an expression would be pasted into
/// the script before bash parses it).
#[test]
fn run_steps_use_bash_and_never_interpolate_expressions() {
    let a = action();
    let declared: Vec<String> = a["inputs"].as_object().unwrap().keys().cloned().collect();
    for step in steps(&a) {
        let id = str_of(step, "id").unwrap_or("?");
        let script = str_of(step, "run").unwrap_or_else(|| panic!("step {id}: the action has only `run:` steps"));
        assert_eq!(str_of(step, "shell"), Some("bash"), "step {id}: shell");
        assert!(!script.contains("${{ inputs."), "step {id}: interpolates an input into its script");
        assert!(!script.contains("${{"), "step {id}: interpolates an expression into its script");
        // Every input named in `env:` is declared.
        for (var, value) in step.get("env").and_then(Value::as_object).into_iter().flatten() {
            let value = value.as_str().unwrap_or_else(|| panic!("step {id}: env {var} is not a string"));
            if let Some(name) = value.strip_prefix("${{ inputs.").and_then(|v| v.strip_suffix(" }}")) {
                assert!(declared.iter().any(|d| d == name), "step {id}: env {var} reads undeclared input {name}");
            }
        }
    }
    let ids: Vec<&str> = steps(&a).iter().filter_map(|s| str_of(s, "id")).collect();
    assert_eq!(ids.first(), Some(&"install"), "the install step comes first");
    assert_eq!(ids.last(), Some(&"gate"), "the gate comes last");

    let w = workflow();
    let jobs = w["jobs"].as_object().expect("jobs");
    assert!(!jobs.is_empty());
    for (job_id, job) in jobs {
        let default_shell = job.pointer("/defaults/run/shell").or_else(|| w.pointer("/defaults/run/shell"));
        for step in job["steps"].as_array().expect("steps") {
            if let Some(script) = str_of(step, "run") {
                let shell = step.get("shell").or(default_shell).and_then(Value::as_str);
                assert_eq!(shell, Some("bash"), "{job_id}: step {step}");
                assert!(
                    !script.contains("${{"),
                    "{job_id}: a step interpolates an expression into its script: {script}"
                );
            }
        }
    }
}

#[test]
fn example_workflow_downloads_the_evidence_and_reads_the_verdict() {
    let w = workflow();
    let (_, job) = w["jobs"].as_object().unwrap().iter().next().unwrap();
    let steps = job["steps"].as_array().unwrap();
    let scripts: String = steps.iter().filter_map(|s| str_of(s, "run")).collect::<Vec<_>>().join("\n");
    assert!(
        scripts.contains("gh attestation download") && scripts.contains("oci://"),
        "the launcher bundle comes from gh attestation download"
    );
    assert!(scripts.contains("/quote") && scripts.contains("/info"), "the attestation comes from /quote and /info");

    let (at, audit) = steps.iter().enumerate().find(|(_, s)| str_of(s, "uses") == Some("./")).expect("a step uses ./");
    let id = str_of(audit, "id").expect("the action step has an id");
    let with = audit["with"].as_object().expect("the action step has inputs");
    assert!(with.contains_key("attestation"));
    for key in with.keys() {
        assert!(INPUTS.contains(&key.as_str()), "the example passes an undeclared input {key}");
    }
    let needle = format!("steps.{id}.outputs.verdict");
    let later = steps[at + 1..].iter().any(|s| serde_json::to_string(s).unwrap().contains(&needle));
    assert!(later, "a later step reads {needle}");
}

/// One simulated run of the action.
struct Run {
    /// Action outputs, evaluated from `outputs.*.value`.
    outputs: BTreeMap<String, String>,
    /// Ids of the steps that ran, in order.
    ran: Vec<String>,
    /// The step that failed and its exit code (GitHub skips the rest).
    failed: Option<(String, i32)>,
    summary: String,
    log: String,
    runner_temp: PathBuf,
}

/// Replaces `${{ inputs.X }}` and `${{ steps.ID.outputs.X }}`; any other expression is an error
/// (the simulation would not know its value).
fn substitute(
    text: &str,
    declared: &serde_json::Map<String, Value>,
    inputs: &BTreeMap<&str, &str>,
    step_outputs: &BTreeMap<String, BTreeMap<String, String>>,
) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("${{") {
        out.push_str(&rest[..start]);
        let end = rest[start..].find("}}").unwrap_or_else(|| panic!("unterminated expression in {text}")) + start;
        let expr = rest[start + 3..end].trim();
        let value = if let Some(name) = expr.strip_prefix("inputs.") {
            let input = declared.get(name).unwrap_or_else(|| panic!("undeclared input {name}"));
            match inputs.get(name) {
                Some(v) => (*v).to_string(),
                None => str_of(input, "default").unwrap_or("").to_string(),
            }
        } else if let Some(path) = expr.strip_prefix("steps.") {
            let (id, name) = path.split_once(".outputs.").unwrap_or_else(|| panic!("unknown expression {expr}"));
            step_outputs.get(id).and_then(|o| o.get(name)).cloned().unwrap_or_default()
        } else {
            panic!("the simulation does not know the expression {expr}");
        };
        out.push_str(&value);
        rest = &rest[end + 2..];
    }
    out.push_str(rest);
    out
}

/// Reads a `$GITHUB_OUTPUT` file: `name=value` lines and `name<<DELIMITER` blocks.
fn parse_outputs(text: &str) -> BTreeMap<String, String> {
    let mut map = BTreeMap::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if let Some((name, delim)) = line.split_once("<<") {
            let value: Vec<&str> = lines.by_ref().take_while(|l| *l != delim).collect();
            map.insert(name.to_string(), value.join("\n"));
        } else if let Some((name, value)) = line.split_once('=') {
            map.insert(name.to_string(), value.to_string());
        } else if !line.is_empty() {
            panic!("malformed GITHUB_OUTPUT line {line:?}");
        }
    }
    map
}

/// Runs the action's steps in order, in `cwd` (the workspace), as GitHub would for a composite
/// action: `bash --noprofile --norc -eo pipefail SCRIPT`, a fresh `GITHUB_OUTPUT` per step, one
/// `GITHUB_STEP_SUMMARY`, `RUNNER_TEMP`, `GITHUB_ACTION_PATH` = the repository root. The install
/// step is replaced by the binary under test on PATH.
fn run_action(case: &str, cwd: &Path, inputs: &BTreeMap<&str, &str>) -> Run {
    let a = action();
    let declared = a["inputs"].as_object().unwrap();
    let tmp = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("ci_action").join(case);
    let _ = std::fs::remove_dir_all(&tmp);
    let runner_temp = tmp.join("runner-temp");
    std::fs::create_dir_all(&runner_temp).unwrap();
    let summary_file = tmp.join("step-summary.md");
    std::fs::write(&summary_file, "").unwrap();

    let bin = PathBuf::from(env!("CARGO_BIN_EXE_dstack-audit"));
    let path = format!("{}:{}", bin.parent().unwrap().display(), std::env::var("PATH").unwrap_or_default());

    let mut step_outputs: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let mut ran = Vec::new();
    let mut failed = None;
    let mut log = String::new();
    for (i, step) in steps(&a).iter().enumerate() {
        let id = str_of(step, "id").map_or_else(|| format!("step{i}"), str::to_string);
        if id == "install" {
            continue;
        }
        assert!(step.get("if").is_none(), "step {id}: the simulation does not evaluate `if:`");
        let script_path = runner_temp.join(format!("{id}.sh"));
        std::fs::write(&script_path, str_of(step, "run").unwrap()).unwrap();
        let output_file = tmp.join(format!("output-{id}"));
        std::fs::write(&output_file, "").unwrap();

        let mut cmd = Command::new("bash");
        cmd.args(["--noprofile", "--norc", "-eo", "pipefail"])
            .arg(&script_path)
            .current_dir(cwd)
            .env_clear()
            .env("PATH", &path)
            .env("CI", "true")
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_ACTION_PATH", root())
            .env("GITHUB_OUTPUT", &output_file)
            .env("GITHUB_STEP_SUMMARY", &summary_file)
            .env("GITHUB_PATH", tmp.join("github-path"))
            .env("GITHUB_ENV", tmp.join("github-env"))
            .env("RUNNER_TEMP", &runner_temp);
        if let Some(home) = std::env::var_os("HOME") {
            cmd.env("HOME", home);
        }
        for (var, value) in step.get("env").and_then(Value::as_object).into_iter().flatten() {
            cmd.env(var, substitute(value.as_str().unwrap(), declared, inputs, &step_outputs));
        }
        let out = cmd.output().unwrap();
        log.push_str(&format!("--- step {id}\n"));
        log.push_str(&String::from_utf8_lossy(&out.stdout));
        log.push_str(&String::from_utf8_lossy(&out.stderr));
        step_outputs.insert(id.clone(), parse_outputs(&std::fs::read_to_string(&output_file).unwrap()));
        ran.push(id.clone());
        if !out.status.success() {
            failed = Some((id, out.status.code().unwrap_or(-1)));
            break;
        }
    }
    let outputs = a["outputs"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(name, o)| (name.clone(), substitute(str_of(o, "value").unwrap(), declared, inputs, &step_outputs)))
        .collect();
    let summary = std::fs::read_to_string(&summary_file).unwrap();
    std::fs::write(tmp.join("log.txt"), &log).unwrap();
    Run { outputs, ran, failed, summary, log, runner_temp }
}

/// The action inputs equivalent to a fixture folder's `args` file.
fn inputs_from_args(dir: &Path) -> BTreeMap<&'static str, String> {
    let text = std::fs::read_to_string(dir.join("args")).unwrap();
    let mut words = text.split_whitespace();
    let mut inputs: BTreeMap<&'static str, String> = BTreeMap::new();
    while let Some(word) = words.next() {
        let Some(flag) = word.strip_prefix("--") else {
            assert!(inputs.insert("attestation", word.to_string()).is_none(), "two attestations in {dir:?}");
            continue;
        };
        let name = *INPUTS.iter().find(|i| **i == flag).unwrap_or_else(|| panic!("no input for --{flag}"));
        let value = words.next().unwrap().to_string();
        match inputs.get_mut(name) {
            Some(list) if name == "bundle" => {
                list.push('\n');
                list.push_str(&value);
            }
            Some(_) => panic!("--{flag} twice in {dir:?}"),
            None => {
                inputs.insert(name, value);
            }
        }
    }
    inputs
}

fn borrowed<'a>(inputs: &'a BTreeMap<&'static str, String>) -> BTreeMap<&'static str, &'a str> {
    inputs.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

fn report_json(run: &Run) -> Value {
    let path = PathBuf::from(&run.outputs["report"]);
    assert!(path.starts_with(&run.runner_temp), "the report {path:?} is not under RUNNER_TEMP");
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

fn all_steps_but_install() -> Vec<String> {
    steps(&action()).iter().filter_map(|s| str_of(s, "id")).filter(|id| *id != "install").map(String::from).collect()
}

#[test]
fn example_deployment_passes() {
    let dir = root().join(BASE);
    let inputs = inputs_from_args(&dir);
    let run = run_action("pass", &dir, &borrowed(&inputs));
    assert_eq!(run.failed, None, "{}", run.log);
    assert_eq!(run.ran, all_steps_but_install());
    assert_eq!(run.outputs["verdict"], "pass", "{}", run.log);
    assert_eq!(run.outputs["exit-code"], "0");
    assert_eq!(report_json(&run)["verdict"], "pass");
    assert!(run.summary.contains("dstack-audit verify: PASS"), "{}", run.summary);
    // The log holds the report in the default format, Markdown, and the test-root warning.
    assert!(run.log.contains("## ✅ dstack-audit verify: PASS (exit 0)"), "{}", run.log);
    assert!(run.log.contains("::warning title=dstack-audit::tdx-root-ca is set"), "{}", run.log);

    // Two bundles separated by a newline and spaces; the log in JSON.
    let mut inputs = inputs.clone();
    let bundle = inputs["bundle"].clone();
    inputs.insert("bundle", format!("  {bundle}\n{bundle}   {bundle}\n"));
    inputs.insert("format", "json".into());
    let run = run_action("pass-json", &dir, &borrowed(&inputs));
    assert_eq!(run.failed, None, "{}", run.log);
    let report = report_json(&run);
    let bundles = report["inputs"].as_array().unwrap().iter().filter(|i| i["role"] == "bundle").count();
    assert_eq!(bundles, 3, "each word of the bundle input is one --bundle");
    assert!(run.log.contains(r#""schema": "dstack-audit/report/v1""#), "{}", run.log);
    assert!(run.summary.starts_with("## ✅ dstack-audit verify: PASS"), "the summary is Markdown whatever the format");
}

#[test]
fn report_data_input_checks_the_nonce() {
    let dir = root().join(BASE);
    let inputs = inputs_from_args(&dir);
    let att: Value = serde_json::from_slice(&std::fs::read(dir.join("attestation.json")).unwrap()).unwrap();
    let quote = hex::decode(att["quote"].as_str().unwrap()).unwrap();
    let nonce = hex::encode(&quote[48 + 520..48 + 584]);
    let mut good = borrowed(&inputs);
    good.insert("report-data", &nonce);
    let run = run_action("nonce-ok", &dir, &good);
    assert_eq!(run.outputs["verdict"], "pass", "{}", run.log);
    let other = format!("00{}", &nonce[2..]);
    let mut bad = borrowed(&inputs);
    bad.insert("report-data", &other);
    let run = run_action("nonce-bad", &dir, &bad);
    assert_eq!(run.outputs["verdict"], "fail", "{}", run.log);
    assert!(run.summary.contains("report-data-mismatch"), "{}", run.summary);
}

#[test]
fn wrong_commit_fails_the_step() {
    let dir = root().join(VARIANTS).join("wrong-commit");
    let inputs = inputs_from_args(&dir);
    for fail_on in ["incomplete", "fail"] {
        let mut inputs = borrowed(&inputs);
        inputs.insert("fail-on", fail_on);
        let run = run_action(&format!("wrong-commit-{fail_on}"), &dir, &inputs);
        assert_eq!(run.outputs["verdict"], "fail", "{}", run.log);
        assert_eq!(run.outputs["exit-code"], "1");
        assert_eq!(report_json(&run)["verdict"], "fail");
        assert_eq!(run.ran, all_steps_but_install(), "only the last step fails");
        assert_eq!(run.failed, Some(("gate".to_string(), 1)), "{}", run.log);
        assert!(run.summary.contains("dstack-audit verify: FAIL"), "{}", run.summary);
        assert!(run.summary.contains("workload-commit-mismatch"), "{}", run.summary);
    }
}

#[test]
fn missing_bundle_is_incomplete_and_fail_on_decides() {
    let dir = root().join(VARIANTS).join("missing-bundle");
    let inputs = inputs_from_args(&dir);
    assert!(!inputs.contains_key("bundle"));

    let mut lenient = borrowed(&inputs);
    lenient.insert("fail-on", "fail");
    let run = run_action("missing-bundle-fail-on-fail", &dir, &lenient);
    assert_eq!(run.failed, None, "fail-on: fail lets INCOMPLETE through\n{}", run.log);
    assert_eq!(run.outputs["verdict"], "incomplete");
    assert_eq!(run.outputs["exit-code"], "3");
    assert_eq!(report_json(&run)["verdict"], "incomplete");
    assert!(run.summary.contains("dstack-audit verify: INCOMPLETE"), "{}", run.summary);

    let run = run_action("missing-bundle-default", &dir, &borrowed(&inputs));
    assert_eq!(run.outputs["verdict"], "incomplete");
    assert_eq!(run.failed, Some(("gate".to_string(), 3)), "by default INCOMPLETE fails\n{}", run.log);
}

#[test]
fn unusable_input_always_fails() {
    let dir = root().join(BASE);
    let base = inputs_from_args(&dir);

    let mut inputs = borrowed(&base);
    inputs.insert("attestation", "no-such-file.json");
    inputs.insert("fail-on", "fail");
    let run = run_action("missing-file", &dir, &inputs);
    assert_eq!(run.outputs["verdict"], "error");
    assert_eq!(run.outputs["exit-code"], "2");
    assert_eq!(run.failed, Some(("gate".to_string(), 2)), "{}", run.log);
    assert!(run.summary.contains("cannot evaluate (exit 2)"), "{}", run.summary);
    assert!(run.summary.contains("no-such-file.json"), "the summary names the file: {}", run.summary);

    for (input, value) in [("fail-on", "sometimes"), ("format", "yaml")] {
        let mut inputs = borrowed(&base);
        inputs.insert(input, value);
        let run = run_action(&format!("bad-{input}"), &dir, &inputs);
        assert_eq!(run.outputs["verdict"], "error", "{input}: {value}");
        assert_eq!(run.failed, Some(("gate".to_string(), 2)), "{}", run.log);
    }
}

/// Input values reach the tool as data: shell syntax in them is never run.
#[test]
fn inputs_are_data_not_code() {
    let dir = root().join(BASE);
    let marker = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("ci_action").join("injected");
    let _ = std::fs::remove_file(&marker);
    let m = marker.display();
    let payloads = [format!("$(touch {m})"), format!("\"; touch {m}; \""), format!("`touch {m}`")];
    let base = inputs_from_args(&dir);
    for (i, payload) in payloads.iter().enumerate() {
        for input in ["attestation", "reference", "bundle", "format", "fail-on"] {
            let mut inputs = borrowed(&base);
            inputs.insert(input, payload.as_str());
            let run = run_action(&format!("injection-{i}-{input}"), &dir, &inputs);
            assert!(!marker.exists(), "input {input} = {payload} ran as code\n{}", run.log);
            assert_ne!(run.outputs["verdict"], "pass", "{input} = {payload}");
            assert!(run.failed.is_some());
        }
    }
}
