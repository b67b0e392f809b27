//! JSON-LD → RDF → RDFC-1.0 canonical N-Quads: the generic path.
//!
//! This is what `eddsa-rdfc-2022` hashes. It runs the real contexts through `json-ld` 0.21
//! with a **strict expansion policy** (undefined terms, undefined types and `@vocab`-expanded
//! terms are errors, like the JS libraries' "safe mode"), and additionally refuses relative
//! IRIs, which `json-ld` would otherwise drop silently: we expand against a sentinel base
//! IRI and reject any IRI that resolved against it, and every `id`/`@id` in the JSON must be
//! absolute.
//!
//! The processed top-level contexts are cached per allow-listed `@context` list, which
//! halves the cost of the generic path; [`crate::fastpath`] goes much further.
//!
//! Canonicalisation ([`canonicalize`]) issues canonical blank-node labels straight from the
//! first-degree hashes when they are all distinct (the common case, RDFC-1.0 §4.4 step 5)
//! and otherwise runs the full algorithm (§4.8 Hash N-Degree Quads), implemented here to
//! match Digital Bazaar's `rdf-canonize` byte for byte, with dataset-poisoning limits (see
//! [`canonicalize_full`] for why not `sophia_c14n`).

use std::fmt::Write as _;
use std::sync::OnceLock;

use json_ld::expansion::{Action, Expand, Policy};
use json_ld::rdf_types::{self, LiteralType};
use json_ld::syntax::{Parse, TryFromJson};
use json_ld::{BlankIdBuf, Context, IriBuf, Process, RdfQuads, ValidId};
use sha2::{Digest, Sha256};

use crate::contexts::{self, ContextPolicy, EmbeddedLoader};
use crate::{Error, Result};

/// IRI of `xsd:string`, the datatype of plain literals.
pub const XSD_STRING: &str = "http://www.w3.org/2001/XMLSchema#string";
/// IRI of `rdf:langString`.
pub const RDF_LANG_STRING: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString";

/// Base IRI used only to detect relative IRI references (never appears in output).
///
/// json-ld resolves a relative reference against the base, so anything that comes out under
/// this prefix is treated as relative and refused — including an absolute IRI a document
/// spells with this prefix itself. `.invalid` is reserved (RFC 2606) and never names a real
/// resource, so nothing legitimate is lost; [`is_under_sentinel`] lets the fast path refuse
/// the same IRIs, so the two paths agree.
const SENTINEL_BASE: &str = "https://relative-iri.invalid/";

/// Whether `iri` lies under the relative-reference sentinel (see [`SENTINEL_BASE`]).
pub(crate) fn is_under_sentinel(iri: &str) -> bool {
    iri.starts_with(SENTINEL_BASE)
}

/// One RDF term, owned, in the shape the canonicaliser needs.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Term {
    /// An IRI (without angle brackets).
    Iri(String),
    /// A blank node label (without `_:`).
    Blank(String),
    /// A literal; `lang` is set for `rdf:langString`.
    Literal {
        /// Lexical form.
        value: String,
        /// Datatype IRI.
        datatype: String,
        /// Language tag, if any.
        lang: Option<String>,
    },
}

impl Term {
    /// A plain `xsd:string` literal.
    pub fn string(value: impl Into<String>) -> Self {
        Term::Literal { value: value.into(), datatype: XSD_STRING.to_string(), lang: None }
    }

    /// A typed literal.
    pub fn typed(value: impl Into<String>, datatype: impl Into<String>) -> Self {
        Term::Literal { value: value.into(), datatype: datatype.into(), lang: None }
    }

    /// Writes the canonical N-Quads form; `blank` maps a blank label to what to print.
    fn write_nq(&self, out: &mut String, blank: &dyn Fn(&str, &mut String)) {
        match self {
            Term::Iri(i) => {
                out.push('<');
                out.push_str(i);
                out.push('>');
            }
            Term::Blank(b) => {
                out.push_str("_:");
                blank(b, out);
            }
            Term::Literal { value, datatype, lang } => {
                out.push('"');
                escape_literal(value, out);
                out.push('"');
                if let Some(l) = lang {
                    out.push('@');
                    out.extend(l.chars().map(|c| c.to_ascii_lowercase()));
                } else if datatype != XSD_STRING {
                    out.push_str("^^<");
                    out.push_str(datatype);
                    out.push('>');
                }
            }
        }
    }
}

