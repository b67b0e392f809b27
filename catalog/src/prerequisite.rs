//! Prerequisite cycles: the one check that course prerequisites can be satisfied in some
//! order.
//!
//! It lives in the catalog, not in the matching engine, because it must run where there is
//! no skills graph: validating a course on create/update and a course CSV before anything
//! is stored. The matching engine calls it too when its own topological sort fails, so the
//! API, the importer and the snapshot name the same courses in the same order.

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::fmt;

use petgraph::algo::tarjan_scc;
use petgraph::graphmap::DiGraphMap;
use serde::Serialize;

/// Courses that require each other in a loop, so no learner could ever take any of them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PrerequisiteCycle {
    /// One shortest loop, starting at the smallest code on it: `path[0]` requires
    /// `path[1]`, …, and the last requires `path[0]` again. A course that lists itself is a
    /// path of one.
    pub path: Vec<String>,
    /// Every course caught in this knot (its strongly connected component), sorted: each
    /// lies on some loop, though not necessarily on `path`.
    pub courses: Vec<String>,
}

impl fmt::Display for PrerequisiteCycle {
    /// `A → B → C → A`, the form every error message about a cycle uses.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for c in &self.path {
            write!(f, "{c} → ")?;
        }
        f.write_str(self.path.first().map_or("", String::as_str))
    }
}

/// Finds every prerequisite cycle among `edges`, each given as `(course, prerequisite)`.
///
/// Course identifiers are opaque: the registry's course codes, or `CODE@VERSION` keys in
/// the matching snapshot. Edges to courses that never appear as a `course` are fine (they
/// cannot close a loop).
///
/// # Arguments
/// * `edges`: `(course, prerequisite)` pairs; duplicates are harmless.
///
/// # Returns
/// One [`PrerequisiteCycle`] per strongly connected component that contains a loop (size
/// above one, or a course listing itself), sorted by their first code. Empty when some
/// order satisfies every prerequisite.
///
/// # Complexity
/// O(V + E) for Tarjan's strongly connected components (petgraph's `tarjan_scc`), plus a
/// breadth-first search inside each cyclic component for the shortest loop.
///
/// # Example
/// ```
/// use rongtong_catalog::prerequisite_cycles;
/// let edges = [("ZNZZ-02", "ZNZZ-01"), ("ZNZZ-01", "ZNZZ-03"), ("ZNZZ-03", "ZNZZ-02"), ("ZNZZ-04", "ZNZZ-02")];
/// let cycles = prerequisite_cycles(edges);
/// assert_eq!(cycles.len(), 1);
/// assert_eq!(cycles[0].to_string(), "ZNZZ-01 → ZNZZ-03 → ZNZZ-02 → ZNZZ-01");
/// assert!(prerequisite_cycles([("B", "A"), ("C", "B")]).is_empty());
/// ```
pub fn prerequisite_cycles<'a>(edges: impl IntoIterator<Item = (&'a str, &'a str)>) -> Vec<PrerequisiteCycle> {
    let mut g: DiGraphMap<&str, ()> = DiGraphMap::new();
    for (course, prerequisite) in edges {
        g.add_edge(course, prerequisite, ());
    }
    let mut out: Vec<PrerequisiteCycle> = Vec::new();
    for scc in tarjan_scc(&g) {
        let looped = scc.len() > 1 || scc.first().is_some_and(|&c| g.contains_edge(c, c));
        if !looped {
            continue;
        }
        let members: BTreeSet<&str> = scc.iter().copied().collect();
        let Some(&start) = members.first() else { continue };
        out.push(PrerequisiteCycle {
            path: shortest_loop(&g, &members, start).into_iter().map(str::to_string).collect(),
            courses: members.iter().map(|c| c.to_string()).collect(),
        });
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

/// The shortest loop from `start` back to itself inside one strongly connected component
/// (breadth-first, neighbours in code order, so the answer is deterministic).
fn shortest_loop<'a>(g: &DiGraphMap<&'a str, ()>, members: &BTreeSet<&'a str>, start: &'a str) -> Vec<&'a str> {
    if g.contains_edge(start, start) {
        return vec![start];
    }
    let sorted_next = |c: &'a str| {
        let mut v: Vec<&'a str> = g.neighbors(c).filter(|n| members.contains(n)).collect();
        v.sort_unstable();
        v
    };
    let mut parent: HashMap<&'a str, &'a str> = HashMap::new();
    let mut queue: VecDeque<&'a str> = VecDeque::from([start]);
    while let Some(c) = queue.pop_front() {
        for n in sorted_next(c) {
            if n == start {
                let mut path = vec![c];
                let mut at = c;
                while let Some(&p) = parent.get(at) {
                    path.push(p);
                    at = p;
                }
                path.reverse();
                return path;
            }
            if n != start && !parent.contains_key(n) {
                parent.insert(n, c);
                queue.push_back(n);
            }
        }
    }
    // Unreachable for a strongly connected component; the component itself is still a
    // truthful answer.
    members.iter().copied().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn self_loop_and_two_knots() {
        let cycles = prerequisite_cycles([("X", "X"), ("A", "B"), ("B", "A"), ("C", "A"), ("P", "Q"), ("Q", "R"), ("R", "P"), ("R", "Q")]);
        let paths: Vec<String> = cycles.iter().map(ToString::to_string).collect();
        assert_eq!(paths, ["A → B → A", "P → Q → R → P", "X → X"]);
        assert_eq!(cycles[1].courses, ["P", "Q", "R"]);
    }

    #[test]
    fn acyclic_is_empty() {
        assert!(
            prerequisite_cycles([("ZNZZ-02", "ZNZZ-01"), ("ZNZZ-03", "ZNZZ-01"), ("ZNZZ-04", "ZNZZ-02"), ("ZNZZ-04", "ZNZZ-03")])
                .is_empty()
        );
        assert!(prerequisite_cycles(std::iter::empty()).is_empty());
    }

    proptest! {
        /// Edges only from a larger to a smaller number can never loop; adding one edge back
        /// up the chain always does, and the reported path is a real loop of the input.
        #[test]
        fn agrees_with_order(n in 2usize..12, extra in proptest::collection::vec((0usize..12, 0usize..12), 0..30), back in (0usize..12, 0usize..12)) {
            let names: Vec<String> = (0..n).map(|i| format!("C{i:02}")).collect();
            let mut edges: Vec<(usize, usize)> = extra.into_iter().filter(|(a, b)| a < &n && b < &n && a > b).collect();
            edges.extend((1..n).map(|i| (i, i - 1)));
            let as_str = |e: &[(usize, usize)]| e.iter().map(|&(a, b)| (names[a].as_str(), names[b].as_str())).collect::<Vec<_>>();
            prop_assert!(prerequisite_cycles(as_str(&edges)).is_empty());
            let (x, y) = (back.0 % n, back.1 % n);
            let (lo, hi) = (x.min(y), x.max(y));
            edges.push((lo, hi));
            let pairs = as_str(&edges);
            let cycles = prerequisite_cycles(pairs.iter().copied());
            prop_assert_eq!(cycles.len(), 1);
            let p = &cycles[0].path;
            for (i, c) in p.iter().enumerate() {
                let next = &p[(i + 1) % p.len()];
                prop_assert!(pairs.contains(&(c.as_str(), next.as_str())), "{} → {} is not an edge", c, next);
            }
        }
    }
}
