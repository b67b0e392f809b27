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
use std::hash::BuildHasherDefault;
use std::sync::{Arc, OnceLock, RwLock};

use json_ld::context_processing::Options as ProcOptions;
use json_ld::syntax::{Parse, TryFromJson};
use json_ld::{BlankIdBuf, Context, Id, IriBuf, Process, ValidId};
use serde_json::{Map, Value};

use crate::canon::{self, FirstDegree, Quad, Term};
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
///
/// An embedded `@context` whose result defines everything its list defines alone, alike
/// (see [`acts_as_root`]), is that list's root context: a credential embedded in a CLR
/// transcript is then expanded exactly as when it is verified alone, and the transcript
/// can reuse that expansion ([`Expanded`]).
fn derive(base: CtxId, d: Derivation) -> Option<CtxId> {
    let key = (base, d);
    if let Some(hit) = arena().read().ok()?.derived.get(&key) {
        return *hit;
    }
    let computed = compute(base, &key.1);
    let substitute = match (&key.1, &computed) {
        (Derivation::Embedded { list }, Some(x)) => root(list).filter(|r| ctx(*r).is_some_and(|rc| acts_as_root(x, &rc, list))),
        _ => None,
    };
    let mut a = arena().write().ok()?;
    if let Some(hit) = a.derived.get(&key) {
        return *hit;
    }
    let id = match substitute {
        Some(r) => Some(r),
        None => computed.map(|c| {
            let id = a.contexts.len();
            a.contexts.push(Arc::new(c));
            id
        }),
    };
    a.derived.insert(key, id);
    id
}

/// Whether the context `x` (an embedded `@context` list processed on top of a document's
/// context) expands everything exactly as `r` (the same list processed alone) does, so that
/// expanding with `r` instead gives the same quads.
///
/// Required: the same base IRI, vocabulary, default language and direction, no previous
/// (non-propagated) context in either; every term of `r` defined identically in `x`
/// (protection included); and each term only `x` has (e.g. the CLR context's `ClrSubject`,
/// left over from the transcript's context) unprotected, not usable as a prefix, and not
/// named in the list's context files — so it can neither change an IRI the document writes
/// nor the outcome of a scoped context processed on top. A document that uses such a term
/// as a key or type fails with `r` (undefined term), and then is not expanded this way.
fn acts_as_root(x: &Ctx, r: &Ctx, list: &[&str]) -> bool {
    use json_ld::context::BindingRef;
    if x.base_iri() != r.base_iri()
        || x.vocabulary() != r.vocabulary()
        || x.default_language() != r.default_language()
        || x.default_base_direction() != r.default_base_direction()
        || x.previous_context().is_some()
        || r.previous_context().is_some()
    {
        return false;
    }
    let (xd, rd) = (x.definitions(), r.definitions());
    let same = rd.iter().all(|b| match b {
        BindingRef::Normal(k, d) => xd.get_normal(k.as_str()) == Some(d),
        BindingRef::Type(t) => xd.get_type() == Some(t),
    });
    let harmless_extras = xd.iter().all(|b| match b {
        BindingRef::Normal(k, d) => {
            rd.get_normal(k.as_str()).is_some() || {
                let (quoted, prefixed) = (format!("\"{}\"", k.as_str()), format!("\"{}:", k.as_str()));
                !d.protected
                    && !d.prefix
                    && list
                        .iter()
                        .all(|u| crate::contexts::embedded(u).is_some_and(|text| !text.contains(&quoted) && !text.contains(&prefixed)))
            }
        }
        BindingRef::Type(_) => rd.get_type().is_some(),
    });
    same && harmless_extras
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
fn plain_iri(c: &Ctx, s: &str) -> Option<()> {
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
    Some(())
}

/// Shared strings of one expansion, keyed by address: the contexts' IRIs and the constants
/// below, which outlive an expansion and do not change during it.
type Shared = HashMap<(usize, usize), Arc<str>, BuildHasherDefault<rustc_hash::FxHasher>>;

/// One shared copy of a context's string (a predicate, type or datatype IRI), for every
/// expansion: each quad's predicate is then a count increment, not an allocation, and the
/// canonicaliser can group equal predicates by address. Bounded: only the allow-listed
/// contexts' strings and our constants are put here, never a document's.
fn interned(s: &str) -> Arc<str> {
    type Pool = std::collections::HashSet<Arc<str>, BuildHasherDefault<rustc_hash::FxHasher>>;
    static POOL: OnceLock<RwLock<Pool>> = OnceLock::new();
    let pool = POOL.get_or_init(Default::default);
    if let Some(a) = pool.read().ok().and_then(|p| p.get(s).cloned()) {
        return a;
    }
    let Ok(mut p) = pool.write() else { return Arc::from(s) };
    if let Some(a) = p.get(s) {
        return a.clone();
    }
    let a: Arc<str> = Arc::from(s);
    p.insert(a.clone());
    a
}

/// What the expansion of one document produced: its quads and how many blank nodes they
/// number (`1..=blanks`).
struct Expansion {
    quads: Vec<Quad>,
    blanks: u32,
}

/// A document's quads when it took embedded credentials' expansions
/// ([`try_expand_reusing`]): its own, then each one taken (renumbered), and the first-degree
/// hashes of the blank nodes of those (numbered as here) for [`canon::canonicalize_parts`].
pub(crate) struct Reused {
    /// The quads, in parts.
    pub(crate) parts: Vec<Vec<Quad>>,
    /// First-degree hashes known from the credentials' own canonicalisations.
    pub(crate) known: FirstDegree,
}

/// A credential embedded in a document (a CLR transcript), already expanded on its own —
/// without its `proof`, as its own verification hashes it — so that the document's expansion
/// can take those quads instead of expanding the credential a second time.
///
/// Matched by identity (the very JSON object, not an equal one) and by the context it was
/// expanded in, which must be the one the document's expansion reaches for it (see
/// [`derive`]). Its `proof` is expanded by the document's expansion, as any other key.
pub(crate) struct EmbeddedQuads<'d> {
    doc: &'d Map<String, Value>,
    root: CtxId,
    expansion: Option<Expansion>,
    first: FirstDegree,
    nested_context: bool,
}