/// Escapes a literal's lexical form as canonical N-Quads does (the same rules as
/// rdf-canonize's `_stringLiteralEscape`).
fn escape_literal(value: &str, out: &mut String) {
    // Most literals need no escape at all: copy them whole.
    if !value.bytes().any(|b| b <= 0x1f || matches!(b, b'"' | b'\\' | 0x7f)) {
        out.push_str(value);
        return;
    }
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\x08' => out.push_str("\\b"),
            '\x0c' => out.push_str("\\f"),
            '\x7f' => out.push_str("\\u007F"),
            c if c <= '\x1f' => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
}

/// One quad: subject, predicate, object, optional graph name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Quad(pub Term, pub Term, pub Term, pub Option<Term>);

impl Quad {
    fn write_nq(&self, out: &mut String, blank: &dyn Fn(&str, &mut String)) {
        self.0.write_nq(out, blank);
        out.push(' ');
        self.1.write_nq(out, blank);
        out.push(' ');
        self.2.write_nq(out, blank);
        out.push(' ');
        if let Some(g) = &self.3 {
            g.write_nq(out, blank);
            out.push(' ');
        }
        out.push_str(".\n");
    }

    fn terms(&self) -> impl Iterator<Item = &Term> {
        [&self.0, &self.1, &self.2].into_iter().chain(self.3.as_ref())
    }
}

/// Serialises quads as (non-canonical) N-Quads, one `\n`-terminated line each.
pub fn to_nquads(quads: &[Quad]) -> String {
    let mut out = String::new();
    for q in quads {
        q.write_nq(&mut out, &|b, o| o.push_str(b));
    }
    out
}

/// True when `s` is an absolute IRI (RFC 3987: a scheme, then `:`).
pub fn is_absolute_iri(s: &str) -> bool {
    let Some((scheme, rest)) = s.split_once(':') else {
        return false;
    };
    let mut chars = scheme.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        && !rest.is_empty()
        && !s.chars().any(|c| c.is_whitespace() || matches!(c, '<' | '>' | '"' | '{' | '}' | '|' | '\\' | '^' | '`'))
}

/// Checks that every `id` / `@id` value in the JSON is an absolute IRI.
///
/// `json-ld` silently drops nodes whose id is relative (a signed credential would then show
/// more than it signs), so we refuse them before signing and when verifying. Blank-node ids
/// (`_:…`) are refused too: our credentials never need them.
pub fn check_absolute_ids(doc: &serde_json::Value) -> Result<()> {
    // The common case first, without building the path of every key (a CLR transcript has
    // tens of thousands); the path is only needed to name a refusal.
    fn ok(v: &serde_json::Value) -> bool {
        match v {
            serde_json::Value::Object(map) => map.iter().all(|(k, val)| match k.as_str() {
                "@context" => true,
                "id" | "@id" => val.as_str().is_some_and(is_absolute_iri),
                _ => ok(val),
            }),
            serde_json::Value::Array(items) => items.iter().all(ok),
            _ => true,
        }
    }
    if ok(doc) {
        return Ok(());
    }
    fn walk(v: &serde_json::Value, path: &mut String) -> Result<()> {
        match v {
            serde_json::Value::Object(map) => {
                for (k, val) in map {
                    if k == "@context" {
                        continue;
                    }
                    let len = path.len();
                    path.push('.');
                    path.push_str(k);
                    if k == "id" || k == "@id" {
                        match val.as_str() {
                            Some(s) if is_absolute_iri(s) => {}
                            Some(s) => {
                                return Err(Error::JsonLd(format!("{path}: `{s}` is not an absolute IRI")));
                            }
                            None => {
                                return Err(Error::JsonLd(format!("{path}: id must be a string")));
                            }
                        }
                    } else {
                        walk(val, path)?;
                    }
                    path.truncate(len);
                }
                Ok(())
            }
            serde_json::Value::Array(items) => items.iter().try_for_each(|i| walk(i, path)),
            _ => Ok(()),
        }
    }
    walk(doc, &mut String::from("$"))
}

/// The strict expansion options (see the module doc). The W3C examples context maps
/// everything else through `@vocab`; only for those test vectors is `@vocab` expansion kept.
fn strict_options(policy: ContextPolicy) -> json_ld::expansion::Options {
    json_ld::expansion::Options {
        processing_mode: json_ld::ProcessingMode::JsonLd1_1,
        ordered: false,
        policy: Policy {
            invalid: Action::Reject,
            vocab: match policy {
                ContextPolicy::OpenBadges => Action::Reject,
                ContextPolicy::W3cExamples => Action::Keep,
            },
            allow_undefined: false,
        },
    }
}

/// The sentinel base as an IRI, for the fast path's embedded contexts.
pub(crate) fn sentinel_base() -> Option<IriBuf> {
    sentinel().ok()
}

