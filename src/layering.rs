//! The crate reads top-down: no import circle between files, none between
//! top-level modules, and `error.rs` at the bottom: it names only leaf
//! vocabulary (`duration`, `otp_kind`, `row_problem`, `import_report`, and the
//! error types of `email_address`, `password` and `token`, none of which leads
//! back to it).
//!
//! The test reads every file whole, with its `#[cfg(test)]` items left out
//! (tests may reach anywhere), through a small Rust tokenizer: comments,
//! strings and character literals cannot hide or fake a path. A file depends
//! on another when it names the other's module through a `crate::`, `super::`
//! or `self::` path, in a `use` (groups included) or in code (macros
//! included); a parent's `mod x;` alone is not a dependency. Paths resolve
//! through the files of `src/` and through module aliases
//! (`use crate::a as b;`).

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::Path;

/// Edges on a circle today, each removed by the item of issue 26 named above
/// it. A circle made of other edges fails the test; an edge that no longer
/// lies on a circle must be taken out of this list (the test says which).
const KNOWN_CIRCLES: &[(&str, &str)] = &[];

/// A token of Rust source, as far as paths need: identifiers, `::`, single
/// punctuation and the text of plain strings (an attribute may name a path in
/// one: `#[serde(with = "crate::clock::serde_timestamp")]`). Other literals and
/// comments are dropped.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Ident(String),
    PathSep,
    Punct(char),
    Str(String),
}