impl EmbeddedQuads<'_> {
    /// The credential's quads (without its proof), for its own canonicalisation.
    pub(crate) fn quads(&self) -> &[Quad] {
        self.expansion.as_ref().map_or(&[], |e| &e.quads)
    }

    /// Records the first-degree hashes its own canonicalisation found. In a transcript the
    /// credential's blank nodes are mentioned by its quads only (a credential is taken only
    /// when its subject is an IRI, and every blank node is numbered apart), so they have
    /// the same hashes there.
    pub(crate) fn set_first_degree(&mut self, first: FirstDegree) {
        self.first = first;
    }
}

/// The embedded credentials already expanded, for [`try_expand_reusing`].
#[derive(Default)]
pub(crate) struct Expanded<'d> {
    entries: Vec<EmbeddedQuads<'d>>,
    /// Where to look first: credentials are met in the order they were verified.
    next: usize,
    /// The address of each credential's JSON object, to tell them quickly in a walk.
    addresses: std::collections::HashSet<usize, BuildHasherDefault<rustc_hash::FxHasher>>,
    /// Those of them without an `@context` below their top object (outside `proof`).
    without_nested_context: std::collections::HashSet<usize, BuildHasherDefault<rustc_hash::FxHasher>>,
}

impl<'d> Expanded<'d> {
    /// Adds one credential's expansion.
    pub(crate) fn push(&mut self, e: EmbeddedQuads<'d>) {
        let address = std::ptr::from_ref(e.doc) as usize;
        self.addresses.insert(address);
        if !e.nested_context {
            self.without_nested_context.insert(address);
        }
        self.entries.push(e);
    }