fn sentinel() -> Result<IriBuf> {
    IriBuf::new(SENTINEL_BASE.to_string()).map_err(|e| Error::JsonLd(format!("bad base IRI {e}")))
}

type ActiveContext = Context<IriBuf, BlankIdBuf>;

/// The processed active context for an allow-listed `@context` list, computed once.
pub(crate) fn processed_context(list: &'static [&'static str]) -> Result<&'static ActiveContext> {
    type Entry = (&'static [&'static str], std::result::Result<ActiveContext, String>);
    static CACHE: OnceLock<Vec<Entry>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| {
        let mut all: Vec<&'static [&'static str]> = Vec::new();
        for policy in [ContextPolicy::OpenBadges, ContextPolicy::W3cExamples] {
            for l in contexts::allowed_context_lists(policy) {
                if !all.contains(l) {
                    all.push(l);
                }
            }
        }
        all.into_iter().map(|l| (l, process_list(l))).collect()
    });
    match cache.iter().find(|(l, _)| *l == list) {
        Some((_, Ok(ctx))) => Ok(ctx),
        Some((_, Err(e))) => Err(Error::JsonLd(e.clone())),
        None => Err(Error::ContextNotAllowed(format!("{list:?}"))),
    }
}

fn process_list(list: &[&str]) -> std::result::Result<ActiveContext, String> {
    let json = serde_json::Value::from(list.to_vec()).to_string();
    let (value, _) = json_ld::syntax::Value::parse_str(&json).map_err(|e| e.to_string())?;
    let local = json_ld::syntax::context::Context::try_from_json(value).map_err(|e| e.to_string())?;
    let base = sentinel().map_err(|e| e.to_string())?;
    let initial = ActiveContext::new(Some(base.clone()));
    let processed = pollster::block_on(local.process_full(
        &mut (),
        &initial,
        &EmbeddedLoader,
        Some(base),
        json_ld::context_processing::Options::default(),
        (),
    ))
    .map_err(|e| e.to_string())?;
    Ok(processed.processed)
}

/// Expands a JSON-LD document (whose `@context` is allow-listed) to RDF quads, with the
/// strict policy. Blank nodes get arbitrary labels; use [`canonicalize`] next.
///
/// Arguments: `doc` the document (with `@context`, without `proof` for hashing);
/// `policy` the context allow-list.
/// Returns the quads, or an error for undefined terms/types, relative IRIs, bad values.
/// Complexity: linear in the document; ≈1–2 ms for an OBv3 credential (debug: more).
pub fn expand_to_quads(doc: &serde_json::Value, policy: ContextPolicy) -> Result<Vec<Quad>> {
    let list = contexts::check_contexts(doc, policy)?;
    check_absolute_ids(doc)?;
    let active = processed_context(list)?.clone();
    let mut body = doc.clone();
    if let Some(obj) = body.as_object_mut() {
        obj.remove("@context");
    }
    let (value, _) = json_ld::syntax::Value::parse_str(&body.to_string()).map_err(|e| Error::Malformed(e.to_string()))?;
    let base = sentinel()?;
    let mut expanded = pollster::block_on(value.expand_full(&mut (), active, Some(&base), &EmbeddedLoader, strict_options(policy), ()))
        .map_err(|e| Error::JsonLd(e.to_string()))?;
    let mut generator = rdf_types::generator::Blank::new_with_prefix("b".to_string());
    expanded.relabel_and_canonicalize(&mut generator);
    let mut out = Vec::new();
    for rdf_types::Quad(s, p, o, g) in expanded.rdf_quads(&mut generator, None) {
        let quad = Quad(
            id_term(s.as_ref())?,
            id_term(p.as_ref())?,
            match o {
                rdf_types::Term::Id(id) => id_term(&id)?,
                rdf_types::Term::Literal(lit) => literal_term(&lit),
            },
            g.map(id_term).transpose()?,
        );
        out.push(quad);
    }
    Ok(out)
}

fn id_term(id: &ValidId<IriBuf, BlankIdBuf>) -> Result<Term> {
    match id {
        ValidId::Iri(i) => {
            let s = i.as_str();
            if let Some(rel) = s.strip_prefix(SENTINEL_BASE) {
                return Err(Error::JsonLd(format!("relative IRI reference `{rel}`")));
            }
            Ok(Term::Iri(s.to_string()))
        }
        ValidId::Blank(b) => Ok(Term::Blank(b.suffix().to_string())),
    }
}

fn literal_term(lit: &rdf_types::Literal) -> Term {
    match &lit.type_ {
        LiteralType::Any(dt) => Term::Literal { value: lit.value.to_string(), datatype: dt.as_str().to_string(), lang: None },
        LiteralType::LangString(tag) => {
            Term::Literal { value: lit.value.to_string(), datatype: RDF_LANG_STRING.to_string(), lang: Some(tag.as_str().to_string()) }
        }
    }
}

