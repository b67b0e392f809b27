//! Regions, organizations, users and API tokens.

use diesel::prelude::*;
use rongtong_catalog::{OrgKind, OrganizationInput, Region, RegionCode};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::policy::Coverage;
use crate::auth::{NewToken, Role, mint_token};
use crate::db::schema::{api_tokens, organizations, regions, users};
use crate::db::{DbConnection, is_unique_violation, new_id, now};
use crate::error::{AppError, AppResult};

// ---------------------------------------------------------------- regions

/// A region as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RegionView {
    /// GB/T 2260 code.
    pub code: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// `province`, `city` or `county`.
    pub level: String,
    /// Enclosing region.
    pub parent: Option<String>,
}

/// Inserts or renames a region; its parent must exist already (provinces first).
pub fn upsert_region(conn: &mut DbConnection, region: &Region) -> AppResult<RegionView> {
    let code = region.code.as_str();
    let parent = region.code.parent().map(|p| p.to_string());
    if let Some(p) = &parent {
        let exists: i64 = regions::table.filter(regions::code.eq(p)).count().get_result(conn)?;
        if exists == 0 {
            return Err(AppError::invalid("code", format!("the enclosing region {p} does not exist yet; create it first")));
        }
    }
    let updated = diesel::update(regions::table.find(code))
        .set((regions::name_zh.eq(&region.name_zh), regions::name_en.eq(&region.name_en)))
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(regions::table)
            .values((
                regions::code.eq(code),
                regions::name_zh.eq(&region.name_zh),
                regions::name_en.eq(&region.name_en),
                regions::level.eq(region.code.level().as_ref()),
                regions::parent.eq(&parent),
            ))
            .execute(conn)?;
    }
    find_region(conn, code)
}

/// Inserts the GB/T 2260 provinces and prefecture-level cities
/// ([`rongtong_catalog::gbt2260_divisions`]) that `regions` lacks, so a fresh database knows
/// where demand, courses and learners are; returns how many were inserted.
///
/// Rows already there are left untouched (a region renamed or given an English name keeps
/// it), so running it again inserts nothing. The embedded list has no English names: new
/// rows get an empty `name_en` until someone (the demo, `POST /regions`) sets one.
/// Provinces go first, in chunks of 500 rows (5 binds each), so every city's parent exists
/// before it. Runs after every migration (`Db::migrate`); a concurrent runner that inserted
/// the same rows first makes this one a no-op.
pub fn insert_missing_divisions(conn: &mut DbConnection) -> QueryResult<usize> {
    let result = crate::db::write_transaction(conn, |c| {
        let existing: std::collections::HashSet<String> = regions::table.select(regions::code).load::<String>(c)?.into_iter().collect();
        let mut missing: Vec<rongtong_catalog::Division> =
            rongtong_catalog::gbt2260_divisions().into_iter().filter(|d| !existing.contains(d.code)).collect();
        missing.sort_by_key(|d| (d.parent.is_some(), d.code));
        let rows: Vec<_> = missing
            .iter()
            .map(|d| {
                (
                    regions::code.eq(d.code),
                    regions::name_zh.eq(d.name_zh),
                    regions::name_en.eq(""),
                    regions::level.eq(d.level.as_ref()),
                    regions::parent.eq(d.parent),
                )
            })
            .collect();
        for chunk in rows.chunks(500) {
            crate::insert_batch!(c, regions::table, chunk)?;
        }
        Ok(rows.len())
    });
    match result {
        Err(e) if is_unique_violation(&e) => Ok(0),
        other => other,
    }
}

/// One region, or 404.
pub fn find_region(conn: &mut DbConnection, code: &str) -> AppResult<RegionView> {
    regions::table
        .find(code)
        .select((regions::code, regions::name_zh, regions::name_en, regions::level, regions::parent))
        .first::<(String, String, String, String, Option<String>)>(conn)
        .optional()?
        .map(|(code, name_zh, name_en, level, parent)| RegionView { code, name_zh, name_en, level, parent })
        .ok_or_else(|| AppError::NotFound(format!("region {code}")))
}