    /// Whether `obj` is one of the credentials expanded here and none of its objects but the
    /// top one, outside its `proof`, has an `@context` key: its expansion went through every
    /// one of them (anything it does not read makes it decline) and saw none.
    pub(crate) fn no_nested_context(&self, obj: &Map<String, Value>) -> bool {
        self.without_nested_context.contains(&(std::ptr::from_ref(obj) as usize))
    }

    /// Whether `obj` is one of the credentials expanded here (taken or not). Its ids are
    /// absolute: its expansion checked them first.
    pub(crate) fn ids_checked(&self, obj: &Map<String, Value>) -> bool {
        self.addresses.contains(&(std::ptr::from_ref(obj) as usize))
    }

    /// How many expansions were taken by a document's expansion (tests).
    #[cfg(test)]
    pub(crate) fn taken(&self) -> usize {
        self.entries.iter().filter(|e| e.expansion.is_none()).count()
    }

    /// Takes the expansion of exactly `obj`, made in context `root`, if there is one.
    fn take(&mut self, obj: &Map<String, Value>, root: CtxId) -> Option<(Expansion, FirstDegree)> {
        let n = self.entries.len();
        let found = (0..n).map(|i| (self.next + i) % n).find(|i| {
            let e = &self.entries[*i];
            std::ptr::eq(e.doc, obj) && e.root == root && e.expansion.is_some()
        })?;
        self.next = found + 1;
        let e = &mut self.entries[found];
        Some((e.expansion.take()?, std::mem::take(&mut e.first)))
    }
}

struct Expander<'r, 'd> {
    quads: Vec<Quad>,
    blanks: u32,
    /// A top-level key to leave out (`proof`, when hashing a secured document in place).
    skip_top: Option<&'static str>,
    /// Contexts already fetched from the arena during this document (no lock, no clone).
    local: Vec<(CtxId, Arc<Ctx>)>,
    shared: Shared,
    /// Embedded credentials already expanded, to take instead of expanding them again.
    reuse: Option<&'r mut Expanded<'d>>,
    /// The quads of those taken (renumbered), and their blank nodes' first-degree hashes.
    taken: Vec<Vec<Quad>>,
    known: FirstDegree,
    /// Whether a node below the top one had an `@context`.
    nested_context: bool,
}

impl Expander<'_, '_> {
    fn new(skip_top: Option<&'static str>) -> Self {
        Expander {
            quads: Vec::with_capacity(64),
            blanks: 0,
            skip_top,
            local: Vec::with_capacity(16),
            shared: Shared::with_capacity_and_hasher(64, Default::default()),
            reuse: None,
            taken: Vec::new(),
            known: FirstDegree::default(),
            nested_context: false,
        }
    }

    fn ctx(&mut self, id: CtxId) -> Option<Arc<Ctx>> {
        if let Some((_, c)) = self.local.iter().find(|(i, _)| *i == id) {
            return Some(c.clone());
        }
        let c = ctx(id)?;
        self.local.push((id, c.clone()));
        Some(c)
    }

    /// `s` (a string of a context, or a constant) as a shared string.
    fn share(&mut self, s: &str) -> Arc<str> {
        self.shared.entry((s.as_ptr() as usize, s.len())).or_insert_with(|| interned(s)).clone()
    }

    fn fresh(&mut self) -> Option<Term> {
        self.blanks = self.blanks.checked_add(1)?;
        Some(Term::Blank(self.blanks))
    }

    /// An IRI the document writes (`@id`-typed value or id), as a term.
    fn plain(&self, c: &Ctx, s: &str) -> Option<Term> {
        plain_iri(c, s).map(|()| Term::iri(s))
    }

    /// IRI expansion with `vocab = true` (types, `@vocab`-typed values).
    fn vocab_iri(&mut self, c: &Ctx, s: &str) -> Option<Term> {
        if let Some(def) = c.get(s) {
            return match def.value()? {
                json_ld::Term::Id(Id::Valid(ValidId::Iri(iri))) => Some(Term::Iri(self.share(iri.as_str()))),
                _ => None,
            };
        }
        if c.vocabulary().is_some() {
            return None;
        }
        self.plain(c, s)
    }