/// RDFC-1.0 canonical N-Quads of a dataset (every line ends with `\n`, lines sorted,
/// duplicates removed).
///
/// Arguments: the quads (blank labels arbitrary).
/// Returns the canonical N-Quads text, or an error if the full algorithm's poisoning limits
/// trip. Complexity: O(q log q) when first-degree hashes are distinct (our credentials);
/// otherwise that of RDFC-1.0's N-degree hashing (bounded, see [`canonicalize_full`]).
pub fn canonicalize(quads: &[Quad]) -> Result<String> {
    canonicalize_inner(quads, false)
}

/// The full RDFC-1.0 algorithm (N-degree hashing for every group of blank nodes whose
/// first-degree hashes collide), exactly as Digital Bazaar's `rdf-canonize` 5 runs it.
///
/// [`canonicalize`] takes a shortcut when all first-degree hashes are distinct and gives the
/// same result; this entry point exists so tests can check that.
///
/// Root cause of the presentation bug this replaces `sophia_c14n` 0.10 for: a presentation
/// holds each credential as a named graph (`_:g`), and every credential of one learner has the
/// same un-hashed name `IdentityObject` (and look-alike `Result`s), so those blank nodes share
/// a first-degree hash and need §4.8 Hash N-Degree Quads. There `sophia_c14n` differs from
/// `rdf-canonize` (the reference implementation, which `@digitalbazaar/vc` uses) in three
/// ways: (1) it de-duplicates the related blank nodes listed under one related hash (§4.8.3
/// step 3.1.2), so a node with four quads in graph `_:g` contributes the path `_:c14n5` instead
/// of `_:c14n5_:c14n5_:c14n5_:c14n5`, giving another hash and another order of canonical labels
/// (found by diffing against jsonld.js: the two `IdentityObject`s swapped labels and the
/// presentation's signature failed in JS); (2) it computes N-degree hashes for nodes that
/// already received a canonical label (§4.4.3 step 5.2.1 says skip them), which can reorder
/// the labels issued in step 5.3; (3) it skips permutations by a shortlex comparison of
/// paths (§4.8.3 step 5.4.4.3 compares lexicographically). We therefore implement §4.8
/// ourselves, mirroring `rdf-canonize` including its Steinhaus–Johnson–Trotter permuter (which
/// is what defines the permutations of a list holding repeats).
///
/// Poisoning limits: like `rdf-canonize`'s default (`maxWorkFactor` 1), Hash N-Degree Quads runs
/// at most once per blank node whose first-degree hash collides (so anything we accept,
/// Digital Bazaar's verifier can canonicalise too); recursion is at most
/// [`MAX_NDEGREE_DEPTH`] deep and at most [`MAX_PERMUTATIONS`] permutations are tried in all.
pub fn canonicalize_full(quads: &[Quad]) -> Result<String> {
    canonicalize_inner(quads, true)
}

/// At most this many permutations in one run of the full algorithm (poisoning limit).
pub const MAX_PERMUTATIONS: usize = 100_000;
/// At most this deep a recursion of Hash N-Degree Quads (keeps the stack bounded).
pub const MAX_NDEGREE_DEPTH: usize = 64;

