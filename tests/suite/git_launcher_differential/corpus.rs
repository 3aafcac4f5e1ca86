//! A deterministic corpus of git-launcher config texts: targeted cases for each rule of the
//! launcher and of dstack-audit, then random combinations of the same pieces (a fixed-seed
//! xorshift generator, so every run sees the same texts).

pub(super) const SHA: &str = "1d6918c65fc08f781f61f47255e91702f05278b3";
pub(super) const SHA256: &str = "0f4b4f2c4b0a9b7fbc3a4e7a41b1b8d6a0b5d0c1c9c1e2f3a4b5c6d7e8f90123";

/// The three required lines, valid.
fn base() -> Vec<String> {
    vec![
        "REPO_URL=https://github.com/dstack-audit-example/workload".into(),
        format!("COMMIT_SHA={SHA}"),
        "WORK_DIR=/var/lib/git-launcher/workload".into(),
    ]
}

fn text(lines: &[String]) -> String {
    let mut t = lines.join("\n");
    t.push('\n');
    t
}

/// The base config with `key` set to `value` (replacing the base line if there is one).
fn with(key: &str, value: &str) -> String {
    let mut lines = base();
    let line = format!("{key}={value}");
    match lines.iter_mut().find(|l| l.starts_with(&format!("{key}="))) {
        Some(l) => *l = line,
        None => lines.push(line),
    }
    text(&lines)
}

/// The base config with `key` removed.
fn without(key: &str) -> String {
    text(&base().into_iter().filter(|l| !l.starts_with(&format!("{key}="))).collect::<Vec<_>>())
}

/// The base config plus raw `extra` lines.
fn plus(extra: &[&str]) -> String {
    let mut lines = base();
    lines.extend(extra.iter().map(|s| s.to_string()));
    text(&lines)
}

const URLS: &[&str] = &[
    "https://github.com/o/r.git",
    "https://github.com/o/r",
    "https://",
    "https:///path",
    "http://github.com/o/r",
    "HTTPS://github.com/o/r",
    "ssh://git@github.com/o/r.git",
    "git@github.com:o/r.git",
    "git@github.com",
    "git@/srv/r:x",
    "git@-oProxyCommand=touch%20x:r",
    "git@host:",
    "deploy@host:o/r",
    "git://github.com/o/r",
    "file:///srv/repo",
    "/srv/repo",
    "./repo",
    "repo",
    "ext::sh -c touch% /tmp/pwned",
    "ext::true",
    "fd::3",
    "https::github.com/o/r",
    "-uhelp",
    "--upload-pack=touch /tmp/pwned",
    "--config=core.sshCommand=x",
    "https://github.com/o/r ",
    " https://github.com/o/r",
    "https://github.com/o/r\t",
    "https://gïthub.com/o/r",
    "",
];

const SHAS: &[&str] = &[
    SHA,
    SHA256,
    "1D6918C65FC08F781F61F47255E91702F05278B3",
    "1d6918c65fc08f781f61f47255e91702f05278B3",
    "1d6918c",
    "1d6918c65fc08f781f61f47255e91702f05278b",
    "1d6918c65fc08f781f61f47255e91702f05278b3a",
    "0f4b4f2c4b0a9b7fbc3a4e7a41b1b8d6a0b5d0c1c9c1e2f3a4b5c6d7e8f9012",
    "0f4b4f2c4b0a9b7fbc3a4e7a41b1b8d6a0b5d0c1c9c1e2f3a4b5c6d7e8f901234",
    "1d6918c65fc08f781f61f47255e91702f05278g3",
    "main",
    "v1.2.3",
    "refs/heads/main",
    "HEAD",
    "0x1d6918c65fc08f781f61f47255e91702f05278",
    "1d6918c65fc08f781f61f47255e91702f05278b3 ",
    " 1d6918c65fc08f781f61f47255e91702f05278b3",
    "\"1d6918c65fc08f781f61f47255e91702f05278b3\"",
    "'1d6918c65fc08f781f61f47255e91702f05278b3'",
    "\"1d6918c65fc08f781f61f47255e91702f05278b3'",
    "",
];

const WORK_DIRS: &[&str] = &[
    "/var/lib/git-launcher/workload",
    "/app",
    "/app/",
    "//app",
    "/a/./b",
    "/a/../etc",
    "/..",
    "/a..b",
    "/",
    "/./",
    "app",
    "./app",
    "-p",
    "--help",
    "~/app",
    "$HOME/app",
    "/app dir",
    "'/app'",
    "\"/app\"",
    "",
];