    /// Takes the quads of `obj` (an embedded credential, in context `active`) from an
    /// earlier expansion, with their blank nodes renumbered after this document's, and
    /// their first-degree hashes. False when there is none.
    fn take_reused(&mut self, obj: &Map<String, Value>, active: CtxId) -> Option<()> {
        let (Expansion { mut quads, blanks }, first) = self.reuse.as_mut()?.take(obj, active)?;
        let offset = self.blanks;
        self.blanks = self.blanks.checked_add(blanks)?;
        let renumber = |t: &mut Term| {
            if let Term::Blank(b) = t {
                *b += offset;
            }
        };
        for q in &mut quads {
            renumber(&mut q.0);
            renumber(&mut q.2);
            if let Some(g) = &mut q.3 {
                renumber(g);
            }
        }
        self.taken.push(quads);
        let known = &mut self.known.0;
        for (b, h) in first.0.into_iter().enumerate() {
            if let (Some(h), Some(at)) = (h, (b as u32).checked_add(offset)) {
                let at = at as usize;
                if known.len() <= at {
                    known.resize(at + 1, None);
                }
                known[at] = Some(h);
            }
        }
        Some(())
    }

    /// Expands a node object into the graph `graph` (`None`: the default graph); returns
    /// its subject term.
    fn node(&mut self, obj: &Map<String, Value>, incoming: CtxId, property: Option<&str>, graph: Option<&Term>) -> Option<Term> {
        // The top-level `@context` (property None) was checked and is the root context. A
        // nested one is taken only when it is an allow-listed list of URLs (an embedded
        // credential's `[VC v2, OB 3.0.3]`).
        let embedded = match (property, obj.get("@context")) {
            (Some(_), Some(c)) => {
                self.nested_context = true;
                Some(allow_listed(c)?)
            }
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
        // An embedded credential in the default graph may have been expanded already.
        let reusable = embedded.is_some() && graph.is_none() && self.reuse.is_some();
        let embedded_root = active;
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
                    subject = Some(self.plain(&active_ctx, v.as_str()?)?);
                }
                Key::Type => {}
                Key::Property(iri, def) => properties.push((k.as_str(), iri, def, v)),
            }
        }
        // Reused: the earlier expansion gave every quad but those of `proof` (it left the key
        // out, as when hashing the credential), so only `proof` is expanded here. Only for a
        // credential with an id: a blank subject would be another node in each expansion.
        let reused = match (&subject, reusable) {
            (Some(Term::Iri(_)), true) => self.take_reused(obj, embedded_root).is_some(),
            _ => false,
        };
        let subject = match subject {
            Some(s) => s,
            None => self.fresh()?,
        };
        if reused {
            properties.retain(|(k, ..)| *k == "proof");
        } else {
            for t in type_terms {
                let ty = self.vocab_iri(&type_scoped_ctx, t)?;
                let rdf_type = self.share(RDF_TYPE);
                self.quads.push(Quad(subject.clone(), Term::Iri(rdf_type), ty, graph.cloned()));
            }
        }
        for (key, iri, def, value) in properties {
            if def.reverse_property()
                || def.nest().is_some()
                || def.index().is_some()
                || !matches!(def.container(), json_ld::Container::None | json_ld::Container::Set | json_ld::Container::Graph)
            {
                return None;
            }
            let predicate = self.share(iri);
            // `@container: @graph` (a credential's `proof`): each node object is the only
            // node of a new blank-named graph, and the property points at that graph's name.
            let graph_container = matches!(def.container(), json_ld::Container::Graph);
            let items: &[Value] = match value {
                Value::Array(a) => a,
                other => std::slice::from_ref(other),
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
                            let name = self.fresh()?;
                            self.node(o, active, Some(key), Some(&name))?;
                            name
                        } else {
                            self.node(o, active, Some(key), graph)?
                        }
                    }
                    _ if graph_container => return None,
                    scalar => self.scalar(scalar, active, &active_ctx, def, key)?,
                };
                self.quads.push(Quad(subject.clone(), Term::Iri(predicate.clone()), object, graph.cloned()));
            }
        }
        Some(subject)
    }

    fn scalar(&mut self, v: &Value, active: CtxId, active_ctx: &Ctx, def: TermDef<'_>, key: &str) -> Option<Term> {
        if def.context().is_some() {
            let id = derive(active, Derivation::PropertyScalar { term: key.to_string() })?;
            let c = self.ctx(id)?;
            return self.scalar_value(v, &c, c.get(key)?);
        }
        self.scalar_value(v, active_ctx, def)
    }

    /// Value expansion + RDF conversion of a scalar under the term definition `def` in `c`.
    fn scalar_value(&mut self, v: &Value, c: &Ctx, def: TermDef<'_>) -> Option<Term> {
        match (def.typ(), v) {
            (Some(json_ld::Type::Json), _) => None,
            (Some(json_ld::Type::Id), Value::String(s)) => self.plain(c, s),
            (Some(json_ld::Type::Vocab), Value::String(s)) => self.vocab_iri(c, s),
            (Some(json_ld::Type::Iri(dt)), v) => {
                let dt = self.share(dt.as_str());
                match v {
                    Value::String(s) => Some(Term::typed(s.as_str(), dt)),
                    Value::Bool(b) => Some(Term::typed(b.to_string(), dt)),
                    Value::Number(n) => number(n, Some(dt), |s| self.share(s)),
                    _ => None,
                }
            }
            (_, Value::Bool(b)) => Some(Term::typed(b.to_string(), self.share(XSD_BOOLEAN))),
            (_, Value::Number(n)) => number(n, None, |s| self.share(s)),
            (_, Value::String(s)) => {
                if def.language().is_some()
                    || def.direction().is_some()
                    || c.default_language().is_some()
                    || c.default_base_direction().is_some()
                {
                    return None;
                }
                Some(Term::string(s.as_str()))
            }
            _ => None,
        }
    }
}