fn canonicalize_inner(quads: &[Quad], force_full: bool) -> Result<String> {
    // A dataset is a set, so repeated input quads count once. They are not dropped up front
    // (hashing every quad for that cost a quarter of a CLR transcript's canonicalisation):
    // only the quads that mention a blank node enter the hashes, and each node's list is
    // de-duplicated below, where its serialised lines are sorted anyway; the final lines
    // are de-duplicated at the end.
    let quads: Vec<&Quad> = quads.iter().collect();
    let quads = &quads[..];
    // Blank nodes (in order of first appearance, like rdf-canonize) and the quads that
    // mention them. Looked up through a map: a linear scan here made verification quadratic
    // in the number of blank nodes (10k alignments took seconds; issue 9).
    let mut blanks: Vec<(&str, Vec<usize>)> = Vec::new();
    let mut index: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for (i, q) in quads.iter().enumerate() {
        for t in q.terms() {
            if let Term::Blank(b) = t {
                match index.get(b.as_str()) {
                    Some(&at) => {
                        let list = &mut blanks[at].1;
                        if list.last() != Some(&i) {
                            list.push(i);
                        }
                    }
                    None => {
                        index.insert(b.as_str(), blanks.len());
                        blanks.push((b.as_str(), vec![i]));
                    }
                }
            }
        }
    }
    // First-degree hashes (RDFC-1.0 §4.6), indexed like `blanks`.
    let mut first: Vec<[u8; 32]> = Vec::with_capacity(blanks.len());
    // One buffer for all the lines of a node, sorted as spans (no allocation per line).
    let mut buf = String::with_capacity(1 << 12);
    // (start, end, quad index) of each line.
    let mut spans: Vec<(usize, usize, usize)> = Vec::new();
    for (b, qs) in &mut blanks {
        buf.clear();
        spans.clear();
        for i in qs.iter() {
            let start = buf.len();
            quads[*i].write_nq(&mut buf, &|x, o| o.push(if x == *b { 'a' } else { 'z' }));
            spans.push((start, buf.len(), *i));
        }
        // Equal quads give equal lines: sort by line, equal lines by quad, and drop a quad
        // equal to its neighbour (a repeat of the input). Distinct quads with equal lines all
        // stay: RDFC-1.0 §4.6.3 sorts the serialised quads and hashes them all. Two quads can
        // serialise alike once other blank nodes become `_:z` (e.g. two alignments
        // `_:z rdf:type Alignment _:a .` in a presentation's credential graph); dropping one
        // gave a different hash than Digital Bazaar's (found by registry/tests/interop.rs).
        spans.sort_unstable_by(|x, y| buf[x.0..x.1].cmp(&buf[y.0..y.1]).then_with(|| quads[x.2].cmp(quads[y.2])));
        let before = spans.len();
        spans.dedup_by(|x, y| buf[x.0..x.1] == buf[y.0..y.1] && quads[x.2] == quads[y.2]);
        if spans.len() != before {
            // The N-degree hashes walk this list: keep one of each repeated quad.
            qs.clear();
            qs.extend(spans.iter().map(|s| s.2));
            qs.sort_unstable();
        }
        let mut h = Sha256::new();
        for (start, end, _) in &spans {
            h.update(&buf.as_bytes()[*start..*end]);
        }
        first.push(h.finalize().into());
    }
    // Blank indices in the spec's order: by hash (hex order equals byte order), ties in order
    // of first appearance (stable sort), as rdf-canonize lists them.
    let mut order: Vec<usize> = (0..blanks.len()).collect();
    order.sort_by(|a, b| first[*a].cmp(&first[*b]));
    let collide = order.windows(2).any(|w| first[w[0]] == first[w[1]]);
    let canonical: Vec<usize> = if collide || force_full {
        Rdfc10::new(quads, &blanks, &first).run(&order)?
    } else {
        let mut c = vec![0; blanks.len()];
        for (n, b) in order.iter().enumerate() {
            c[*b] = n;
        }
        c
    };
    let label = |x: &str, o: &mut String| match index.get(x) {
        Some(i) => {
            let _ = write!(o, "c14n{}", canonical[*i]);
        }
        None => o.push_str(x),
    };
    // Every line into one buffer, then sorted and de-duplicated as spans of it (one
    // allocation instead of one per quad).
    let mut buf = String::with_capacity(quads.len() * 160);
    let mut spans: Vec<(usize, usize)> = Vec::with_capacity(quads.len());
    for q in quads {
        let start = buf.len();
        q.write_nq(&mut buf, &label);
        spans.push((start, buf.len()));
    }
    let line = |s: &(usize, usize)| &buf[s.0..s.1];
    spans.sort_unstable_by(|x, y| line(x).cmp(line(y)));
    spans.dedup_by(|x, y| line(x) == line(y));
    let mut out = String::with_capacity(buf.len());
    for s in &spans {
        out.push_str(line(s));
    }
    Ok(out)
}

/// An RDFC-1.0 identifier issuer (§4.5) over blank-node indices.
///
/// Sparse: the N-degree algorithm clones its issuers for every permutation and recursion,
/// and they hold only the few nodes issued along one path. A dense table of every blank node
/// made each clone cost the whole dataset — quadratic for a CLR transcript, where each
/// embedded credential's name `IdentityObject` is alike and takes the full algorithm.
#[derive(Clone, Default)]
struct Issuer {
    ids: std::collections::HashMap<usize, usize>,
    /// Blank indices in the order they were issued identifiers.
    order: Vec<usize>,
}

impl Issuer {
    fn new() -> Self {
        Issuer::default()
    }

    fn get(&self, b: usize) -> Option<usize> {
        self.ids.get(&b).copied()
    }

    fn issue(&mut self, b: usize) -> usize {
        let next = self.order.len();
        let i = *self.ids.entry(b).or_insert(next);
        if i == next {
            self.order.push(b);
        }
        i
    }
}