fn tokens(text: &str) -> Vec<Tok> {
    let chars: Vec<char> = text.chars().collect();
    let at = |i: usize| chars.get(i).copied().unwrap_or('\0');
    let ident_start = |c: char| c.is_alphabetic() || c == '_';
    let ident_char = |c: char| c.is_alphanumeric() || c == '_';
    // The end of a quoted literal whose opening quote is at `i`.
    let quoted_end = |mut i: usize, quote: char| {
        i += 1;
        while i < chars.len() && chars[i] != quote {
            i += if chars[i] == '\\' { 2 } else { 1 };
        }
        i + 1
    };
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '/' && at(i + 1) == '/' {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && at(i + 1) == '*' {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && at(i + 1) == '*' {
                    depth += 1;
                    i += 2;
                } else if chars[i] == '*' && at(i + 1) == '/' {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
        } else if c == '"' {
            let end = quoted_end(i, '"');
            // Unterminated (not Rust, but never a panic): up to the end.
            let text = chars[i + 1..(end - 1).min(chars.len())].iter().collect();
            out.push(Tok::Str(text));
            i = end;
        } else if c == '\'' {
            if at(i + 1) == '\\' || at(i + 2) == '\'' {
                i = quoted_end(i, '\''); // a character literal
            } else {
                i += 1; // a lifetime or label: its name follows as an identifier
            }
        } else if ident_start(c) {
            let start = i;
            while ident_char(at(i)) {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            let raw_prefix = matches!(word.as_str(), "r" | "br" | "cr");
            let hashes = (i..).take_while(|&h| at(h) == '#').count();
            if raw_prefix && at(i + hashes) == '"' {
                // A raw string: r"…", r#"…"#, closed by as many hashes.
                i += hashes + 1;
                while i < chars.len()
                    && !(chars[i] == '"' && (1..=hashes).all(|h| at(i + h) == '#'))
                {
                    i += 1;
                }
                i += 1 + hashes;
            } else if matches!(word.as_str(), "b" | "c") && (at(i) == '"' || at(i) == '\'') {
                i = quoted_end(i, at(i));
            } else if word == "r" && at(i) == '#' {
                i += 1; // a raw identifier: r#type
            } else {
                out.push(Tok::Ident(word));
            }
        } else if c.is_ascii_digit() {
            while ident_char(at(i)) {
                i += 1;
            }
        } else if c == ':' && at(i + 1) == ':' {
            out.push(Tok::PathSep);
            i += 2;
        } else {
            out.push(Tok::Punct(c));
            i += 1;
        }
    }
    out
}

fn is_ident(tok: Option<&Tok>, word: &str) -> bool {
    matches!(tok, Some(Tok::Ident(w)) if w == word)
}

/// The tokens with every `#[cfg(test)]` item left out, and the names of the
/// test modules declared without a body (`#[cfg(test)] mod tests;`: their
/// files are tests).
fn without_tests(toks: Vec<Tok>) -> (Vec<Tok>, Vec<String>) {
    let cfg_test = [
        Tok::Punct('#'),
        Tok::Punct('['),
        Tok::Ident("cfg".into()),
        Tok::Punct('('),
        Tok::Ident("test".into()),
        Tok::Punct(')'),
        Tok::Punct(']'),
    ];
    let mut kept = Vec::with_capacity(toks.len());
    let mut test_files = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        if !toks[i..].starts_with(&cfg_test) {
            kept.push(toks[i].clone());
            i += 1;
            continue;
        }
        i += cfg_test.len();
        // Further attributes of the same item.
        while toks.get(i) == Some(&Tok::Punct('#')) && toks.get(i + 1) == Some(&Tok::Punct('[')) {
            let mut depth = 0;
            i += 1;
            loop {
                match toks.get(i) {
                    Some(Tok::Punct('[')) => depth += 1,
                    Some(Tok::Punct(']')) => depth -= 1,
                    None => break,
                    _ => {}
                }
                i += 1;
                if depth == 0 {
                    break;
                }
            }
        }
        // `mod name;`, after any visibility.
        let mut j = i;
        if is_ident(toks.get(j), "pub") {
            j += 1;
            if toks.get(j) == Some(&Tok::Punct('(')) {
                while j < toks.len() && toks[j] != Tok::Punct(')') {
                    j += 1;
                }
                j += 1;
            }
        }
        if is_ident(toks.get(j), "mod")
            && toks.get(j + 2) == Some(&Tok::Punct(';'))
            && let Some(Tok::Ident(name)) = toks.get(j + 1)
        {
            test_files.push(name.clone());
        }
        // The item ends at a `;` or at the `}` of its body, whichever is first
        // at its own depth (and before the end of what holds it).
        let mut depth = 0i32;
        while let Some(tok) = toks.get(i) {
            let closes = matches!(tok, Tok::Punct(')' | ']' | '}'));
            if closes && depth == 0 {
                break;
            }
            i += 1;
            match tok {
                Tok::Punct('(' | '[' | '{') => depth += 1,
                Tok::Punct(')' | ']') => depth -= 1,
                Tok::Punct('}') => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                Tok::Punct(';') if depth == 0 => break,
                _ => {}
            }
        }
    }
    (kept, test_files)
}

/// A path that starts at `crate`, `super` or `self`, by its segments, with the
/// name a `use … as name` gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct NamedPath {
    /// The module the path is written in (inline modules included).
    written_in: Vec<String>,
    segments: Vec<String>,
    alias: Option<String>,
    /// Written in a `use` declaration (which may make an alias).
    in_use: bool,
}