type TermDef<'a> = json_ld::context::TermDefinitionRef<'a, IriBuf, BlankIdBuf>;

/// A JSON number as json-ld 0.21 turns it into a literal (`json_ld_core::rdf`, after
/// json-syntax has read the number by value, as JavaScript does): a whole number in `i64`
/// range becomes that integer (`2.0`, `-0.0` → `"2"`, `"0"`) with the datatype (default
/// `xsd:integer`), unless the datatype is `xsd:double`; anything else the float in canonical
/// double form (`1.5E0`, `1.0E-1`, `1.0E21`, printed with json-ld's own `pretty_dtoa`
/// settings) with the datatype (default `xsd:double`). Whole numbers between ±2^53 and
/// ±2^63 (written as integers or as floats) and non-finite values are left to the generic path.
/// `share` gives the shared form of a constant datatype.
fn number(n: &serde_json::Number, datatype: Option<Arc<str>>, mut share: impl FnMut(&'static str) -> Arc<str>) -> Option<Term> {
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
    if datatype.as_deref() != Some(XSD_DOUBLE) && f.fract() == 0.0 && (-I64_END..I64_END).contains(&f) {
        return Some(Term::typed((f as i64).to_string(), datatype.unwrap_or_else(|| share(XSD_INTEGER))));
    }
    const CANONICAL: pretty_dtoa::FmtFloatConfig = pretty_dtoa::FmtFloatConfig::default().force_e_notation().capitalize_e(true);
    Some(Term::typed(pretty_dtoa::dtoa(f, CANONICAL), datatype.unwrap_or_else(|| share(XSD_DOUBLE))))
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
    expand(doc, list, Expander::new(skip)).map(|e| e.quads)
}

/// [`try_expand_skipping`] for a credential embedded in `doc`'s caller (a CLR transcript),
/// keeping what [`try_expand_reusing`] needs to take its quads instead of expanding it again.
pub(crate) fn try_expand_embedded<'d>(
    doc: &'d Value,
    list: &'static [&'static str],
    skip: Option<&'static str>,
) -> Option<EmbeddedQuads<'d>> {
    let ex = expand(doc, list, Expander::new(skip))?;
    let expansion = Expansion { quads: ex.quads, blanks: ex.blanks };
    let nested_context = ex.nested_context;
    Some(EmbeddedQuads {
        doc: doc.as_object()?,
        root: root(list)?,
        expansion: Some(expansion),
        first: FirstDegree::default(),
        nested_context,
    })
}