/// rdf-canonize's `Permuter` (Steinhaus–Johnson–Trotter over the list sorted by label, the
/// direction kept per *value*), ported as is so that lists with repeated blank nodes yield
/// the same permutations. `rank` orders blank indices as rdf-canonize orders their labels.
struct Permuter<'r> {
    current: Vec<usize>,
    left: std::collections::HashMap<usize, bool>,
    rank: &'r [usize],
    done: bool,
}

impl<'r> Permuter<'r> {
    fn new(mut list: Vec<usize>, rank: &'r [usize]) -> Self {
        list.sort_by_key(|b| rank[*b]);
        let left = list.iter().map(|b| (*b, true)).collect();
        Permuter { current: list, left, rank, done: false }
    }

    fn next_permutation(&mut self) -> Option<Vec<usize>> {
        if self.done {
            return None;
        }
        let r = self.rank;
        let gt = |a: usize, b: usize| r[a] > r[b];
        let out = self.current.clone();
        let cur = &mut self.current;
        let len = cur.len();
        let mut k: Option<(usize, usize)> = None;
        for i in 0..len {
            let e = cur[i];
            let left = self.left[&e];
            if k.is_none_or(|(kv, _)| gt(e, kv)) && ((left && i > 0 && gt(e, cur[i - 1])) || (!left && i + 1 < len && gt(e, cur[i + 1]))) {
                k = Some((e, i));
            }
        }
        match k {
            None => self.done = true,
            Some((kv, pos)) => {
                let swap = if self.left[&kv] { pos - 1 } else { pos + 1 };
                cur[pos] = cur[swap];
                cur[swap] = kv;
                // Toggled once per occurrence, as rdf-canonize does.
                for &e in cur.iter() {
                    if gt(e, kv) {
                        let d = self.left.entry(e).or_insert(true);
                        *d = !*d;
                    }
                }
            }
        }
        Some(out)
    }
}

/// State of the full RDFC-1.0 algorithm (§4.4) over de-duplicated quads.
struct Rdfc10<'a> {
    quads: &'a [&'a Quad],
    blanks: &'a [(&'a str, Vec<usize>)],
    index: std::collections::HashMap<&'a str, usize>,
    /// First-degree hashes in lower-case hex.
    first_hex: Vec<String>,
    /// Position of each blank node's label in rdf-canonize's (UTF-16) label order.
    rank: Vec<usize>,
    canonical: Issuer,
    deep_left: std::cell::Cell<usize>,
    permutations_left: std::cell::Cell<usize>,
}