/// One page of regions in code order, optionally only the children of `parent`; returns
/// `(views, total)`.
pub fn list_regions(conn: &mut DbConnection, parent: Option<&str>, limit: i64, offset: i64) -> QueryResult<(Vec<RegionView>, i64)> {
    let build = || {
        let mut q = regions::table.into_boxed();
        if let Some(p) = parent {
            q = q.filter(regions::parent.eq(p.to_string()));
        }
        q
    };
    let total: i64 = build().count().get_result(conn)?;
    let items = build()
        .order(regions::code)
        .limit(limit)
        .offset(offset)
        .select((regions::code, regions::name_zh, regions::name_en, regions::level, regions::parent))
        .load::<(String, String, String, String, Option<String>)>(conn)?
        .into_iter()
        .map(|(code, name_zh, name_en, level, parent)| RegionView { code, name_zh, name_en, level, parent })
        .collect();
    Ok((items, total))
}

/// The regions with these codes, in code order (unknown codes are left out), in one query.
pub fn find_regions(conn: &mut DbConnection, codes: &[String]) -> QueryResult<Vec<RegionView>> {
    Ok(regions::table
        .filter(regions::code.eq_any(codes))
        .order(regions::code)
        .select((regions::code, regions::name_zh, regions::name_en, regions::level, regions::parent))
        .load::<(String, String, String, String, Option<String>)>(conn)?
        .into_iter()
        .map(|(code, name_zh, name_en, level, parent)| RegionView { code, name_zh, name_en, level, parent })
        .collect())
}

/// Fails with a field error unless the region exists.
pub fn require_region(conn: &mut DbConnection, field: &str, code: &RegionCode) -> AppResult<()> {
    let n: i64 = regions::table.filter(regions::code.eq(code.as_str())).count().get_result(conn)?;
    if n == 0 { Err(AppError::invalid(field, format!("region {code} is not in the catalog"))) } else { Ok(()) }
}

/// A LIKE pattern matching codes inside `region` (a province matches its cities and counties).
pub fn region_prefix_pattern(region: &RegionCode) -> String {
    use rongtong_catalog::RegionLevel;
    match region.level() {
        RegionLevel::Province => format!("{}%", &region.as_str()[..2]),
        RegionLevel::City => format!("{}%", &region.as_str()[..4]),
        RegionLevel::County => region.as_str().to_string(),
    }
}

/// The ids of the organisations a [`Coverage`] includes: `None` for all (no filter needed).
pub fn covered_org_ids(conn: &mut DbConnection, coverage: &Coverage) -> QueryResult<Option<Vec<String>>> {
    Ok(match coverage {
        Coverage::Everything => None,
        Coverage::Region(r) => {
            Some(organizations::table.filter(organizations::region.like(region_prefix_pattern(r))).select(organizations::id).load(conn)?)
        }
        Coverage::Org(id) => Some(vec![id.clone()]),
        Coverage::Nothing => Some(vec![]),
    })
}

// ---------------------------------------------------------------- organizations

/// An organization as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = organizations)]
pub struct OrgRow {
    /// Id.
    pub id: String,
    /// Short code.
    pub code: String,
    /// Kind (text of [`OrgKind`]).
    pub kind: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: Option<String>,
    /// Region code.
    pub region: String,
    /// Unified Social Credit Code.
    pub uscc: Option<String>,
    /// Created.
    pub created_at: String,
    /// Last changed.
    pub updated_at: String,
}

/// An organization as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrgView {
    /// Id.
    pub id: String,
    /// Short code.
    pub code: String,
    /// `college`, `training_center`, `enterprise`, `evaluation_org` or `authority`.
    pub kind: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: Option<String>,
    /// Region code.
    pub region: String,
    /// Unified Social Credit Code.
    pub uscc: Option<String>,
    /// Created.
    pub created_at: String,
    /// Last changed.
    pub updated_at: String,
}

