//! The fast path: our own JSON-LD expansion for the allow-listed contexts, straight to quads.
//!
//! The generic path (json-ld 0.21) re-processes every type-scoped context each time a node
//! of that type appears — for an OBv3 credential that is most of its ≈1–2 ms. Here the
//! processed contexts (top-level, type-scoped, property-scoped, "previous") are computed once
//! by json-ld itself and cached in an arena keyed by how they were derived; the document is
//! then walked once, looking terms up in those contexts and emitting quads directly.
//!
//! It implements only the subset of JSON-LD 1.1 expansion and RDF conversion that the
//! `[VC v2, OB 3.0.3]` (and CLR 2.0) contexts and our documents use: node objects,
//! `@id`/`@type` aliases, `@set` and no containers, type- and property-scoped contexts (with
//! the non-propagation revert rule), `@id`/`@vocab`/datatype coercion, strings, booleans and
//! finite numbers (integers as `xsd:integer` lexical forms, others in json-ld's canonical
//! double form, e.g. `creditsAvailable: 1.5` → `"1.5E0"^^xsd:float`); and, for credentials
//! embedded in a CLR transcript, a nested `@context` that is an allow-listed list of URLs and
//! the plain `@graph` container of their `proof` (each node in its own blank-named graph).
//! **Anything else makes it return `None`** — other nested `@context`s, value objects,
//! `@list`, other graph containers, `@json`, language or direction defaults, reverse properties,
//! non-finite numbers, undefined terms, relative or odd IRIs, a key that is an IRI — and
//! the caller falls back to the generic path, which also produces the precise error.
//! So the fast path never accepts what the generic path would reject; a property test
//! (`tests/fastpath.rs`) checks that both give identical canonical N-Quads.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock, RwLock};

use json_ld::context_processing::Options as ProcOptions;
use json_ld::syntax::{Parse, TryFromJson};
use json_ld::{BlankIdBuf, Context, Id, IriBuf, Process, ValidId};
use serde_json::{Map, Value};

use crate::canon::{self, Quad, Term};
use crate::contexts::EmbeddedLoader;

type Ctx = Context<IriBuf, BlankIdBuf>;
type CtxId = usize;

const RDF_TYPE: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type";
const XSD_BOOLEAN: &str = "http://www.w3.org/2001/XMLSchema#boolean";
const XSD_INTEGER: &str = "http://www.w3.org/2001/XMLSchema#integer";
const XSD_DOUBLE: &str = "http://www.w3.org/2001/XMLSchema#double";

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Derivation {
    /// The context before a non-propagated (type-scoped) context.
    Previous,
    /// A type-scoped context: term looked up in `lookup`, processed on top of the key's ctx.
    Type { lookup: CtxId, term: String },
    /// A property-scoped context for a node value: term's definition taken from `from`.
    PropertyNode { from: CtxId, term: String },
    /// A property-scoped context for a scalar value.
    PropertyScalar { term: String },
    /// An embedded `@context` (an allow-listed list of URLs, e.g. the `[VC v2, OB 3.0.3]` of
    /// a credential inside a CLR transcript), processed on top of the active context.
    Embedded { list: &'static [&'static str] },
}

#[derive(Default)]
struct Arena {
    contexts: Vec<Arc<Ctx>>,
    roots: HashMap<Vec<&'static str>, CtxId>,
    derived: HashMap<(CtxId, Derivation), Option<CtxId>>,
}

fn arena() -> &'static RwLock<Arena> {
    static ARENA: OnceLock<RwLock<Arena>> = OnceLock::new();
    ARENA.get_or_init(|| RwLock::new(Arena::default()))
}

fn ctx(id: CtxId) -> Option<Arc<Ctx>> {
    arena().read().ok()?.contexts.get(id).cloned()
}

fn root(list: &'static [&'static str]) -> Option<CtxId> {
    if let Some(id) = arena().read().ok()?.roots.get(list) {
        return Some(*id);
    }
    let processed = canon::processed_context(list).ok()?.clone();
    let mut a = arena().write().ok()?;
    if let Some(id) = a.roots.get(list) {
        return Some(*id);
    }
    let id = a.contexts.len();
    a.contexts.push(Arc::new(processed));
    a.roots.insert(list.to_vec(), id);
    Some(id)
}