impl<'a> Rdfc10<'a> {
    fn new(quads: &'a [&'a Quad], blanks: &'a [(&'a str, Vec<usize>)], first: &[[u8; 32]]) -> Self {
        let mut by_label: Vec<usize> = (0..blanks.len()).collect();
        by_label.sort_by(|a, b| blanks[*a].0.encode_utf16().cmp(blanks[*b].0.encode_utf16()));
        let mut rank = vec![0; blanks.len()];
        for (r, b) in by_label.into_iter().enumerate() {
            rank[b] = r;
        }
        Rdfc10 {
            quads,
            blanks,
            index: blanks.iter().enumerate().map(|(i, (b, _))| (*b, i)).collect(),
            first_hex: first.iter().map(|h| hex_lower(h)).collect(),
            rank,
            canonical: Issuer::new(),
            deep_left: std::cell::Cell::new(0),
            permutations_left: std::cell::Cell::new(MAX_PERMUTATIONS),
        }
    }

    /// §4.4.3 steps 4–6; `order` lists blank indices by first-degree hash. Returns the
    /// canonical number of each blank node.
    fn run(mut self, order: &[usize]) -> Result<Vec<usize>> {
        let mut groups: Vec<&[usize]> = Vec::new();
        for group in order.chunk_by(|a, b| self.first_hex[*a] == self.first_hex[*b]) {
            if let [single] = group {
                self.canonical.issue(*single);
            } else {
                groups.push(group);
            }
        }
        // rdf-canonize's default maxWorkFactor 1: one N-degree run per non-unique node.
        self.deep_left.set(groups.iter().map(|g| g.len()).sum());
        for group in groups {
            let mut results: Vec<([u8; 32], Issuer)> = Vec::new();
            for &b in group {
                if self.canonical.get(b).is_some() {
                    continue;
                }
                let mut issuer = Issuer::new();
                issuer.issue(b);
                results.push(self.hash_n_degree(b, &issuer, 0)?);
            }
            results.sort_by_key(|r| r.0);
            for (_, issuer) in results {
                for b in issuer.order {
                    self.canonical.issue(b);
                }
            }
        }
        (0..self.blanks.len())
            .map(|b| self.canonical.get(b).ok_or_else(|| Error::Canonicalization("blank node without a label".into())))
            .collect()
    }

    /// §4.7 Hash Related Blank Node.
    fn hash_related(&self, related: usize, quad: &Quad, issuer: &Issuer, position: &str) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(position.as_bytes());
        if position != "g" {
            let p = match &quad.1 {
                Term::Iri(s) | Term::Blank(s) => s.as_str(),
                Term::Literal { value, .. } => value.as_str(),
            };
            h.update(b"<");
            h.update(p.as_bytes());
            h.update(b">");
        }
        if let Some(c) = self.canonical.get(related) {
            h.update(format!("_:c14n{c}").as_bytes());
        } else if let Some(i) = issuer.get(related) {
            h.update(format!("_:b{i}").as_bytes());
        } else {
            h.update(self.first_hex[related].as_bytes());
        }
        h.finalize().into()
    }

    /// §4.8 Hash N-Degree Quads, as rdf-canonize 5 implements it.
    fn hash_n_degree(&self, id: usize, issuer: &Issuer, depth: usize) -> Result<([u8; 32], Issuer)> {
        let left = self.deep_left.get();
        if left == 0 || depth > MAX_NDEGREE_DEPTH {
            return Err(Error::Canonicalization("RDFC-1.0: too many N-degree hash iterations (dataset poisoning?)".into()));
        }
        self.deep_left.set(left - 1);
        // Steps 1–3: related hash → related blank nodes, *with* repeats (one entry per quad
        // and position, as rdf-canonize keeps them; see `canonicalize_full`).
        let mut related: std::collections::BTreeMap<[u8; 32], Vec<usize>> = std::collections::BTreeMap::new();
        for &qi in &self.blanks[id].1 {
            let q = self.quads[qi];
            for (t, position) in [(Some(&q.0), "s"), (Some(&q.2), "o"), (q.3.as_ref(), "g")] {
                if let Some(Term::Blank(b)) = t {
                    let r = self.index[b.as_str()];
                    if r != id {
                        related.entry(self.hash_related(r, q, issuer, position)).or_default().push(r);
                    }
                }
            }
        }
        let mut md = Sha256::new();
        let mut issuer = issuer.clone();
        for (hash, list) in related {
            md.update(hex_lower(&hash).as_bytes());
            let mut chosen_path = String::new();
            let mut chosen_issuer: Option<Issuer> = None;
            let mut permuter = Permuter::new(list, &self.rank);
            'perm: while let Some(permutation) = permuter.next_permutation() {
                let budget = self.permutations_left.get();
                if budget == 0 {
                    return Err(Error::Canonicalization("RDFC-1.0: too many permutations (dataset poisoning?)".into()));
                }
                self.permutations_left.set(budget - 1);
                let mut copy = issuer.clone();
                let mut path = String::new();
                let mut recursion = Vec::new();
                for r in permutation {
                    if let Some(c) = self.canonical.get(r) {
                        let _ = write!(path, "_:c14n{c}");
                    } else {
                        if copy.get(r).is_none() {
                            recursion.push(r);
                        }
                        let _ = write!(path, "_:b{}", copy.issue(r));
                    }
                    // Lexicographic only: a path already greater stays greater when extended.
                    if !chosen_path.is_empty() && path > chosen_path {
                        continue 'perm;
                    }
                }
                for r in recursion {
                    let (h, next) = self.hash_n_degree(r, &copy, depth + 1)?;
                    let _ = write!(path, "_:b{}<{}>", copy.issue(r), hex_lower(&h));
                    copy = next;
                    if !chosen_path.is_empty() && path > chosen_path {
                        continue 'perm;
                    }
                }
                if chosen_path.is_empty() || path < chosen_path {
                    chosen_path = path;
                    chosen_issuer = Some(copy);
                }
            }
            md.update(chosen_path.as_bytes());
            if let Some(c) = chosen_issuer {
                issuer = c;
            }
        }
        Ok((md.finalize().into(), issuer))
    }
}

/// Lower-case hex of bytes.
pub(crate) fn hex_lower(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[usize::from(b >> 4)] as char);
        s.push(DIGITS[usize::from(b & 15)] as char);
    }
    s
}