impl From<OrgRow> for OrgView {
    fn from(r: OrgRow) -> Self {
        OrgView {
            id: r.id,
            code: r.code,
            kind: r.kind,
            name_zh: r.name_zh,
            name_en: r.name_en,
            region: r.region,
            uscc: r.uscc,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

impl OrgRow {
    /// The kind as a type.
    pub fn kind(&self) -> OrgKind {
        self.kind.parse().unwrap_or(OrgKind::Authority)
    }

    /// The region as a type (rows are validated on the way in, so a bad one is a bug).
    pub fn region_code(&self) -> AppResult<RegionCode> {
        self.region.parse().map_err(|e: rongtong_catalog::RegionCodeError| AppError::Internal(e.to_string()))
    }
}

/// Usernames by user id, for the given ids (one query per 500; unknown ids are left out).
pub fn usernames(conn: &mut DbConnection, ids: &[String]) -> QueryResult<std::collections::HashMap<String, String>> {
    let mut out = std::collections::HashMap::new();
    for chunk in ids.chunks(500) {
        let rows: Vec<(String, String)> = users::table.filter(users::id.eq_any(chunk)).select((users::id, users::username)).load(conn)?;
        out.extend(rows);
    }
    Ok(out)
}

/// Organisation codes by id, for the given ids (one query per 30,000; unknown ids are left
/// out): a list of accounts names each one's organisation.
pub fn org_codes(conn: &mut DbConnection, ids: &[String]) -> QueryResult<std::collections::HashMap<String, String>> {
    let mut out = std::collections::HashMap::new();
    for chunk in super::bind_chunks(ids, 1) {
        let rows: Vec<(String, String)> =
            organizations::table.filter(organizations::id.eq_any(chunk)).select((organizations::id, organizations::code)).load(conn)?;
        out.extend(rows);
    }
    Ok(out)
}

/// Finds an organization by code or id.
pub fn find_org(conn: &mut DbConnection, code_or_id: &str) -> AppResult<OrgRow> {
    organizations::table
        .filter(organizations::code.eq(code_or_id).or(organizations::id.eq(code_or_id)))
        .select(OrgRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::NotFound(format!("organization {code_or_id}")))
}

/// Creates an organization after validation; 409 on a duplicate code or USCC.
pub fn create_org(conn: &mut DbConnection, input: &OrganizationInput) -> AppResult<OrgRow> {
    input.validate()?;
    require_region(conn, "region", &input.region)?;
    let id = new_id();
    let ts = now();
    let res = diesel::insert_into(organizations::table)
        .values((
            organizations::id.eq(&id),
            organizations::code.eq(&input.code),
            organizations::kind.eq(input.kind.as_ref()),
            organizations::name_zh.eq(input.name_zh.trim()),
            organizations::name_en.eq(input.name_en.as_deref().map(str::trim)),
            organizations::region.eq(input.region.as_str()),
            organizations::uscc.eq(input.uscc.as_ref().map(|u| u.as_str())),
            organizations::created_at.eq(&ts),
            organizations::updated_at.eq(&ts),
        ))
        .execute(conn);
    match res {
        Ok(_) => find_org(conn, &id),
        Err(e) if is_unique_violation(&e) => {
            let field = if e.to_string().contains("uscc") { "uscc" } else { "code" };
            Err(AppError::conflict(field, format!("an organization with this {field} already exists")))
        }
        Err(e) => Err(e.into()),
    }
}

/// Replaces an organization's editable fields (the code stays).
pub fn update_org(conn: &mut DbConnection, id: &str, input: &OrganizationInput) -> AppResult<OrgRow> {
    input.validate()?;
    require_region(conn, "region", &input.region)?;
    let res = diesel::update(organizations::table.find(id))
        .set((
            organizations::kind.eq(input.kind.as_ref()),
            organizations::name_zh.eq(input.name_zh.trim()),
            organizations::name_en.eq(input.name_en.as_deref().map(str::trim)),
            organizations::region.eq(input.region.as_str()),
            organizations::uscc.eq(input.uscc.as_ref().map(|u| u.as_str())),
            organizations::updated_at.eq(now()),
        ))
        .execute(conn);
    match res {
        Ok(_) => find_org(conn, id),
        Err(e) if is_unique_violation(&e) => Err(AppError::conflict("uscc", "another organization has this USCC")),
        Err(e) => Err(e.into()),
    }
}

/// Filters for listing organizations.
#[derive(Debug, Default, Clone, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrgFilter {
    /// Only this kind: `college`, `training_center`, `enterprise`, `evaluation_org`, `authority`.
    #[param(value_type = Option<String>)]
    pub kind: Option<OrgKind>,
    /// Only organizations inside this region (a province includes its cities).
    #[param(value_type = Option<String>)]
    pub region: Option<RegionCode>,
    /// Text in the code or either name.
    pub q: Option<String>,
    /// Page number (from 1).
    pub page: Option<i64>,
    /// Page size (1–500).
    pub per_page: Option<i64>,
}

/// Lists organizations; returns `(rows, total)`.
pub fn list_orgs(conn: &mut DbConnection, f: &OrgFilter, limit: i64, offset: i64) -> QueryResult<(Vec<OrgRow>, i64)> {
    let build = || {
        let mut q = organizations::table.into_boxed();
        if let Some(k) = f.kind {
            q = q.filter(organizations::kind.eq(k.as_ref().to_string()));
        }
        if let Some(r) = &f.region {
            q = q.filter(organizations::region.like(region_prefix_pattern(r)));
        }
        if let Some(text) = f.q.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            use crate::models::catalog::{like_escape, lower};
            let pat = format!("%{}%", like_escape(&text.to_lowercase()));
            q = q.filter(
                lower(organizations::code.nullable())
                    .like(pat.clone())
                    .escape('\\')
                    .or(lower(organizations::name_zh.nullable()).like(pat.clone()).escape('\\'))
                    .or(lower(organizations::name_en).like(pat).escape('\\')),
            );
        }
        q
    };
    let total = build().count().get_result(conn)?;
    let rows = build().order(organizations::code).limit(limit).offset(offset).select(OrgRow::as_select()).load(conn)?;
    Ok((rows, total))
}

// ---------------------------------------------------------------- users and tokens

/// An account as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct UserView {
    /// Id.
    pub id: String,
    /// Login name.
    pub username: String,
    /// Display name.
    pub display_name: String,
    /// Role.
    pub role: String,
    /// Organization id.
    pub org_id: Option<String>,
    /// Administered region (region admins) or home region.
    pub region: Option<String>,
    /// Whether a learner agreed to be found by enterprises.
    pub opt_in: bool,
    /// Created.
    pub created_at: String,
}

