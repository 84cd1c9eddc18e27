//! The crate's modules form no import circle, and `error.rs` sits at the bottom:
//! it names only leaf vocabulary (`duration`, `otp_kind`, `row_problem`,
//! `import_report`, and the error types of `email_address`, `password` and
//! `token`, none of which leads back to it). This test reads the sources and fails on a new circle.

use std::collections::{BTreeMap, BTreeSet};

/// Top-level module -> the top-level modules its code (not its comments or
/// tests) names through `crate::`.
fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let root = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/src"));
    let modules: BTreeSet<String> = std::fs::read_dir(root)
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().to_string_lossy().into_owned();
            let module = name.strip_suffix(".rs").unwrap_or(&name).to_string();
            (!["lib", "main", "cli"].contains(&module.as_str())).then_some(module)
        })
        .collect();
    let pattern = regex::Regex::new(r"crate::(\w+)").unwrap();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let rel = path.strip_prefix(root).unwrap();
            let top = rel.iter().next().unwrap().to_string_lossy();
            let module = top.strip_suffix(".rs").unwrap_or(&top).to_string();
            if !modules.contains(&module) || path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let code = text.split("#[cfg(test)]").next().unwrap();
            for line in code.lines().filter(|l| !l.trim_start().starts_with("//")) {
                for dep in pattern.captures_iter(line) {
                    let dep = dep[1].to_string();
                    if dep != module && modules.contains(&dep) {
                        graph.entry(module.clone()).or_default().insert(dep);
                    }
                }
            }
        }
    }
    graph
}

#[test]
fn the_modules_form_no_circle() {
    let graph = graph();
    // Depth-first search for a back edge, reporting the circle it closes.
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) {
        if let Some(at) = path.iter().position(|n| n == node) {
            panic!("import circle: {} -> {node}", path[at..].join(" -> "));
        }
        if done.contains(node) {
            return;
        }
        path.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            visit(next, graph, path, done);
        }
        path.pop();
        done.insert(node.to_string());
    }
    let mut done = BTreeSet::new();
    for node in graph.keys() {
        visit(node, &graph, &mut Vec::new(), &mut done);
    }
}

#[test]
fn error_names_only_the_vocabulary_below_it() {
    let graph = graph();
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