/// The context derived from `base` by `d`, computed with json-ld once and then cached.
fn derive(base: CtxId, d: Derivation) -> Option<CtxId> {
    let key = (base, d);
    if let Some(hit) = arena().read().ok()?.derived.get(&key) {
        return *hit;
    }
    let computed = compute(base, &key.1);
    let mut a = arena().write().ok()?;
    if let Some(hit) = a.derived.get(&key) {
        return *hit;
    }
    let id = computed.map(|c| {
        let id = a.contexts.len();
        a.contexts.push(Arc::new(c));
        id
    });
    a.derived.insert(key, id);
    id
}

fn compute(base: CtxId, d: &Derivation) -> Option<Ctx> {
    let active = ctx(base)?;
    let opts = ProcOptions::default();
    let (local, base_url, opts) = match d {
        Derivation::Previous => return active.previous_context().cloned(),
        Derivation::Type { lookup, term } => {
            let lookup = ctx(*lookup)?;
            let def = lookup.get(term.as_str())?;
            (def.context()?.clone(), def.base_url().cloned(), opts.without_propagation())
        }
        Derivation::PropertyNode { from, term } => {
            let from = ctx(*from)?;
            let def = from.get(term.as_str())?;
            (def.context()?.clone(), def.base_url().cloned(), opts.with_override())
        }
        Derivation::PropertyScalar { term } => {
            let def = active.get(term.as_str())?;
            (def.context()?.clone(), def.base_url().cloned(), opts)
        }
        Derivation::Embedded { list } => {
            // Exactly what the generic path does with a nested `@context`: the same JSON,
            // processed against the document's (sentinel) base.
            let json = serde_json::Value::from(list.to_vec()).to_string();
            let (value, _) = json_ld::syntax::Value::parse_str(&json).ok()?;
            let local = json_ld::syntax::context::Context::try_from_json(value).ok()?;
            (local, Some(canon::sentinel_base()?), opts)
        }
    };
    pollster::block_on(local.process_full(&mut (), &active, &EmbeddedLoader, base_url, opts, ())).ok().map(|p| p.processed)
}

/// What a key of a node object means in the active context.
enum Key<'a> {
    Id,
    Type,
    Property(&'a str, TermDef<'a>),
}

fn expand_key<'a>(c: &'a Ctx, key: &str) -> Option<Key<'a>> {
    match key {
        "@id" => return Some(Key::Id),
        "@type" => return Some(Key::Type),
        _ if key.starts_with('@') || key.is_empty() => return None,
        _ => {}
    }
    let def = c.get(key)?;
    match def.value()? {
        json_ld::Term::Keyword(json_ld::syntax::Keyword::Id) => Some(Key::Id),
        json_ld::Term::Keyword(json_ld::syntax::Keyword::Type) => Some(Key::Type),
        json_ld::Term::Id(Id::Valid(ValidId::Iri(iri))) => Some(Key::Property(iri.as_str(), def)),
        _ => None,
    }
}

/// An IRI value we can pass through unchanged: absolute, valid, no dot segments, and not a
/// compact IRI whose prefix is a term (json-ld would expand it).
fn plain_iri(c: &Ctx, s: &str) -> Option<Term> {
    if !canon::is_absolute_iri(s) || json_ld::iref::Iri::new(s).is_err() {
        return None;
    }
    let (prefix, _) = s.split_once(':')?;
    if c.get(prefix).is_some() {
        return None;
    }
    let path = s.split(['?', '#']).next().unwrap_or_default();
    if path.contains("/./") || path.contains("/../") || path.ends_with("/.") || path.ends_with("/..") {
        return None;
    }
    Some(Term::Iri(s.to_string()))
}