/// Every path of `toks` that starts at `crate`, `super` or `self`, with `use`
/// groups spread out (`crate::{a, b::{c}}` is `crate::a` and `crate::b::c`).
/// `module` is the file's module; `mod name { … }` nests in it.
fn paths(toks: &[Tok], module: &[String]) -> Vec<NamedPath> {
    let mut found = Vec::new();
    // Inline modules: (path, brace depth their body closes at).
    let mut inline: Vec<(Vec<String>, i32)> = Vec::new();
    let mut depth = 0i32;
    let mut i = 0;
    while i < toks.len() {
        let here = inline.last().map_or(module.to_vec(), |(m, _)| m.clone());
        if toks[i] == Tok::Punct('#') {
            attribute_paths(&toks[i..], &here, &mut found);
        }
        match &toks[i] {
            Tok::Punct('{') => depth += 1,
            Tok::Punct('}') => {
                depth -= 1;
                if inline.last().is_some_and(|(_, d)| *d == depth) {
                    inline.pop();
                }
            }
            Tok::Ident(w) if w == "mod" => {
                if let (Some(Tok::Ident(name)), Some(Tok::Punct('{'))) =
                    (toks.get(i + 1), toks.get(i + 2))
                {
                    let mut nested = here.clone();
                    nested.push(name.clone());
                    inline.push((nested, depth));
                }
            }
            Tok::Ident(w)
                if matches!(w.as_str(), "crate" | "super" | "self")
                    && toks.get(i + 1) == Some(&Tok::PathSep)
                    && (i == 0 || toks[i - 1] != Tok::PathSep) =>
            {
                let in_use = i > 0 && toks[i - 1] == Tok::Ident("use".into());
                i = use_tree(toks, i, Vec::new(), (&here, in_use), &mut found);
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    found
}

/// The paths that the strings of the attribute at the start of `toks` (if it
/// is one) consist of.
fn attribute_paths(toks: &[Tok], here: &[String], found: &mut Vec<NamedPath>) {
    let open = if toks.get(1) == Some(&Tok::Punct('!')) {
        2
    } else {
        1
    };
    if toks.get(open) != Some(&Tok::Punct('[')) {
        return;
    }
    let mut depth = 0;
    for tok in &toks[open..] {
        match tok {
            Tok::Punct('[') => depth += 1,
            Tok::Punct(']') => depth -= 1,
            Tok::Str(text) => {
                let inner = tokens(text);
                let starts = matches!(inner.first(), Some(Tok::Ident(w)) if ["crate", "super", "self"].contains(&w.as_str()));
                if starts && inner.get(1) == Some(&Tok::PathSep) {
                    use_tree(&inner, 0, Vec::new(), (here, false), found);
                }
            }
            _ => {}
        }
        if depth == 0 {
            break;
        }
    }
}

/// Reads one use tree (or code path) at `i` after `prefix`; returns the index
/// after it.
fn use_tree(
    toks: &[Tok],
    mut i: usize,
    mut prefix: Vec<String>,
    (here, in_use): (&[String], bool),
    found: &mut Vec<NamedPath>,
) -> usize {
    loop {
        match toks.get(i) {
            Some(Tok::Ident(w)) => {
                prefix.push(w.clone());
                i += 1;
            }
            Some(Tok::Punct('{')) => {
                i += 1;
                loop {
                    match toks.get(i) {
                        Some(Tok::Punct('}')) => return i + 1,
                        Some(Tok::Punct(',')) => i += 1,
                        None => return i,
                        Some(_) => i = use_tree(toks, i, prefix.clone(), (here, in_use), found),
                    }
                }
            }
            _ => break,
        }
        if toks.get(i) != Some(&Tok::PathSep) {
            break;
        }
        i += 1;
    }
    // `a::{self}` names `a`.
    if prefix.last().is_some_and(|s| s == "self") && prefix.len() > 1 {
        prefix.pop();
    }
    let alias = match (toks.get(i), toks.get(i + 1)) {
        (Some(Tok::Ident(w)), Some(Tok::Ident(name))) if w == "as" => {
            i += 2;
            Some(name.clone())
        }
        _ => None,
    };
    if !prefix.is_empty() {
        found.push(NamedPath {
            written_in: here.to_vec(),
            segments: prefix,
            alias,
            in_use,
        });
    }
    i
}

/// The source files of a crate root's module tree, by module path.
struct Tree {
    /// Module path -> file (relative to `src/`).
    files: BTreeMap<Vec<String>, String>,
    /// (file, name) -> the module a `use … as name` (or `use …::name`) there
    /// makes `name` stand for.
    aliases: BTreeMap<(String, String), Vec<String>>,
}

impl Tree {
    /// The file a module path is in: the longest prefix that is a file.
    fn file_of(&self, module: &[String]) -> Option<&String> {
        (0..=module.len())
            .rev()
            .find_map(|n| self.files.get(&module[..n]))
    }

    /// The module a path names, as far as it names modules, and whether every
    /// segment was a module.
    fn resolve(&self, path: &NamedPath) -> Option<(Vec<String>, bool)> {
        let (mut module, rest) = match path.segments.first()?.as_str() {
            "crate" => (Vec::new(), &path.segments[1..]),
            "self" | "super" => (path.written_in.clone(), &path.segments[..]),
            _ => return None,
        };
        let mut exact = true;
        for segment in rest {
            match segment.as_str() {
                "super" => {
                    module.pop()?;
                }
                "self" => {}
                name => {
                    let mut child = module.clone();
                    child.push(name.to_string());
                    if self.files.contains_key(&child) {
                        module = child;
                    } else if let Some(target) = self
                        .file_of(&module)
                        .and_then(|f| self.aliases.get(&(f.clone(), name.to_string())))
                    {
                        module = target.clone();
                    } else {
                        exact = false;
                        break;
                    }
                }
            }
        }
        Some((module, exact))
    }
}

/// The modules of each file below `root`: `file.rs` and `file/mod.rs` are
/// module `file`, under the crate root `lib.rs` or `main.rs` (`cli/` is the
/// binary's). Returns (file, module path, source) for every file.
fn sources(root: &Path) -> Vec<(String, Vec<String>, String)> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let rel = path
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            let mut module: Vec<String> = rel
                .trim_end_matches(".rs")
                .split('/')
                .map(str::to_string)
                .collect();
            if module.last().is_some_and(|m| m == "mod") || rel == "lib.rs" || rel == "main.rs" {
                module.pop();
            }
            out.push((rel, module, std::fs::read_to_string(&path).unwrap()));
        }
    }
    out.sort();
    out
}