/// A new account.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserInput {
    /// Unique login name: 3–64 of ASCII letters, digits, `-`, `_`, `.`.
    pub username: String,
    /// Display name.
    pub display_name: String,
    /// Role.
    pub role: Role,
    /// Organization code (org admins and staff; optional for learners).
    #[serde(default)]
    pub org: Option<String>,
    /// Region (required for region admins; a learner's home region).
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub region: Option<RegionCode>,
    /// Learners: may enterprises find them?
    #[serde(default)]
    pub opt_in: bool,
}

/// Creates an account, checking role-specific fields. Authorization is the caller's job.
pub fn create_user(conn: &mut DbConnection, input: &UserInput) -> AppResult<UserView> {
    let mut errs = rongtong_catalog::ValidationErrors::new();
    rongtong_catalog::validate::check_username(&mut errs, "username", &input.username);
    rongtong_catalog::validate::check_text(&mut errs, "display_name", &input.display_name, 100);
    match input.role {
        Role::RegionAdmin => errs.check(input.region.is_some(), "region", "a region admin needs the region it administers"),
        Role::OrgAdmin | Role::OrgStaff => errs.check(input.org.is_some(), "org", "organization admins and staff need an organization"),
        _ => {}
    }
    errs.into_result()?;
    let org_id = match &input.org {
        Some(code) => Some(find_org(conn, code).map_err(|_| AppError::invalid("org", format!("organization {code} does not exist")))?.id),
        None => None,
    };
    if let Some(r) = &input.region {
        require_region(conn, "region", r)?;
    }
    let id = new_id();
    let res = diesel::insert_into(users::table)
        .values((
            users::id.eq(&id),
            users::username.eq(&input.username),
            users::display_name.eq(input.display_name.trim()),
            users::role.eq(input.role.as_ref()),
            users::org_id.eq(&org_id),
            users::region.eq(input.region.as_ref().map(|r| r.as_str())),
            users::opt_in.eq(input.opt_in),
            users::created_at.eq(now()),
        ))
        .execute(conn);
    match res {
        Ok(_) => find_user(conn, &id),
        Err(e) if is_unique_violation(&e) => Err(AppError::conflict("username", format!("username {} is taken", input.username))),
        Err(e) => Err(e.into()),
    }
}