/// [`try_expand_skipping`] taking the quads of embedded credentials from `expanded` (each
/// expanded once already, by its own verification) instead of expanding them again. Same
/// quads as without (blank nodes numbered otherwise); the expansions taken are consumed.
pub(crate) fn try_expand_reusing<'d>(
    doc: &'d Value,
    list: &'static [&'static str],
    skip: Option<&'static str>,
    expanded: &mut Expanded<'d>,
) -> Option<Reused> {
    let mut ex = Expander::new(skip);
    ex.reuse = Some(expanded);
    let ex = expand(doc, list, ex)?;
    let mut parts = vec![ex.quads];
    parts.extend(ex.taken);
    Some(Reused { parts, known: ex.known })
}

fn expand<'r, 'd>(doc: &Value, list: &'static [&'static str], mut ex: Expander<'r, 'd>) -> Option<Expander<'r, 'd>> {
    let obj = doc.as_object()?;
    // Embedded credentials that may be taken had their ids checked by their own expansion.
    let checked = |o: &Map<String, Value>| ex.reuse.as_ref().is_some_and(|r| r.ids_checked(o));
    if !canon::ids_absolute_except(doc, &checked) {
        return None;
    }
    let root = root(list)?;
    ex.node(obj, root, None, None)?;
    // The generic path refuses IRIs under its relative-reference sentinel; decline them here
    // so that it gives the verdict (found by the `fastpath_vs_generic` fuzz target). The
    // quads taken from embedded credentials passed this test in their own expansion.
    let sentinel = |t: &Term| matches!(t, Term::Iri(i) if canon::is_under_sentinel(i));
    if ex.quads.iter().any(|q| sentinel(&q.0) || sentinel(&q.1) || sentinel(&q.2) || q.3.as_ref().is_some_and(sentinel)) {
        return None;
    }
    Some(ex)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contexts::{CLR_LIST, OB_V3P0_3_0_3, VC_V2};

    const OB: &[&str] = &[VC_V2, OB_V3P0_3_0_3];
    const VC: &[&str] = &[VC_V2];

    fn allowed(list: &[&str]) -> &'static [&'static str] {
        crate::contexts::allowed_context_lists(crate::contexts::ContextPolicy::OpenBadges)
            .iter()
            .copied()
            .find(|l| *l == list)
            .expect("allow-listed")
    }

    #[test]
    fn a_credentials_context_inside_a_transcript_is_its_own_root_context() {
        let (ob, vc, clr) = (allowed(OB), allowed(VC), allowed(CLR_LIST));
        let transcript = root(clr).expect("root");
        // [VC v2, OB 3.0.3] on top of the transcript's context leaves only the CLR context's
        // type terms over, unprotected and unused by VC/OB: it expands as the list alone.
        assert_eq!(derive(transcript, Derivation::Embedded { list: ob }), root(ob));
        // [VC v2] alone on top leaves OB's (protected) terms over: a context of its own.
        let embedded_vc = derive(transcript, Derivation::Embedded { list: vc }).expect("processed");
        assert_ne!(Some(embedded_vc), root(vc));
        let (x, r) = (ctx(embedded_vc).expect("ctx"), ctx(root(vc).expect("root")).expect("ctx"));
        assert!(!acts_as_root(&x, &r, vc));
        assert!(acts_as_root(&r, &r, vc));
    }
}