/// IRI expansion with `vocab = true` (types, `@vocab`-typed values).
fn vocab_iri(c: &Ctx, s: &str) -> Option<Term> {
    if let Some(def) = c.get(s) {
        return match def.value()? {
            json_ld::Term::Id(Id::Valid(ValidId::Iri(iri))) => Some(Term::Iri(iri.as_str().to_string())),
            _ => None,
        };
    }
    if c.vocabulary().is_some() {
        return None;
    }
    plain_iri(c, s)
}

struct Expander {
    quads: Vec<Quad>,
    blanks: usize,
    /// A top-level key to leave out (`proof`, when hashing a secured document in place).
    skip_top: Option<&'static str>,
    /// Contexts already fetched from the arena during this document (no lock, no clone).
    local: Vec<(CtxId, Arc<Ctx>)>,
}

impl Expander {
    fn ctx(&mut self, id: CtxId) -> Option<Arc<Ctx>> {
        if let Some((_, c)) = self.local.iter().find(|(i, _)| *i == id) {
            return Some(c.clone());
        }
        let c = ctx(id)?;
        self.local.push((id, c.clone()));
        Some(c)
    }

    fn fresh(&mut self) -> Term {
        self.blanks += 1;
        Term::Blank(format!("f{}", self.blanks))
    }

    /// Expands a node object into the graph `graph` (`None`: the default graph); returns
    /// its subject term.
    fn node(&mut self, obj: &Map<String, Value>, incoming: CtxId, property: Option<&str>, graph: Option<&Term>) -> Option<Term> {
        // The top-level `@context` (property None) was checked and is the root context. A
        // nested one is taken only when it is an allow-listed list of URLs (an embedded
        // credential's `[VC v2, OB 3.0.3]`).
        let embedded = match (property, obj.get("@context")) {
            (Some(_), Some(c)) => Some(allow_listed(c)?),
            _ => None,
        };
        let incoming_ctx = self.ctx(incoming)?;
        // Revert a non-propagated context, unless the object is a bare reference {id}.
        let only_id = property.is_some()
            && obj.len() == 1
            && obj.keys().next().and_then(|k| expand_key(&incoming_ctx, k)).is_some_and(|k| matches!(k, Key::Id));
        let mut active = incoming;
        if incoming_ctx.previous_context().is_some() && !only_id {
            active = derive(incoming, Derivation::Previous)?;
        }
        if let Some(term) = property
            && incoming_ctx.get(term)?.context().is_some()
        {
            active = derive(active, Derivation::PropertyNode { from: incoming, term: term.to_string() })?;
        }
        if let Some(list) = embedded {
            active = derive(active, Derivation::Embedded { list })?;
        }
        // Type-scoped contexts, keys and values in lexicographic order.
        let type_scoped = active;
        let type_scoped_ctx = self.ctx(type_scoped)?;
        let mut type_keys: Vec<&String> = obj.keys().filter(|k| matches!(expand_key(&type_scoped_ctx, k), Some(Key::Type))).collect();
        type_keys.sort();
        let mut type_terms: Vec<&str> = Vec::new();
        for k in &type_keys {
            match &obj[k.as_str()] {
                Value::String(s) => type_terms.push(s),
                Value::Array(a) => {
                    for t in a {
                        type_terms.push(t.as_str()?);
                    }
                }
                _ => return None,
            }
        }
        let mut sorted = type_terms.clone();
        sorted.sort_unstable();
        for t in sorted {
            if type_scoped_ctx.get(t).is_some_and(|d| d.context().is_some()) {
                active = derive(active, Derivation::Type { lookup: type_scoped, term: t.to_string() })?;
            }
        }
        let active_ctx = self.ctx(active)?;
        // Subject.
        let mut subject = None;
        let mut properties = Vec::with_capacity(obj.len());
        for (k, v) in obj {
            if k == "@context" || (property.is_none() && Some(k.as_str()) == self.skip_top) {
                continue;
            }
            match expand_key(&active_ctx, k)? {
                Key::Id => {
                    if subject.is_some() {
                        return None;
                    }
                    subject = Some(plain_iri(&active_ctx, v.as_str()?)?);
                }
                Key::Type => {}
                Key::Property(iri, def) => properties.push((k.as_str(), iri, def, v)),
            }
        }
        let subject = match subject {
            Some(s) => s,
            None => self.fresh(),
        };
        for t in type_terms {
            let ty = vocab_iri(&type_scoped_ctx, t)?;
            self.quads.push(Quad(subject.clone(), Term::Iri(RDF_TYPE.into()), ty, graph.cloned()));
        }
        for (key, iri, def, value) in properties {
            if def.reverse_property()
                || def.nest().is_some()
                || def.index().is_some()
                || !matches!(def.container(), json_ld::Container::None | json_ld::Container::Set | json_ld::Container::Graph)
            {
                return None;
            }
            // `@container: @graph` (a credential's `proof`): each node object is the only
            // node of a new blank-named graph, and the property points at that graph's name.
            let graph_container = matches!(def.container(), json_ld::Container::Graph);
            let items: Vec<&Value> = match value {
                Value::Array(a) => a.iter().collect(),
                other => vec![other],
            };
            for item in items {
                let object = match item {
                    Value::Null => continue,
                    Value::Array(_) => return None,
                    Value::Object(o) => {
                        if o.keys().any(|k| k.starts_with('@') && k != "@id" && k != "@type" && k != "@context") {
                            return None;
                        }
                        if graph_container {
                            if o.keys().all(|k| k == "@context") {
                                return None;
                            }
                            let name = self.fresh();
                            self.node(o, active, Some(key), Some(&name))?;
                            name
                        } else {
                            self.node(o, active, Some(key), graph)?
                        }
                    }
                    _ if graph_container => return None,
                    scalar => self.scalar(scalar, active, &active_ctx, def, key)?,
                };
                self.quads.push(Quad(subject.clone(), Term::Iri(iri.to_string()), object, graph.cloned()));
            }
        }
        Some(subject)
    }