/// File -> the files it names, for the crate's sources (both crate roots:
/// `lib.rs` and `main.rs` with `cli/`).
fn file_graph_of(
    sources: Vec<(String, Vec<String>, String)>,
) -> BTreeMap<String, BTreeSet<String>> {
    let binary = |file: &str| file == "main.rs" || file.starts_with("cli/");
    // Parse every file, and leave out the files of test modules.
    let mut parsed = Vec::new();
    let mut test_files = BTreeSet::new();
    for (file, module, text) in sources {
        let (toks, tests) = without_tests(tokens(&text));
        for name in tests {
            let mut test = module.clone();
            test.push(name);
            test_files.insert((binary(&file), test));
        }
        parsed.push((file, module, toks));
    }
    parsed.retain(|(file, module, _)| !test_files.contains(&(binary(file), module.clone())));
    let mut graph = BTreeMap::new();
    for in_binary in [false, true] {
        let crate_files: Vec<_> = parsed
            .iter()
            .filter(|(f, _, _)| binary(f) == in_binary)
            .collect();
        let mut tree = Tree {
            files: BTreeMap::new(),
            aliases: BTreeMap::new(),
        };
        for (file, module, _) in &crate_files {
            tree.files.insert(module.clone(), file.clone());
        }
        let found: Vec<(String, Vec<NamedPath>)> = crate_files
            .iter()
            .map(|(file, module, toks)| (file.clone(), paths(toks, module)))
            .collect();
        // Module aliases first: `use crate::a::b;` and `use crate::a as b;`.
        for (file, paths) in &found {
            for path in paths.iter().filter(|p| p.in_use) {
                if let Some((target, true)) = tree.resolve(path) {
                    let name = path.alias.clone().or_else(|| target.last().cloned());
                    if let Some(name) = name {
                        tree.aliases.insert((file.clone(), name), target);
                    }
                }
            }
        }
        for (file, paths) in &found {
            let edges: &mut BTreeSet<String> = graph.entry(file.clone()).or_default();
            for path in paths {
                let Some((target, _)) = tree.resolve(path) else {
                    continue;
                };
                if let Some(to) = tree.file_of(&target)
                    && to != file
                {
                    edges.insert(to.clone());
                }
            }
        }
    }
    graph
}

fn file_graph() -> BTreeMap<String, BTreeSet<String>> {
    let root = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/src"));
    file_graph_of(sources(root))
}