/// One account by id or username, or 404.
pub fn find_user(conn: &mut DbConnection, id_or_name: &str) -> AppResult<UserView> {
    users::table
        .filter(users::id.eq(id_or_name).or(users::username.eq(id_or_name)))
        .select(UserView::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::NotFound(format!("user {id_or_name}")))
}

/// The accounts a [`Coverage`] includes — an account belongs to a region by its home region
/// or its organisation's — optionally of one role, by username; returns `(page, total)`.
pub fn list_users(
    conn: &mut DbConnection,
    coverage: &Coverage,
    role: Option<Role>,
    limit: i64,
    offset: i64,
) -> QueryResult<(Vec<UserView>, i64)> {
    let build = || {
        let mut q = users::table.into_boxed();
        match coverage {
            Coverage::Everything => {}
            Coverage::Region(r) => {
                let pat = region_prefix_pattern(r);
                let orgs_in = organizations::table.filter(organizations::region.like(pat.clone())).select(organizations::id);
                q = q.filter(users::region.like(pat).or(users::org_id.eq_any(orgs_in.nullable())));
            }
            Coverage::Org(id) => q = q.filter(users::org_id.eq(id.clone())),
            Coverage::Nothing => q = q.filter(users::id.eq("")),
        }
        if let Some(role) = role {
            q = q.filter(users::role.eq(role.as_ref().to_string()));
        }
        q
    };
    let total: i64 = build().count().get_result(conn)?;
    let items = build().order(users::username).limit(limit).offset(offset).select(UserView::as_select()).load(conn)?;
    Ok((items, total))
}

/// The ids of the accounts named among `ids_or_names` (usernames or ids), chunked.
pub fn user_ids(conn: &mut DbConnection, ids_or_names: &[String]) -> QueryResult<Vec<String>> {
    let mut out = Vec::new();
    for chunk in super::bind_chunks(ids_or_names, 2) {
        out.extend(users::table.filter(users::username.eq_any(chunk).or(users::id.eq_any(chunk))).select(users::id).load::<String>(conn)?);
    }
    Ok(out)
}

/// A token as listed (never the secret).
#[derive(Debug, Clone, Serialize, ToSchema, Queryable, Selectable)]
#[diesel(table_name = api_tokens)]
pub struct TokenView {
    /// Id (use it to revoke).
    pub id: String,
    /// Owner.
    pub user_id: String,
    /// Label.
    pub name: String,
    /// Created.
    pub created_at: String,
    /// Last used.
    pub last_used_at: Option<String>,
    /// Revoked tokens no longer authenticate.
    pub revoked: bool,
}

/// A token just created: the only time its secret is shown.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedToken {
    /// The token's record.
    #[serde(flatten)]
    pub token: TokenView,
    /// The secret: send it as `Authorization: Bearer <token>`. It is not stored and cannot be shown again.
    pub token_secret: String,
}

/// Mints a token for `user_id`.
pub fn create_token(conn: &mut DbConnection, user_id: &str, name: &str) -> AppResult<CreatedToken> {
    let NewToken { secret, hash } = mint_token();
    let id = new_id();
    diesel::insert_into(api_tokens::table)
        .values((
            api_tokens::id.eq(&id),
            api_tokens::user_id.eq(user_id),
            api_tokens::name.eq(name),
            api_tokens::token_hash.eq(&hash),
            api_tokens::created_at.eq(now()),
            api_tokens::revoked.eq(false),
        ))
        .execute(conn)?;
    let token = api_tokens::table.find(&id).select(TokenView::as_select()).first(conn)?;
    Ok(CreatedToken { token, token_secret: secret })
}

