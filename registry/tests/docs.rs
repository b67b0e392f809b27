//! Documentation that cannot drift (issue 13): every shell block of `README.md` and
//! `docs/*.md` runs here, as written, in order, against a fresh demo server and the CLI.
//!
//! What a new user does, this test does:
//! * starts `rongtong serve --demo` with no `DATABASE_URL`, no key and no base URL set, in an
//!   empty working folder (so it creates `data/rongtong.db` and its development key there, as
//!   the README says), and reads the `export RONGTONG_TOKEN=…` line it prints;
//! * puts `rongtong` on `PATH` and runs each file's blocks in one `bash` session
//!   (`set -euo pipefail`: variables set in one block are used in later ones), from that
//!   folder. The repository's folders are linked into it, so `registry/demo/esco-sample/`
//!   is where a clone has it, and nothing the blocks write lands in the repository.
//!
//! The one liberty: the server listens on a free port, not 8080, so `127.0.0.1:8080` in a
//! block is read as that port (and `RONGTONG_ADDR` names it, as the default does for 8080).
//!
//! The markup (docs/ARCHITECTURE.md, "Documentation that runs"):
//! * every fence has a language; `sh`, `bash`, `shell` and `console` blocks are run;
//! * `<!-- doc-test: skip — reason -->` right before a fence leaves it out; the reason is
//!   required and is printed;
//! * `<!-- doc-test: output -->` right before a (`text`) fence makes it the expected output
//!   of the shell block before it: each of its lines must appear in that block's output, in
//!   order, with `…` matching anything within a line.
//!
//! A block that fails fails the test with the file, the block's line, the failing line and the
//! block's output. `DOC_TEST_VERBOSE=1` prints every file's whole session (what to paste into an
//! output block).

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const SHELLS: &[&str] = &["sh", "bash", "shell", "console"];
const TOOLS: &[(&str, &str)] =
    &[("bash", "bash"), ("curl", "curl"), ("jq", "jq (Debian: apt-get install jq)"), ("iconv", "iconv (Debian: part of libc-bin)")];

#[derive(Debug)]
enum Kind {
    Run,
    Skip(String),
    Output,
    Other,
}

#[derive(Debug)]
struct Block {
    /// Line of the opening fence (1-based).
    line: usize,
    kind: Kind,
    text: String,
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("workspace root").to_path_buf()
}

/// The fenced blocks of one Markdown file, with their marks; an unmarked fence without a
/// language is an error (the runner cannot tell a command from a diagram).
fn parse(name: &str, text: &str) -> Result<Vec<Block>, String> {
    let mut blocks = Vec::new();
    let lines: Vec<&str> = text.lines().collect();
    let mut i = 0;
    while i < lines.len() {
        let trimmed = lines[i].trim_start();
        let Some(fence) = ["```", "~~~"].into_iter().find(|f| trimmed.starts_with(f)) else {
            i += 1;
            continue;
        };
        let info = trimmed.trim_start_matches(fence.chars().next().unwrap_or('`')).trim();
        let lang = info.split([' ', ',', '{']).next().unwrap_or("").to_ascii_lowercase();
        let open = i;
        let mut body = Vec::new();
        i += 1;
        while i < lines.len() && !lines[i].trim_start().starts_with(fence) {
            body.push(lines[i]);
            i += 1;
        }
        i += 1;
        let mark = lines[..open].iter().rev().find(|l| !l.trim().is_empty()).and_then(|l| {
            let l = l.trim();
            l.strip_prefix("<!-- doc-test:").and_then(|r| r.strip_suffix("-->")).map(|r| r.trim().to_string())
        });
        let kind = match mark.as_deref() {
            Some("output") => Kind::Output,
            Some(m) if m.starts_with("skip") => {
                let reason = m["skip".len()..].trim_start_matches([' ', '—', '-', ':']).trim();
                if reason.is_empty() {
                    return Err(format!("{name}:{}: `doc-test: skip` needs a reason", open + 1));
                }
                Kind::Skip(reason.to_string())
            }
            Some(m) => return Err(format!("{name}:{}: unknown mark `doc-test: {m}` (skip — reason, or output)", open + 1)),
            None if lang.is_empty() => {
                return Err(format!(
                    "{name}:{}: a fence without a language: say `sh` if it is to be run, else what it is (`text`, `json`, …)",
                    open + 1
                ));
            }
            None if SHELLS.contains(&lang.as_str()) => Kind::Run,
            None => Kind::Other,
        };
        blocks.push(Block { line: open + 1, kind, text: body.join("\n") });
    }
    Ok(blocks)
}