/// Top-level module -> the top-level modules its files name (the crate roots
/// and the binary's `cli` left out).
fn module_graph() -> BTreeMap<String, BTreeSet<String>> {
    let top = |file: &str| {
        let first = file.split('/').next().unwrap_or(file);
        first.trim_end_matches(".rs").to_string()
    };
    let outside = |m: &str| ["lib", "main", "cli"].contains(&m);
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (from, tos) in file_graph() {
        let from = top(&from);
        if outside(&from) {
            continue;
        }
        for to in tos {
            let to = top(&to);
            if to != from && !outside(&to) {
                graph.entry(from.clone()).or_default().insert(to);
            }
        }
    }
    graph
}

/// The strongly connected components of more than one node (Tarjan): every
/// circle lies within one, and every edge within one lies on a circle.
fn knots(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<BTreeSet<String>> {
    struct State<'a> {
        graph: &'a BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on_stack: BTreeSet<&'a str>,
        out: Vec<BTreeSet<String>>,
    }
    fn visit<'a>(s: &mut State<'a>, node: &'a str) {
        let n = s.index.len();
        s.index.insert(node, n);
        s.low.insert(node, n);
        s.stack.push(node);
        s.on_stack.insert(node);
        for next in s.graph.get(node).into_iter().flatten() {
            let next = next.as_str();
            if !s.index.contains_key(next) {
                visit(s, next);
                let low = s.low[node].min(s.low[next]);
                s.low.insert(node, low);
            } else if s.on_stack.contains(next) {
                let low = s.low[node].min(s.index[next]);
                s.low.insert(node, low);
            }
        }
        if s.low[node] == s.index[node] {
            let mut knot = BTreeSet::new();
            while let Some(top) = s.stack.pop() {
                s.on_stack.remove(top);
                knot.insert(top.to_string());
                if top == node {
                    break;
                }
            }
            if knot.len() > 1 {
                s.out.push(knot);
            }
        }
    }
    let mut state = State {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        out: Vec::new(),
    };
    for node in graph.keys() {
        if !state.index.contains_key(node.as_str()) {
            visit(&mut state, node);
        }
    }
    state.out.sort();
    state.out
}

/// The edges that lie on a circle, each with one circle it closes
/// (`a -> b -> … -> a`).
fn circle_edges(graph: &BTreeMap<String, BTreeSet<String>>) -> BTreeMap<(String, String), String> {
    let mut out = BTreeMap::new();
    for knot in knots(graph) {
        for from in &knot {
            for to in graph[from].iter().filter(|t| knot.contains(*t)) {
                // The shortest way back from `to` to `from`, within the knot.
                let mut came_from: BTreeMap<&str, &str> = BTreeMap::new();
                let mut queue = VecDeque::from([to.as_str()]);
                while let Some(node) = queue.pop_front() {
                    if node == from {
                        break;
                    }
                    for next in graph.get(node).into_iter().flatten() {
                        if knot.contains(next)
                            && next != to
                            && !came_from.contains_key(next.as_str())
                        {
                            came_from.insert(next, node);
                            queue.push_back(next);
                        }
                    }
                }
                let mut back = vec![from.as_str()];
                while let Some(prev) = came_from.get(back.last().unwrap()) {
                    back.push(prev);
                }
                back.reverse();
                let circle = std::iter::once(from.as_str())
                    .chain(back)
                    .collect::<Vec<_>>()
                    .join(" -> ");
                out.insert((from.clone(), to.clone()), circle);
            }
        }
    }
    out
}

/// What the circles of `graph` break of `known`: circles through edges not
/// known, and known edges that lie on no circle any more.
fn judge(graph: &BTreeMap<String, BTreeSet<String>>, known: &[(&str, &str)]) -> Vec<String> {
    let edges = circle_edges(graph);
    let known: BTreeSet<(String, String)> = known
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    let mut problems: Vec<String> = edges
        .iter()
        .filter(|(edge, _)| !known.contains(*edge))
        .map(|((a, b), circle)| format!("new circle through {a} -> {b}: {circle}"))
        .collect();
    problems.extend(
        known
            .iter()
            .filter(|edge| !edges.contains_key(*edge))
            .map(|(a, b)| format!("{a} -> {b} is on no circle now: take it out of KNOWN_CIRCLES")),
    );
    problems
}