/// The organization row for a user's org id, when they have one.
pub fn org_of(conn: &mut DbConnection, user: &UserView) -> AppResult<Option<OrgRow>> {
    match &user.org_id {
        Some(id) => Ok(Some(find_org(conn, id)?)),
        None => Ok(None),
    }
}

/// An account's tokens, oldest first (never their secrets).
pub fn list_tokens(conn: &mut DbConnection, user_id: &str) -> QueryResult<Vec<TokenView>> {
    api_tokens::table.filter(api_tokens::user_id.eq(user_id)).order(api_tokens::created_at).select(TokenView::as_select()).load(conn)
}

/// The account a token belongs to, if the token exists.
pub fn token_owner(conn: &mut DbConnection, token_id: &str) -> QueryResult<Option<String>> {
    api_tokens::table.find(token_id).select(api_tokens::user_id).first(conn).optional()
}

/// Revokes a token.
pub fn revoke_token(conn: &mut DbConnection, token_id: &str) -> QueryResult<usize> {
    diesel::update(api_tokens::table.find(token_id)).set(api_tokens::revoked.eq(true)).execute(conn)
}

/// What a bearer token stands for: (token id, user id, username, role, organisation id, region,
/// when the token was last recorded as used).
pub type TokenAccountRow = (String, String, String, String, Option<String>, Option<String>, Option<String>);

/// The account of a live (not revoked) token, by the token's hash.
pub fn token_account(conn: &mut DbConnection, token_hash: &str) -> QueryResult<Option<TokenAccountRow>> {
    api_tokens::table
        .inner_join(users::table)
        .filter(api_tokens::token_hash.eq(token_hash))
        .filter(api_tokens::revoked.eq(false))
        .select((api_tokens::id, users::id, users::username, users::role, users::org_id, users::region, api_tokens::last_used_at))
        .first(conn)
        .optional()
}

/// An organisation's (code, kind, region), as authorization needs them.
pub fn org_scope_row(conn: &mut DbConnection, org_id: &str) -> QueryResult<Option<(String, String, String)>> {
    organizations::table.find(org_id).select((organizations::code, organizations::kind, organizations::region)).first(conn).optional()
}

/// How stale a token's recorded last use may get: a token's `last_used_at` is written at most
/// once per this many seconds, so it tells "in use this minute" apart from "idle for months"
/// without a write on every authenticated request (on SQLite every write takes the one write
/// lock, so a write per request would queue readers behind writers).
pub const TOKEN_LAST_USE_GRANULARITY_SECS: i64 = 60;

/// Records that a token was used now, if its recorded last use (`last_used`, as read with the
/// token) is older than [`TOKEN_LAST_USE_GRANULARITY_SECS`]; otherwise writes nothing. The
/// update is conditional too, so nodes racing to record the same minute write once.
pub fn touch_token(conn: &mut DbConnection, token_id: &str, last_used: Option<&str>) -> QueryResult<usize> {
    let cutoff = (chrono::Utc::now() - chrono::Duration::seconds(TOKEN_LAST_USE_GRANULARITY_SECS))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    // Timestamps are RFC 3339 UTC text of one width, so text order is time order.
    if last_used.is_some_and(|t| t >= cutoff.as_str()) {
        return Ok(0);
    }
    diesel::update(api_tokens::table.find(token_id).filter(api_tokens::last_used_at.is_null().or(api_tokens::last_used_at.lt(&cutoff))))
        .set(api_tokens::last_used_at.eq(now()))
        .execute(conn)
}

/// How many organisations the store holds.
pub fn count_organizations(conn: &mut DbConnection) -> QueryResult<i64> {
    organizations::table.count().get_result(conn)
}