const PATHS: &[&str] = &[
    "svc",
    "svc/",
    "a/b",
    "./svc",
    "a//b",
    ".",
    "./",
    "..",
    "../x",
    "a/..",
    "a..b",
    "...",
    "/etc",
    "//x",
    "-x",
    "+x",
    "-",
    "dir with space",
    "ünï",
    "*",
    "$X",
    "",
];

const ENTRIES: &[&str] = &[
    "entrypoint.sh",
    "bin/run.sh",
    "./run.sh",
    "bin//run.sh",
    "bin/",
    "bin/.",
    ".",
    "-s",
    "-c",
    "--rcfile",
    "+O",
    "-",
    "a/-s",
    "./-s",
    "run..sh",
    "../run.sh",
    "/bin/sh",
    "run me.sh",
    "",
];

const CMDS: &[&str] =
    &["make run", "\"make run\"", "'echo hi'", "\"'x'\"", " ", "\"\"", "''", "echo $HOME # c", "a\"b", "\"", ""];

/// Hand-picked texts, one or a few per rule.
pub(super) fn targeted() -> Vec<String> {
    let mut v: Vec<String> = Vec::new();
    v.push(text(&base()));
    v.push(plus(&["RUN_CMD=make run"]));
    v.push(plus(&["RUN_CMD=make run", "INSTALL_CMD=make deps"]));
    v.push(plus(&["REPO_SUBDIR=svc", "ENTRYPOINT_SCRIPT=bin/start.sh"]));
    // Lines, blanks, comments, endings.
    v.push(String::new());
    v.push("# only a comment\n".into());
    v.push(text(&base()).trim_end().to_string());
    v.push(text(&base()).replace('\n', "\r\n"));
    v.push(text(&base()).replace('\n', "\r\n").trim_end().to_string());
    v.push(format!("REPO_URL=https://x/r\r\nWORK_DIR=/w\r\nCOMMIT_SHA={SHA}"));
    v.push(format!("\n\n  \t\n{}\n\n", base().join("\n\n")));
    v.push(plus(&["#RUN_CMD=x", "   # comment = with equals", "\t#tab comment"]));
    v.push(plus(&["# carriage return in a comment\r"]));
    v.push(plus(&["\r"]));
    v.push(plus(&[" \u{b}"]));
    v.push(plus(&["\u{c}RUN_CMD=x"]));
    v.push(plus(&["RUN_CMD=a\u{1}b"]));
    v.push(plus(&["RUN_CMD=a\u{7f}b"]));
    v.push(plus(&["RUN_CMD=a\u{0}b"]));
    v.push(plus(&["# a\u{0}"]));
    v.push(plus(&["RUN_CMD=make run # inline comment"]));
    v.push(plus(&["RUN_CMD=make run\t"]));
    v.push(plus(&["RUN_CMD=échö"]));
    // Keys.
    for line in [
        "  RUN_CMD=x",
        "\tRUN_CMD=x",
        " \t RUN_CMD=x",
        "RUN_CMD =x",
        "RUN_CMD\t=x",
        "RUN_CMD= x",
        "export RUN_CMD=x",
        "EXPORT RUN_CMD=x",
        "export\tRUN_CMD=x",
        "run_cmd=x",
        "Run_Cmd=x",
        "RUN-CMD=x",
        "1RUN=x",
        "_RUN=x",
        "RUN_CMD2=x",
        "=x",
        "=",
        "RUN_CMD",
        "RUN_CMD x",
        "RUN_CMD==x",
        "RUN_CMD=x=y",
        "ÉRUN=x",
        "\u{a0}RUN_CMD=x",
        "\u{3000}RUN_CMD=x",
        "BRANCH=main",
        "CHILD_ENV_FILE=/run/child.env",
        "CHILD_ENV_FILE=",
        "CHILD_ENV_FILE='/etc/x'",
        "GIT_DIR=/tmp/x",
        "BASH_ENV=/tmp/x",
    ] {
        v.push(plus(&[line]));
    }
    // Required keys missing or empty.
    for key in ["REPO_URL", "COMMIT_SHA", "WORK_DIR"] {
        v.push(without(key));
        v.push(with(key, ""));
        v.push(with(key, "\"\""));
        v.push(with(key, "''"));
    }
    // Values, per key.
    for u in URLS {
        v.push(with("REPO_URL", u));
    }
    for s in SHAS {
        v.push(with("COMMIT_SHA", s));
    }
    for w in WORK_DIRS {
        v.push(with("WORK_DIR", w));
    }
    for p in PATHS {
        v.push(with("REPO_SUBDIR", p));
    }
    for e in ENTRIES {
        v.push(with("ENTRYPOINT_SCRIPT", e));
    }
    for c in CMDS {
        v.push(with("RUN_CMD", c));
        v.push(plus(&[&format!("INSTALL_CMD={c}")]));
        v.push(plus(&["RUN_CMD=make run", &format!("INSTALL_CMD={c}")]));
    }
    // Quotes.
    for q in ["\"svc\"", "'svc'", "\"svc'", "'svc\"", "\"", "'", "\"\"\"", "\"a\"b\"", "\"'svc'\"", "\"svc", "svc\""] {
        v.push(with("REPO_SUBDIR", q));
    }
    // Repeated keys: the launcher keeps the last.
    v.push(plus(&[&format!("COMMIT_SHA={SHA}")]));
    v.push(plus(&["COMMIT_SHA=main"]));
    v.push(format!("COMMIT_SHA=main\n{}", text(&base())));
    v.push(plus(&["WORK_DIR=/other"]));
    v.push(plus(&["RUN_CMD=a", "RUN_CMD="]));
    v.push(plus(&["RUN_CMD=", "RUN_CMD=a"]));
    v.push(plus(&["INSTALL_CMD=a", "INSTALL_CMD=b", "RUN_CMD=c"]));
    v.push(plus(&["ENTRYPOINT_SCRIPT=../x", "ENTRYPOINT_SCRIPT=run.sh"]));
    v.push(plus(&["REPO_URL=ext::true"]));
    v.push(plus(&["CHILD_ENV_FILE=/a", "CHILD_ENV_FILE=/b"]));
    v
}