    fn scalar(&mut self, v: &Value, active: CtxId, active_ctx: &Ctx, def: TermDef<'_>, key: &str) -> Option<Term> {
        if def.context().is_some() {
            let id = derive(active, Derivation::PropertyScalar { term: key.to_string() })?;
            let c = self.ctx(id)?;
            return scalar_value(v, &c, c.get(key)?);
        }
        scalar_value(v, active_ctx, def)
    }
}

type TermDef<'a> = json_ld::context::TermDefinitionRef<'a, IriBuf, BlankIdBuf>;

/// Value expansion + RDF conversion of a scalar under the term definition `def` in `c`.
fn scalar_value(v: &Value, c: &Ctx, def: TermDef<'_>) -> Option<Term> {
    let ty = def.typ().cloned();
    match (ty, v) {
        (Some(json_ld::Type::Json), _) => None,
        (Some(json_ld::Type::Id), Value::String(s)) => plain_iri(c, s),
        (Some(json_ld::Type::Vocab), Value::String(s)) => vocab_iri(c, s),
        (Some(json_ld::Type::Iri(dt)), v) => {
            let dt = dt.as_str();
            match v {
                Value::String(s) => Some(Term::typed(s.clone(), dt)),
                Value::Bool(b) => Some(Term::typed(b.to_string(), dt)),
                Value::Number(n) => number(n, Some(dt)),
                _ => None,
            }
        }
        (_, Value::Bool(b)) => Some(Term::typed(b.to_string(), XSD_BOOLEAN)),
        (_, Value::Number(n)) => number(n, None),
        (_, Value::String(s)) => {
            if def.language().is_some()
                || def.direction().is_some()
                || c.default_language().is_some()
                || c.default_base_direction().is_some()
            {
                return None;
            }
            Some(Term::string(s.clone()))
        }
        _ => None,
    }
}