#[test]
fn the_files_form_no_circle_but_the_known_ones() {
    let graph = file_graph();
    for knot in knots(&graph) {
        println!(
            "circle of files: {}",
            knot.iter().cloned().collect::<Vec<_>>().join(", ")
        );
    }
    for ((a, b), circle) in circle_edges(&graph) {
        println!("  {a} -> {b}: {circle}");
    }
    let problems = judge(&graph, KNOWN_CIRCLES);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_modules_form_no_circle() {
    let graph = module_graph();
    let circles: Vec<String> = circle_edges(&graph).into_values().collect();
    assert!(circles.is_empty(), "import circles: {circles:#?}");
}

#[test]
fn error_names_only_the_vocabulary_below_it() {
    let graph = module_graph();
    let allowed = [
        // A leaf (jiff only): errors a person reads give times in its human form.
        "clock",
        "duration",
        "email_address",
        // A leaf: the documented exit codes an error kind maps to.
        "exit_code",
        "import_report",
        "otp_kind",
        "password",
        "row_problem",
        "token",
    ];
    for dep in graph.get("error").into_iter().flatten() {
        assert!(allowed.contains(&dep.as_str()), "error.rs depends on {dep}");
    }
}

#[test]
fn the_postgresql_connection_knows_no_store() {
    let graph = module_graph();
    let names = graph.get("pg_connect").cloned().unwrap_or_default();
    for above in ["storage", "manager", "provisioning", "config"] {
        assert!(!names.contains(above), "pg_connect names {above}");
    }
}

/// The command-line files that are not commands: what every command may
/// share. Any other file of `cli/` is a command (it has its `run`), and a
/// command names none of the others: what two commands share lives here.
const CLI_HELPERS: &[&str] = &[
    "access_args",
    "context",
    "exit",
    "field_input",
    "lifecycle_args",
    "mod",
    "output",
    "password_input",
    "password_line",
    "prompt",
    "second_factor_input",
    "superuser_input",
    "token_request",
    "totp_codes",
    "usage_error",
    "user_outcome",
    "values",
];

/// The commands `from` names (each a `cli/` file that is no helper).
fn commands_named(graph: &BTreeMap<String, BTreeSet<String>>, from: &str) -> Vec<String> {
    let command = |file: &str| {
        file.strip_prefix("cli/")
            .and_then(|f| f.strip_suffix(".rs"))
            .is_some_and(|name| !CLI_HELPERS.contains(&name))
    };
    graph
        .get(from)
        .into_iter()
        .flatten()
        .filter(|to| command(to))
        .cloned()
        .collect()
}

#[test]
fn command_files_name_only_shared_helpers_never_each_other() {
    let graph = file_graph();
    let mut found = Vec::new();
    for file in graph.keys().filter(|f| f.starts_with("cli/")) {
        let name = file.trim_start_matches("cli/").trim_end_matches(".rs");
        if CLI_HELPERS.contains(&name) {
            continue;
        }
        for command in commands_named(&graph, file) {
            found.push(format!("{file} names {command}"));
        }
    }
    assert!(found.is_empty(), "{}", found.join("\n"));
    let cli = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/src/cli"));
    for helper in CLI_HELPERS {
        let text = std::fs::read_to_string(cli.join(format!("{helper}.rs"))).unwrap();
        assert!(
            *helper == "mod"
                || !text.contains("pub(crate) fn run(") && !text.contains("pub fn run("),
            "cli/{helper}.rs runs a command: it is no helper"
        );
    }
}

#[test]
fn a_command_naming_another_is_found() {
    let graph = graph_of(&[
        ("cli/export.rs", "use super::import::FormatArg;"),
        ("cli/import.rs", "pub struct FormatArg;"),
        ("cli/show_user.rs", "use super::values::Shown;"),
        ("cli/values.rs", "pub struct Shown;"),
    ]);
    assert_eq!(commands_named(&graph, "cli/export.rs"), ["cli/import.rs"]);
    assert!(commands_named(&graph, "cli/show_user.rs").is_empty());
}

/// The graph of small in-memory sources, as `sources` gives them.
fn graph_of(files: &[(&str, &str)]) -> BTreeMap<String, BTreeSet<String>> {
    let sources = files
        .iter()
        .map(|(file, text)| {
            let mut module: Vec<String> = file
                .trim_end_matches(".rs")
                .split('/')
                .map(str::to_string)
                .collect();
            if module.last().is_some_and(|m| m == "mod") || *file == "lib.rs" {
                module.pop();
            }
            (file.to_string(), module, text.to_string())
        })
        .collect();
    file_graph_of(sources)
}

fn edges(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<String> {
    graph
        .iter()
        .flat_map(|(a, bs)| bs.iter().map(move |b| format!("{a} -> {b}")))
        .collect()
}

#[test]
fn paths_are_read_from_code_not_from_comments_strings_or_tests() {
    let graph = graph_of(&[
        ("lib.rs", "mod a; mod b; mod c; mod d; mod e;"),
        (
            "a.rs",
            r####"
            //! crate::b in a comment /* is no path */
            /* nested /* crate::b */ still a comment */
            use crate::{b::{self, X}, c as see};
            const S: &str = "crate::d";
            const R: &str = r#"}" crate::d "#;
            const C: char = '{';
            fn f<'a>(x: &'a str) -> &'a str { super::e::g(); x }
            #[cfg(test)]
            #[allow(dead_code)]
            mod tests { use crate::d; fn h() { let _ = '}'; } }
            #[cfg(test)]
            mod more;
            "####,
        ),
        ("a/more.rs", "use crate::d;"),
        (
            "b.rs",
            r#"fn f() { println!("{}", self::inner::x()); }
            #[serde(with = "crate::e")]
            struct S;"#,
        ),
        ("c.rs", "pub(crate) use crate::b as bee;"),
        ("d.rs", "fn f() { crate::c::bee::X; }"),
        ("e.rs", "mod inner { fn f() { super::g() } } pub fn g() {}"),
    ]);
    assert_eq!(
        edges(&graph),
        [
            "a.rs -> b.rs",
            "a.rs -> c.rs",
            "a.rs -> e.rs",
            "b.rs -> e.rs",
            "c.rs -> b.rs",
            "d.rs -> b.rs"
        ]
    );
}

#[test]
fn a_new_circle_fails_and_a_known_one_that_went_is_reported() {
    let graph = |edges: &[(&str, &str)]| {
        let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (a, b) in edges {
            graph
                .entry(a.to_string())
                .or_default()
                .insert(b.to_string());
            graph.entry(b.to_string()).or_default();
        }
        graph
    };
    let known = [("a", "b"), ("b", "a")];
    // A known circle, and edges on no circle: nothing to say.
    assert!(
        judge(
            &graph(&[("a", "b"), ("b", "a"), ("b", "c"), ("c", "d")]),
            &known
        )
        .is_empty()
    );
    // A new circle elsewhere.
    let problems = judge(
        &graph(&[("a", "b"), ("b", "a"), ("c", "d"), ("d", "e"), ("e", "c")]),
        &known,
    );
    assert_eq!(
        problems,
        [
            "new circle through c -> d: c -> d -> e -> c",
            "new circle through d -> e: d -> e -> c -> d",
            "new circle through e -> c: e -> c -> d -> e",
        ]
    );
    // A new circle through a known one's files.
    let problems = judge(
        &graph(&[("a", "b"), ("b", "a"), ("b", "c"), ("c", "a")]),
        &known,
    );
    assert_eq!(
        problems,
        [
            "new circle through b -> c: b -> c -> a -> b",
            "new circle through c -> a: c -> a -> b -> c",
        ]
    );
    // A known circle that went.
    let problems = judge(&graph(&[("a", "b")]), &known);
    assert_eq!(
        problems,
        [
            "a -> b is on no circle now: take it out of KNOWN_CIRCLES",
            "b -> a is on no circle now: take it out of KNOWN_CIRCLES"
        ]
    );
}
