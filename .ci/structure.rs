//! Checks of the workspace's module structure, run by CI with every other test.
//!
//! Every crate of the workspace is read from its `src/lib.rs` (and `src/main.rs`) down through
//! its `mod` declarations.
//!
//! - No import cycles: an edge runs from a module file to the module file that defines what it
//!   names through `crate::`, `super::`, `self::` or a child module's path, following `use`
//!   re-exports to where an item really lives. A child naming its ancestors is how Rust nests
//!   modules (handlers beside the actor they serve), so edges up the module tree do not count,
//!   and neither do `#[cfg(test)]` modules; any other loop fails, printed with the names that
//!   tie it.
//! - The README's layout table names every module, so a reader finds any behaviour from it.
//!
//! Run alone: `cargo test --test structure`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

#[test]
fn no_import_cycles_between_modules() {
    let mut report = Vec::new();
    for (entry, graph) in crates() {
        for cycle in graph.cycles() {
            report.push(format!(
                "{entry}: {}",
                graph.describe(&cycle).join("\n    ")
            ));
        }
    }
    assert!(report.is_empty(), "import cycles:\n{}", report.join("\n"));
}

#[test]
fn the_readme_layout_names_every_module() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).expect("README.md");
    let start = readme
        .find("\n## Layout")
        .expect("a Layout section in README.md");
    let section = &readme[start + 1..];
    let section = &section[..section.find("\n## ").unwrap_or(section.len())];
    // Every word inside backticks: `server/` (`boot`, `quit`), `osc/tcp`, `shm/map.rs`.
    let named: BTreeSet<&str> = section
        .split('`')
        .skip(1)
        .step_by(2)
        .flat_map(|quoted| quoted.split(|c: char| !(c.is_alphanumeric() || c == '_')))
        .collect();
    let mut missing = Vec::new();
    for (entry, graph) in crates() {
        for (id, module) in graph.modules.iter().enumerate() {
            let is_file = module.file == id && module.parent.is_some();
            if is_file && !graph.in_tests(id) && !named.contains(module.name.as_str()) {
                missing.push(format!("{} (in {entry})", graph.module_path(id)));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "README.md's Layout section does not name these modules:\n{}",
        missing.join("\n")
    );
}

/// Every crate root of the workspace, by its path from the workspace root, read.
fn crates() -> Vec<(String, Crate)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut crates = Vec::new();
    for member in workspace_members(root) {
        for entry in ["src/lib.rs", "src/main.rs"] {
            let path = root.join(&member).join(entry);
            if path.exists() {
                let name = Path::new(&member).join(entry).display().to_string();
                crates.push((name, Crate::read(&path)));
            }
        }
    }
    assert!(
        crates.len() >= 3,
        "found only {} crate roots under {}",
        crates.len(),
        root.display()
    );
    crates
}