/// A JSON number as json-ld 0.21 turns it into a literal (`json_ld_core::rdf`, after
/// json-syntax has read the number by value, as JavaScript does): a whole number in `i64`
/// range becomes that integer (`2.0`, `-0.0` → `"2"`, `"0"`) with the datatype (default
/// `xsd:integer`), unless the datatype is `xsd:double`; anything else the float in canonical
/// double form (`1.5E0`, `1.0E-1`, `1.0E21`, printed with json-ld's own `pretty_dtoa`
/// settings) with the datatype (default `xsd:double`). Whole numbers between ±2^53 and
/// ±2^63 (written as integers or as floats) and non-finite values are left to the generic path.
fn number(n: &serde_json::Number, datatype: Option<&str>) -> Option<Term> {
    const EXACT: f64 = 9_007_199_254_740_992.0; // 2^53
    const I64_END: f64 = 9_223_372_036_854_775_808.0; // 2^63
    let f = match n.as_i64() {
        Some(i) if (i as f64).abs() <= EXACT => i as f64,
        Some(_) => return None,
        None if n.is_u64() => return None,
        None => n.as_f64()?,
    };
    // A whole float between 2^53 and 2^63 (`1.670265965355394e17`) has two readings: json-ld
    // 0.21 writes JavaScript's shortest form (`…539400`), jsonld.js `toFixed(0)` the exact
    // value (`…539392`). The fast path promises the generic path's bytes, so it does not guess.
    // (From 2^63 both write the double form, `1.0E21`.)
    if !f.is_finite() || (f.fract() == 0.0 && f.abs() > EXACT && f.abs() < I64_END) {
        return None;
    }
    if datatype != Some(XSD_DOUBLE) && f.fract() == 0.0 && (-I64_END..I64_END).contains(&f) {
        return Some(Term::typed((f as i64).to_string(), datatype.unwrap_or(XSD_INTEGER)));
    }
    const CANONICAL: pretty_dtoa::FmtFloatConfig = pretty_dtoa::FmtFloatConfig::default().force_e_notation().capitalize_e(true);
    Some(Term::typed(pretty_dtoa::dtoa(f, CANONICAL), datatype.unwrap_or(XSD_DOUBLE)))
}

/// The allow-listed `@context` list equal to `c` (a JSON array of URL strings), if any.
fn allow_listed(c: &Value) -> Option<&'static [&'static str]> {
    let items = c.as_array()?;
    crate::contexts::allowed_context_lists(crate::contexts::ContextPolicy::OpenBadges)
        .iter()
        .copied()
        .find(|l| l.len() == items.len() && items.iter().zip(l.iter()).all(|(a, b)| a.as_str() == Some(*b)))
}

/// Expands `doc` (whose `@context` is the allow-listed `list`) to quads, or `None` when the
/// document uses anything the fast path does not implement.
///
/// Arguments: `doc` the JSON-LD document; `list` its (already checked) context list.
/// Returns the quads (blank labels arbitrary) for [`canon::canonicalize`].
/// Complexity: linear in the document, after the first call per context shape.
pub fn try_expand(doc: &Value, list: &'static [&'static str]) -> Option<Vec<Quad>> {
    try_expand_skipping(doc, list, None)
}

/// [`try_expand`] as if the top-level key `skip` (e.g. `proof`) were absent, so a secured
/// document can be hashed without cloning it.
pub fn try_expand_skipping(doc: &Value, list: &'static [&'static str], skip: Option<&'static str>) -> Option<Vec<Quad>> {
    let obj = doc.as_object()?;
    if canon::check_absolute_ids(doc).is_err() {
        return None;
    }
    let root = root(list)?;
    let mut ex = Expander { quads: Vec::with_capacity(64), blanks: 0, local: Vec::with_capacity(16), skip_top: skip };
    ex.node(obj, root, None, None)?;
    // The generic path refuses IRIs under its relative-reference sentinel; decline them here
    // so that it gives the verdict (found by the `fastpath_vs_generic` fuzz target).
    let sentinel = |t: &Term| matches!(t, Term::Iri(i) if canon::is_under_sentinel(i));
    if ex.quads.iter().any(|q| sentinel(&q.0) || sentinel(&q.1) || sentinel(&q.2) || q.3.as_ref().is_some_and(sentinel)) {
        return None;
    }
    Some(ex.quads)
}
