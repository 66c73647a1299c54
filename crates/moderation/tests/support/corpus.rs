//! The evasion corpus (`corpus/evasions.tsv`, screened against
//! `corpus/terms.txt`): loading it, the settings it is screened with, and
//! the per-class caught / false-positive rates. Shared by the engine test
//! (`tests/corpus.rs`) and the server test
//! (`crates/server/tests/moderation_corpus.rs`).

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::PathBuf;

use roomcast_moderation::{Action, AdsDetector, Category, CrossWord, ModerationOptions};

/// What the corpus says must happen to a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// Blocked.
    Block,
    /// Delivered unchanged with a flag hit.
    Review,
    /// Delivered unchanged, no hit.
    Pass,
    /// An evasion known to get through (not blocked).
    Miss,
    /// An innocent text known to be blocked.
    Fp,
}

/// What screening did with a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seen {
    Blocked,
    Flagged,
    Clean,
}

#[derive(Debug, Clone)]
pub struct Case {
    pub line: usize,
    pub class: String,
    pub expect: Expect,
    pub text: String,
    pub note: String,
}

impl Case {
    /// Whether `seen` is what the corpus expects.
    pub fn holds(&self, seen: Seen) -> bool {
        match self.expect {
            Expect::Block | Expect::Fp => seen == Seen::Blocked,
            Expect::Review => seen == Seen::Flagged,
            Expect::Pass => seen == Seen::Clean,
            Expect::Miss => seen != Seen::Blocked,
        }
    }
}

fn corpus_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../moderation/corpus")
}

/// Every case of the corpus.
pub fn cases() -> Vec<Case> {
    let text = std::fs::read_to_string(corpus_dir().join("evasions.tsv")).expect("corpus");
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'))
        .map(|(i, line)| {
            let cols: Vec<&str> = line.split('\t').collect();
            assert_eq!(cols.len(), 4, "line {}: {line:?}", i + 1);
            let expect = match cols[1] {
                "block" => Expect::Block,
                "review" => Expect::Review,
                "pass" => Expect::Pass,
                "miss" => Expect::Miss,
                "fp" => Expect::Fp,
                other => panic!("line {}: unknown expectation {other:?}", i + 1),
            };
            Case {
                line: i + 1,
                class: cols[0].to_string(),
                expect,
                text: unescape(cols[2]),
                note: cols[3].to_string(),
            }
        })
        .collect()
}

/// `\u{XXXX}` escapes, so invisible chars stay readable in the file.
fn unescape(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find("\\u{") {
        out.push_str(&rest[..at]);
        let end = rest[at..].find('}').expect("closing brace") + at;
        let code = u32::from_str_radix(&rest[at + 3..end], 16).expect("hex escape");
        out.push(char::from_u32(code).expect("scalar value"));
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out
}

/// The word list, per category.
pub fn terms() -> BTreeMap<Category, Vec<String>> {
    let text = std::fs::read_to_string(corpus_dir().join("terms.txt")).expect("terms");
    let mut terms: BTreeMap<Category, Vec<String>> = BTreeMap::new();
    for line in text.lines().filter(|l| !l.is_empty() && !l.starts_with('#')) {
        let (category, term) = line.split_once('\t').expect("category<TAB>term");
        let category: Category = serde_json::from_value(serde_json::Value::String(category.into())).expect("category");
        terms.entry(category).or_default().push(term.to_string());
    }
    terms
}

/// The settings the corpus is screened with: every category blocks, Chinese
/// terms across words go to review, the ads detector blocks phone numbers
/// and contacts and flags URLs. `lists` are left to the caller.
pub fn options() -> ModerationOptions {
    ModerationOptions {
        actions: Category::ALL.iter().map(|&c| (c, Action::Block)).collect(),
        cross_word: CrossWord::Review,
        ads: AdsDetector {
            phone: Some(Action::Block),
            contact: Some(Action::Block),
            url: Some(Action::Flag),
        },
        ..ModerationOptions::default()
    }
}

/// Checks every case and renders the per-class rates as a Markdown table:
/// caught = blocked evasions / evasions (`block` + `miss`), false positives
/// = blocked innocent texts / innocent texts (`pass` + `review` + `fp`).
/// Panics listing every case that does not hold.
pub fn check(results: &[(Case, Seen)]) -> String {
    let failures: Vec<String> = results
        .iter()
        .filter(|(case, seen)| !case.holds(*seen))
        .map(|(case, seen)| {
            format!(
                "line {} [{}] {:?}: expected {:?}, got {seen:?} ({})",
                case.line, case.class, case.text, case.expect, case.note
            )
        })
        .collect();
    let mut classes: BTreeMap<&str, [usize; 4]> = BTreeMap::new();
    for (case, seen) in results {
        let row = classes.entry(case.class.as_str()).or_default();
        let blocked = *seen == Seen::Blocked;
        match case.expect {
            Expect::Block | Expect::Miss => {
                row[0] += 1;
                row[1] += usize::from(blocked);
            }
            Expect::Pass | Expect::Review | Expect::Fp => {
                row[2] += 1;
                row[3] += usize::from(blocked);
            }
        }
    }
    let mut table = String::from("| class | evasions | caught | innocent | false positives |\n|---|---|---|---|---|\n");
    let rate = |n: usize, of: usize| {
        if of == 0 {
            "—".to_string()
        } else {
            format!("{n}/{of} ({:.0}%)", 100.0 * n as f64 / of as f64)
        }
    };
    let mut totals = [0usize; 4];
    for (class, row) in &classes {
        for (t, r) in totals.iter_mut().zip(row) {
            *t += r;
        }
        let _ = writeln!(
            table,
            "| {class} | {} | {} | {} | {} |",
            row[0],
            rate(row[1], row[0]),
            row[2],
            rate(row[3], row[2])
        );
    }
    let _ = writeln!(
        table,
        "| **all** | {} | {} | {} | {} |",
        totals[0],
        rate(totals[1], totals[0]),
        totals[2],
        rate(totals[3], totals[2])
    );
    assert!(
        failures.is_empty(),
        "{} corpus cases do not hold:\n{}\n\n{table}",
        failures.len(),
        failures.join("\n")
    );
    table
}