/// Does `expected` (lines, `…` a wildcard within a line) appear in `output`, in order?
fn output_matches(expected: &str, output: &str) -> Result<(), String> {
    let mut out = output.lines();
    'expected: for want in expected.lines().map(str::trim).filter(|l| !l.is_empty()) {
        for got in out.by_ref() {
            let mut rest = got;
            let mut ok = true;
            for part in want.split('…').map(str::trim).filter(|p| !p.is_empty()) {
                match rest.find(part) {
                    Some(at) => rest = &rest[at + part.len()..],
                    None => {
                        ok = false;
                        break;
                    }
                }
            }
            if ok {
                continue 'expected;
            }
        }
        return Err(format!("expected output line not found (in order): {want}"));
    }
    Ok(())
}

fn has_tool(tool: &str) -> bool {
    Command::new("bash").args(["-c", &format!("command -v {tool}")]).stdout(Stdio::null()).status().is_ok_and(|s| s.success())
}

/// The demo server, started as the README's first command starts it; killed when dropped.
struct Demo {
    child: std::process::Child,
    port: u16,
    token: String,
}

impl Demo {
    /// `text` with the README's `127.0.0.1:8080` (and its did:web form) read as this server's port.
    fn local(&self, text: &str) -> String {
        text.replace("127.0.0.1:8080", &format!("127.0.0.1:{}", self.port))
            .replace("127.0.0.1%3A8080", &format!("127.0.0.1%3A{}", self.port))
    }
}

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs every file's blocks; returns the failures.
fn run_file(name: &str, blocks: &[Block], work: &Path, bin: &Path, demo: &Demo) -> Vec<String> {
    let mut script = String::from("exec 2>&1\nset -Eeuo pipefail\ntrap 'echo \"@@doc-fail line=$LINENO status=$?@@\"' ERR\n");
    // script line (1-based) → Markdown line
    let mut lines: Vec<usize> = vec![0, 0, 0];
    let mut runs = Vec::new();
    for (n, b) in blocks.iter().enumerate() {
        match &b.kind {
            Kind::Run => {
                script.push_str(&format!("echo '@@doc-block {n}@@'\n"));
                lines.push(0);
                for (k, l) in b.text.lines().enumerate() {
                    script.push_str(&demo.local(l));
                    script.push('\n');
                    lines.push(b.line + 1 + k);
                }
                runs.push(n);
            }
            Kind::Skip(reason) => eprintln!("{name}:{}: not run: {reason}", b.line),
            Kind::Output | Kind::Other => {}
        }
    }
    script.push_str("echo '@@doc-end@@'\n");
    if runs.is_empty() {
        return Vec::new();
    }
    let path = work.join(format!(".doc-{}.sh", name.replace('/', "-")));
    std::fs::write(&path, &script).expect("write script");
    let started = Instant::now();
    let mut child = Command::new("bash")
        .arg(&path)
        .current_dir(work)
        .env_clear()
        .env("PATH", format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default()))
        .env("HOME", work)
        .env("LANG", "C.UTF-8")
        .env("RONGTONG_ADDR", format!("127.0.0.1:{}", demo.port))
        .env("RONGTONG_TOKEN", &demo.token)
        .env("RUST_LOG", "warn")
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("run bash");
    let mut stdout = child.stdout.take().expect("stdout");
    let reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = stdout.read_to_end(&mut buf);
        String::from_utf8_lossy(&buf).into_owned()
    });
    let deadline = Instant::now() + Duration::from_secs(180);
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait") {
            break Some(s);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let output = reader.join().expect("reader");
    if std::env::var_os("DOC_TEST_VERBOSE").is_some() {
        eprintln!("==== {name}: the session's output\n{output}");
    }
    eprintln!("{name}: {} blocks run in {:.1} s", runs.len(), started.elapsed().as_secs_f64());
    let mut failures = Vec::new();
    if status.is_none() {
        failures.push(format!("{name}: timed out after 180 s\n{output}"));
    }
    // The output of each block, by its index.
    let mut per_block: std::collections::HashMap<usize, String> = Default::default();
    let mut current: Option<usize> = None;
    for line in output.lines() {
        if let Some(n) = line.strip_prefix("@@doc-block ").and_then(|r| r.strip_suffix("@@")) {
            current = n.parse().ok();
            continue;
        }
        if let Some(n) = current {
            let entry = per_block.entry(n).or_default();
            entry.push_str(line);
            entry.push('\n');
        }
    }
    if !output.contains("@@doc-end@@") {
        let failed_line = output
            .lines()
            .find_map(|l| l.strip_prefix("@@doc-fail line=").and_then(|r| r.split(' ').next()).and_then(|n| n.parse::<usize>().ok()))
            .and_then(|n| lines.get(n - 1).copied())
            .filter(|l| *l > 0);
        let block = current.map(|n| blocks[n].line).unwrap_or(0);
        let last = current.and_then(|n| per_block.get(&n)).cloned().unwrap_or_default();
        failures.push(format!(
            "{name}: the block at line {block} failed{} (exit {:?}); its output:\n{last}",
            failed_line.map(|l| format!(", at line {l}")).unwrap_or_default(),
            status.and_then(|s| s.code())
        ));
        return failures;
    }
    for (n, b) in blocks.iter().enumerate() {
        if !matches!(b.kind, Kind::Output) {
            continue;
        }
        let Some(prev) = (0..n).rev().find(|&k| !matches!(blocks[k].kind, Kind::Other)) else { continue };
        match &blocks[prev].kind {
            Kind::Run => {
                let got = per_block.get(&prev).map(String::as_str).unwrap_or("");
                if let Err(e) = output_matches(&demo.local(&b.text), got) {
                    failures.push(format!(
                        "{name}:{}: the output of the block at line {} does not match: {e}\nits output:\n{got}",
                        b.line, blocks[prev].line
                    ));
                }
            }
            _ => failures.push(format!("{name}:{}: an output block must follow a shell block that is run", b.line)),
        }
    }
    failures
}