#[test]
fn the_checker_sees_a_cycle() {
    // Two sibling modules that name each other; a third whose child names its parent, and
    // names `a` only from its tests, while `a` reaches that child through a re-export.
    let dir = std::env::temp_dir().join(format!("import-cycles-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("src/c")).unwrap();
    let write = |p: &str, s: &str| std::fs::write(dir.join(p), s).unwrap();
    write("src/lib.rs", "mod a;\nmod b;\nmod c;\npub use a::A;\n");
    write(
        "src/a.rs",
        "use crate::b::B; use crate::c::D; pub struct A(B, D);\n",
    );
    write("src/b.rs", "pub struct B; fn f() -> crate::A { todo!() }\n");
    write("src/c/mod.rs", "mod d; pub use d::D; pub struct C;\n");
    write(
        "src/c/d.rs",
        "use super::C; // crate::a::A in a comment\nconst S: &str = \"crate::b\";\npub struct D;\n\
         #[cfg(test)]\n#[allow(unused)]\nmod tests { use crate::a::A; }\n",
    );
    let graph = Crate::read(&dir.join("src/lib.rs"));
    let cycles = graph.cycles();
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(cycles.len(), 1, "{cycles:?}");
    let names: BTreeSet<_> = cycles[0]
        .iter()
        .map(|&m| graph.modules[m].name.clone())
        .collect();
    assert_eq!(names, BTreeSet::from(["a".to_owned(), "b".to_owned()]));
}

/// Keywords that start an item, which consumes a pending `#[cfg(test)]`.
const ITEMS: [&str; 11] = [
    "mod",
    "fn",
    "use",
    "struct",
    "enum",
    "impl",
    "trait",
    "const",
    "static",
    "type",
    "macro_rules",
];

fn workspace_members(root: &Path) -> Vec<String> {
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).expect("workspace Cargo.toml");
    let start = manifest
        .find("members")
        .expect("a [workspace] members list");
    let list = &manifest[start
        ..manifest[start..]
            .find(']')
            .map_or(manifest.len(), |e| start + e)];
    list.split('"')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

/// One module: a file, or an inline `mod name { … }` inside one (then `file` is its file's module).
struct Module {
    name: String,
    parent: Option<usize>,
    file: usize,
    children: BTreeMap<String, usize>,
    /// Names brought in by `use` (alias → the path as written), for following re-exports.
    imports: BTreeMap<String, Vec<String>>,
    /// Paths this module names, as written.
    paths: Vec<Vec<String>>,
    /// A `#[cfg(test)]` module: tests may reach anywhere, so their paths make no edges.
    test: bool,
}

struct Crate {
    modules: Vec<Module>,
}

impl Crate {
    fn read(root: &Path) -> Crate {
        let mut krate = Crate {
            modules: Vec::new(),
        };
        krate.add_file(root, String::new(), None, root.parent().unwrap().to_owned());
        krate
    }

    /// Reads one module file and, through its `mod x;` lines, the files below it.
    fn add_file(
        &mut self,
        path: &Path,
        name: String,
        parent: Option<usize>,
        dir: PathBuf,
    ) -> usize {
        let text =
            std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let tokens = tokenize(&text);
        let id = self.push(name, parent, None);
        let mut stack = vec![(id, 0usize)]; // (module, brace depth at which it opened)
        let mut depth = 0usize;
        let mut cfg_test = false;
        let mut i = 0;
        while i < tokens.len() {
            let here = stack.last().unwrap().0;
            if tokens[i..].starts_with(&["#", "[", "cfg", "(", "test", ")", "]"].map(String::from))
            {
                cfg_test = true;
                i += 7;
                continue;
            }
            // `#[cfg(test)]` holds until the item it is on (other attributes may come between).
            let test_item = ITEMS.contains(&tokens[i].as_str()) && std::mem::take(&mut cfg_test);
            match tokens[i].as_str() {
                "{" => depth += 1,
                "}" => {
                    depth = depth.saturating_sub(1);
                    if stack.len() > 1 && stack.last().unwrap().1 == depth {
                        stack.pop();
                    }
                }
                "mod" if i + 2 < tokens.len() && is_ident(&tokens[i + 1]) => {
                    let child = tokens[i + 1].clone();
                    if tokens[i + 2] == ";" {
                        // Files of `mod x;` sit in the folder of the file's module (`a.rs` → `a/`).
                        let sub = if here == id {
                            dir.clone()
                        } else {
                            dir.join(&self.modules[here].name)
                        };
                        let (file, subdir) = if sub.join(format!("{child}.rs")).exists() {
                            (sub.join(format!("{child}.rs")), sub.join(&child))
                        } else {
                            (sub.join(&child).join("mod.rs"), sub.join(&child))
                        };
                        let c = self.add_file(&file, child.clone(), Some(here), subdir);
                        self.modules[c].test |= test_item;
                        self.modules[here].children.insert(child, c);
                        i += 3;
                        continue;
                    }
                    if tokens[i + 2] == "{" {
                        let c = self.push(child.clone(), Some(here), Some(id));
                        self.modules[c].test |= test_item;
                        self.modules[here].children.insert(child, c);
                        stack.push((c, depth));
                        depth += 1;
                        i += 3;
                        continue;
                    }
                }
                "use" => {
                    let end = tokens[i..]
                        .iter()
                        .position(|t| t == ";")
                        .map_or(tokens.len(), |e| i + e);
                    let mut out = Vec::new();
                    use_tree(&tokens[i + 1..end], &[], &mut out);
                    for (path, alias) in out {
                        if alias != "_" && alias != "*" && alias != "self" {
                            self.modules[here].imports.insert(alias, path.clone());
                        }
                        self.modules[here].paths.push(path);
                    }
                    i = end + 1;
                    continue;
                }
                t if t == "crate" || t == "super" || t == "self" || t == "$crate" => {
                    let mut path = vec![t.trim_start_matches('$').to_owned()];
                    let mut j = i + 1;
                    while j + 1 < tokens.len() && tokens[j] == "::" && is_ident(&tokens[j + 1]) {
                        path.push(tokens[j + 1].clone());
                        j += 2;
                    }
                    if path.len() > 1 {
                        self.modules[here].paths.push(path);
                    }
                    i = j;
                    continue;
                }
                _ => {}
            }
            i += 1;
        }
        id
    }

    fn push(&mut self, name: String, parent: Option<usize>, file: Option<usize>) -> usize {
        let id = self.modules.len();
        self.modules.push(Module {
            name,
            parent,
            file: file.unwrap_or(id),
            children: BTreeMap::new(),
            imports: BTreeMap::new(),
            paths: Vec::new(),
            test: false,
        });
        id
    }

    /// The file module that defines what `path` names from module `from`, if it is in this crate.
    fn resolve(&self, from: usize, path: &[String], hops: usize) -> Option<usize> {
        if hops > 16 || path.is_empty() {
            return None;
        }
        let mut at = match path[0].as_str() {
            "crate" => 0,
            "self" => from,
            "super" => self.modules[from].parent?,
            first => match self.modules[from].children.get(first) {
                Some(&c) => c,
                None => {
                    let target = self.modules[from].imports.get(first)?;
                    let rest: Vec<String> = target.iter().chain(&path[1..]).cloned().collect();
                    return self.resolve(from, &rest, hops + 1);
                }
            },
        };
        for (k, segment) in path.iter().enumerate().skip(1) {
            if segment == "super" {
                at = self.modules[at].parent?;
            } else if let Some(&c) = self.modules[at].children.get(segment) {
                at = c;
            } else if let Some(target) = self.modules[at].imports.get(segment) {
                let rest: Vec<String> = target.iter().chain(&path[k + 1..]).cloned().collect();
                return self
                    .resolve(at, &rest, hops + 1)
                    .or(Some(self.modules[at].file));
            } else {
                break;
            }
        }
        Some(self.modules[at].file)
    }

    fn in_tests(&self, mut id: usize) -> bool {
        loop {
            if self.modules[id].test {
                return true;
            }
            match self.modules[id].parent {
                Some(p) => id = p,
                None => return false,
            }
        }
    }

    fn is_ancestor(&self, ancestor: usize, mut of: usize) -> bool {
        while let Some(p) = self.modules[of].parent {
            if self.modules[p].file == ancestor {
                return true;
            }
            of = p;
        }
        false
    }

    /// Edges between file modules, each with the names that make it.
    fn edges(&self) -> BTreeMap<(usize, usize), BTreeSet<String>> {
        let mut edges: BTreeMap<(usize, usize), BTreeSet<String>> = BTreeMap::new();
        for (id, module) in self.modules.iter().enumerate() {
            let from = module.file;
            if self.in_tests(id) {
                continue;
            }
            for path in &module.paths {
                let Some(to) = self.resolve(id, path, 0) else {
                    continue;
                };
                if to != from && !self.is_ancestor(to, from) {
                    edges.entry((from, to)).or_default().insert(path.join("::"));
                }
            }
        }
        edges
    }

    /// Strongly connected components of more than one module (Tarjan).
    fn cycles(&self) -> Vec<Vec<usize>> {
        let edges = self.edges();
        let n = self.modules.len();
        let mut next: Vec<Vec<usize>> = vec![Vec::new(); n];
        for &(a, b) in edges.keys() {
            next[a].push(b);
        }
        struct T<'a> {
            next: &'a [Vec<usize>],
            index: Vec<Option<usize>>,
            low: Vec<usize>,
            on: Vec<bool>,
            stack: Vec<usize>,
            count: usize,
            out: Vec<Vec<usize>>,
        }
        fn visit(t: &mut T, v: usize) {
            t.index[v] = Some(t.count);
            t.low[v] = t.count;
            t.count += 1;
            t.stack.push(v);
            t.on[v] = true;
            for &w in t.next[v].clone().iter() {
                match t.index[w] {
                    None => {
                        visit(t, w);
                        t.low[v] = t.low[v].min(t.low[w]);
                    }
                    Some(i) if t.on[w] => t.low[v] = t.low[v].min(i),
                    _ => {}
                }
            }
            if Some(t.low[v]) == t.index[v] {
                let mut scc = Vec::new();
                while let Some(w) = t.stack.pop() {
                    t.on[w] = false;
                    scc.push(w);
                    if w == v {
                        break;
                    }
                }
                if scc.len() > 1 {
                    scc.sort();
                    t.out.push(scc);
                }
            }
        }
        let mut t = T {
            next: &next,
            index: vec![None; n],
            low: vec![0; n],
            on: vec![false; n],
            stack: Vec::new(),
            count: 0,
            out: Vec::new(),
        };
        for v in 0..n {
            if t.index[v].is_none() {
                visit(&mut t, v);
            }
        }
        t.out
    }

    fn module_path(&self, mut id: usize) -> String {
        let mut parts = Vec::new();
        while let Some(p) = self.modules[id].parent {
            parts.push(self.modules[id].name.clone());
            id = p;
        }
        parts.reverse();
        format!("crate::{}", parts.join("::"))
    }

    fn describe(&self, cycle: &[usize]) -> Vec<String> {
        let members: BTreeSet<usize> = cycle.iter().copied().collect();
        let mut lines = vec![format!(
            "cycle of {}",
            cycle
                .iter()
                .map(|&m| self.module_path(m))
                .collect::<Vec<_>>()
                .join(", ")
        )];
        for ((a, b), names) in self.edges() {
            if members.contains(&a) && members.contains(&b) {
                let names: Vec<_> = names.into_iter().collect();
                lines.push(format!(
                    "{} -> {}: {}",
                    self.module_path(a),
                    self.module_path(b),
                    names.join(", ")
                ));
            }
        }
        lines
    }
}

/// Expands a `use` tree into (full path, name it binds).
fn use_tree(tokens: &[String], prefix: &[String], out: &mut Vec<(Vec<String>, String)>) {
    let mut path = prefix.to_vec();
    let mut i = 0;
    while i < tokens.len() {
        match tokens[i].as_str() {
            "{" => {
                let end = matching_brace(tokens, i);
                for part in split_top_level(&tokens[i + 1..end]) {
                    use_tree(part, &path, out);
                }
                return;
            }
            "*" => return out.push((path, "*".into())),
            "as" if i + 1 < tokens.len() => return out.push((path, tokens[i + 1].clone())),
            t if is_ident(t) || t == "$crate" => path.push(t.trim_start_matches('$').to_owned()),
            _ => {}
        }
        i += 1;
    }
    if path.len() > prefix.len() {
        let name = path.last().cloned().unwrap_or_default();
        out.push((path, name));
    }
}

fn matching_brace(tokens: &[String], open: usize) -> usize {
    let mut depth = 0;
    for (k, t) in tokens.iter().enumerate().skip(open) {
        match t.as_str() {
            "{" => depth += 1,
            "}" => {
                depth -= 1;
                if depth == 0 {
                    return k;
                }
            }
            _ => {}
        }
    }
    tokens.len()
}

fn split_top_level(tokens: &[String]) -> Vec<&[String]> {
    let (mut parts, mut start, mut depth) = (Vec::new(), 0, 0);
    for (k, t) in tokens.iter().enumerate() {
        match t.as_str() {
            "{" => depth += 1,
            "}" => depth -= 1,
            "," if depth == 0 => {
                parts.push(&tokens[start..k]);
                start = k + 1;
            }
            _ => {}
        }
    }
    parts.push(&tokens[start..]);
    parts.into_iter().filter(|p| !p.is_empty()).collect()
}

fn is_ident(t: &str) -> bool {
    let mut chars = t.chars();
    matches!(chars.next(), Some(c) if c == '_' || c.is_alphabetic())
        && chars.all(|c| c == '_' || c.is_alphanumeric())
}

/// Identifiers, `::` and single punctuation, with comments, strings and chars left out.
fn tokenize(text: &str) -> Vec<String> {
    let s: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < s.len() {
        let c = s[i];
        let at = |k: usize| s.get(k).copied().unwrap_or('\0');
        if c == '/' && at(i + 1) == '/' {
            while i < s.len() && s[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && at(i + 1) == '*' {
            let mut depth = 0;
            while i < s.len() {
                if s[i] == '/' && at(i + 1) == '*' {
                    depth += 1;
                    i += 2;
                } else if s[i] == '*' && at(i + 1) == '/' {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
        } else if c == 'r'
            && (at(i + 1) == '"' || (at(i + 1) == '#' && matches!(at(i + 2), '"' | '#')))
        {
            let mut hashes = 0;
            i += 1;
            while at(i) == '#' {
                hashes += 1;
                i += 1;
            }
            i += 1;
            loop {
                if i >= s.len() {
                    break;
                }
                if s[i] == '"' && (1..=hashes).all(|h| at(i + h) == '#') {
                    i += 1 + hashes;
                    break;
                }
                i += 1;
            }
        } else if c == '"' {
            i += 1;
            while i < s.len() && s[i] != '"' {
                i += if s[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
        } else if c == '\'' {
            if at(i + 1) == '\\' {
                i += 2;
                while i < s.len() && s[i] != '\'' {
                    i += 1;
                }
                i += 1;
            } else if at(i + 2) == '\'' {
                i += 3;
            } else {
                i += 1; // a lifetime: its name follows as an identifier
            }
        } else if c == '$' || c == '_' || c.is_alphabetic() {
            let start = i;
            i += 1;
            while i < s.len() && (s[i] == '_' || s[i].is_alphanumeric()) {
                i += 1;
            }
            out.push(s[start..i].iter().collect());
        } else if c == ':' && at(i + 1) == ':' {
            out.push("::".into());
            i += 2;
        } else if c.is_whitespace() {
            i += 1;
        } else {
            out.push(c.to_string());
            i += 1;
        }
    }
    out
}