/// Canonical N-Quads of a JSON-LD document via the generic path.
///
/// Arguments: `doc` with an allow-listed `@context`; `policy` the allow-list.
/// Returns the RDFC-1.0 canonical form that `eddsa-rdfc-2022` hashes.
pub fn canonical_nquads(doc: &serde_json::Value, policy: ContextPolicy) -> Result<String> {
    canonicalize(&expand_to_quads(doc, policy)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absolute_iri_detection() {
        assert!(is_absolute_iri("urn:uuid:1234"));
        assert!(is_absolute_iri("did:key:z6Mk"));
        assert!(is_absolute_iri("https://a.example/x"));
        assert!(!is_absolute_iri("achievements/3"));
        assert!(!is_absolute_iri("_:b0"));
        assert!(!is_absolute_iri("1abc:x"));
        assert!(!is_absolute_iri("urn:"));
    }

    #[test]
    fn colliding_first_degree_hashes_take_the_full_algorithm() {
        // Two blank nodes with identical surroundings force the full algorithm.
        let q = |s: &str, o: &str| Quad(Term::Blank(s.into()), Term::Iri("urn:p".into()), Term::string(o), None);
        let quads = vec![q("x", "same"), q("y", "same")];
        let c = canonicalize(&quads).expect("canon");
        assert_eq!(c, "_:c14n0 <urn:p> \"same\" .\n_:c14n1 <urn:p> \"same\" .\n");
    }

    #[test]
    fn repeated_related_blank_nodes_count_like_rdf_canonize() {
        // Two credential graphs, each holding a look-alike node with two quads in its graph:
        // from `_:x` the graph `_:g1` is related twice under one hash, and rdf-canonize keeps
        // both (path `_:c14n3_:c14n3`). Expected output: rdf-canonize 5.0.0's
        // `canonize(input, {algorithm: 'RDFC-1.0', inputFormat: 'application/n-quads'})`.
        // (Here the labels happen to come out alike either way; `tests/vp_canon.rs`'s
        // two-credential vector is the case where dropping the repeat changes them.)
        let b = |s: &str| Term::Blank(s.into());
        let i = |s: &str| Term::Iri(s.into());
        let quads = vec![
            Quad(i("urn:vp"), i("urn:vc"), b("g1"), None),
            Quad(i("urn:vp"), i("urn:vc"), b("g2"), None),
            Quad(i("urn:c1"), i("urn:id"), b("x"), Some(b("g1"))),
            Quad(b("x"), i("urn:name"), Term::string("Li"), Some(b("g1"))),
            Quad(b("x"), i("urn:kind"), Term::string("name"), Some(b("g1"))),
            Quad(i("urn:c2"), i("urn:id"), b("y"), Some(b("g2"))),
            Quad(b("y"), i("urn:name"), Term::string("Li"), Some(b("g2"))),
            Quad(b("y"), i("urn:kind"), Term::string("name"), Some(b("g2"))),
        ];
        let expected = "<urn:c1> <urn:id> _:c14n0 _:c14n3 .\n\
                        <urn:c2> <urn:id> _:c14n1 _:c14n2 .\n\
                        <urn:vp> <urn:vc> _:c14n2 .\n\
                        <urn:vp> <urn:vc> _:c14n3 .\n\
                        _:c14n0 <urn:kind> \"name\" _:c14n3 .\n\
                        _:c14n0 <urn:name> \"Li\" _:c14n3 .\n\
                        _:c14n1 <urn:kind> \"name\" _:c14n2 .\n\
                        _:c14n1 <urn:name> \"Li\" _:c14n2 .\n";
        assert_eq!(canonicalize(&quads).expect("canon"), expected);
    }

    #[test]
    fn repeated_input_quads_count_once() {
        // A dataset is a set: a repeated quad must not change any first-degree hash. With a
        // repeat counted twice, `_:x`'s hash would change and, for about half of these
        // values, so would which node is `_:c14n0`.
        let q = |s: &str, o: &str| Quad(Term::Blank(s.into()), Term::Iri("urn:p".into()), Term::string(o), None);
        for c in 'a'..='z' {
            let (x, y) = (c.to_string(), format!("{c}{c}"));
            let once = canonicalize(&[q("x", &x), q("y", &y)]).expect("canon");
            let twice = canonicalize(&[q("x", &x), q("x", &x), q("y", &y)]).expect("canon");
            assert_eq!(once, twice, "value {x}");
            assert_eq!(canonicalize_full(&[q("x", &x), q("y", &y), q("x", &x)]).expect("canon"), once);
        }
    }

    #[test]
    fn permuter_matches_rdf_canonize_with_repeats() {
        // rdf-canonize's Permuter on [a, a, b] yields the three distinct orders.
        let rank = [0, 1];
        let mut p = Permuter::new(vec![1, 0, 0], &rank);
        let mut all = Vec::new();
        while let Some(x) = p.next_permutation() {
            all.push(x);
        }
        assert_eq!(all, vec![vec![0, 0, 1], vec![0, 1, 0], vec![1, 0, 0]]);
    }
}