#[test]
fn every_shell_block_of_the_readme_and_docs_runs_as_written() {
    let missing: Vec<&str> = TOOLS.iter().filter(|(t, _)| !has_tool(t)).map(|(_, why)| *why).collect();
    assert!(missing.is_empty(), "the documentation's commands need these tools, missing here: {}", missing.join(", "));

    let root = repo_root();
    let mut files = vec![root.join("README.md")];
    let mut docs: Vec<PathBuf> = std::fs::read_dir(root.join("docs"))
        .expect("docs/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    docs.sort();
    files.extend(docs);
    let mut parsed = Vec::new();
    let mut errors = Vec::new();
    for f in &files {
        let name = f.strip_prefix(&root).expect("in the repository").display().to_string();
        let text = std::fs::read_to_string(f).expect("read");
        match parse(&name, &text) {
            Ok(b) => parsed.push((name, b)),
            Err(e) => errors.push(e),
        }
    }
    assert!(errors.is_empty(), "{}", errors.join("\n"));

    // A fresh working folder that sees the repository's files.
    let work = tempfile::tempdir().expect("tempdir");
    for entry in std::fs::read_dir(&root).expect("root") {
        let entry = entry.expect("entry");
        let name = entry.file_name();
        if [".git", "target", "data"].iter().any(|n| name == *n) {
            continue;
        }
        std::os::unix::fs::symlink(entry.path(), work.path().join(&name)).expect("link");
    }
    let bin = work.path().join(".bin");
    std::fs::create_dir(&bin).expect("bin");
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_rongtong"), bin.join("rongtong")).expect("link rongtong");

    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_rongtong"))
        .args(["serve", "--demo"])
        .current_dir(work.path())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("RONGTONG_ADDR", format!("127.0.0.1:{port}"))
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start rongtong serve --demo");
    let out = child.stdout.take().expect("stdout");
    let mut token = None;
    for line in std::io::BufRead::lines(std::io::BufReader::new(out)) {
        let line = line.expect("read");
        if let Some(t) = line.trim().strip_prefix("export RONGTONG_TOKEN=") {
            token = Some(t.to_string());
        }
        if line.contains("listening on") {
            break;
        }
    }
    let demo = Demo { child, port, token: token.expect("the demo prints `export RONGTONG_TOKEN=…`") };

    let mut failures = Vec::new();
    for (name, blocks) in &parsed {
        failures.extend(run_file(name, blocks, work.path(), &bin, &demo));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn the_markup_is_understood() {
    let md = "a\n\n<!-- doc-test: skip — too slow -->\n```sh\nsleep 1d\n```\n```sh\necho hi\n```\n<!-- doc-test: output -->\n```text\nh…\n```\n```json\n{}\n```\n";
    let b = parse("x.md", md).expect("parses");
    assert!(matches!(&b[0].kind, Kind::Skip(r) if r == "too slow"));
    assert!(matches!(b[1].kind, Kind::Run));
    assert!(matches!(b[2].kind, Kind::Output));
    assert!(matches!(b[3].kind, Kind::Other));
    assert!(parse("x.md", "```\nls\n```\n").unwrap_err().contains("x.md:1: a fence without a language"));
    assert!(parse("x.md", "<!-- doc-test: skip -->\n```sh\nls\n```\n").unwrap_err().contains("needs a reason"));
    assert!(output_matches("a…c\nd", "abc\nx\nd e").is_ok());
    assert!(output_matches("d\na…c", "abc\nd").is_err(), "order counts");
}