/// xorshift64*, fixed seed.
pub(super) struct Rng(u64);

impl Rng {
    pub(super) fn new(seed: u64) -> Self {
        Rng(seed.max(1))
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % u64::try_from(n.max(1)).unwrap()).unwrap()
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

/// One line for `key`, often valid, sometimes bent.
fn random_line(rng: &mut Rng, key: &str) -> String {
    let value = match key {
        "REPO_URL" if rng.chance(60) => URLS[0],
        "REPO_URL" => rng.pick(URLS),
        "COMMIT_SHA" if rng.chance(60) => SHA,
        "COMMIT_SHA" => rng.pick(SHAS),
        "WORK_DIR" if rng.chance(60) => WORK_DIRS[0],
        "WORK_DIR" => rng.pick(WORK_DIRS),
        "REPO_SUBDIR" => rng.pick(PATHS),
        "ENTRYPOINT_SCRIPT" => rng.pick(ENTRIES),
        "RUN_CMD" | "INSTALL_CMD" => rng.pick(CMDS),
        _ => rng.pick(&["x", "", "/run/env", "'q'"]),
    };
    let value = match rng.below(10) {
        0 => format!("\"{value}\""),
        1 => format!("'{value}'"),
        _ => value.to_string(),
    };
    let prefix = if rng.chance(85) { "" } else { rng.pick(&[" ", "\t", "  \t", "export ", "# "]) };
    let sep = if rng.chance(92) { "=" } else { rng.pick(&[" =", "= ", "=="]) };
    format!("{prefix}{key}{sep}{value}")
}

/// `n` random texts: the required keys usually present, optional keys, repeats, unknown keys
/// and comments mixed in, lines shuffled, now and then CRLF or no final newline.
pub(super) fn random(n: usize, seed: u64) -> Vec<String> {
    const OPTIONAL: &[&str] =
        &["REPO_SUBDIR", "ENTRYPOINT_SCRIPT", "RUN_CMD", "INSTALL_CMD", "CHILD_ENV_FILE", "BRANCH", "work_dir"];
    let mut rng = Rng::new(seed);
    (0..n)
        .map(|_| {
            let mut lines: Vec<String> = Vec::new();
            for key in ["REPO_URL", "COMMIT_SHA", "WORK_DIR"] {
                if rng.chance(93) {
                    lines.push(random_line(&mut rng, key));
                }
            }
            for _ in 0..rng.below(4) {
                let key = if rng.chance(85) { rng.pick(&OPTIONAL[..4]) } else { rng.pick(OPTIONAL) };
                lines.push(random_line(&mut rng, key));
            }
            if rng.chance(20) {
                lines.push(rng.pick(&["# comment", "", "   ", "\t# x=y"]).to_string());
            }
            for i in (1..lines.len()).rev() {
                let j = rng.below(i + 1);
                lines.swap(i, j);
            }
            let ending = if rng.chance(5) { "\r\n" } else { "\n" };
            let mut t = lines.join(ending);
            if rng.chance(85) {
                t.push_str(ending);
            }
            t
        })
        .collect()
}
