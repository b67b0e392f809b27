//! A learner's share links (`share_links`, migration `000012_web_sessions`): a random token
//! that opens one credential's page until it expires or is withdrawn. Rows only; the rules
//! (who may share what, how long, what a visitor sees) live in `services::shares`.

use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::share_links;

/// A stored share link.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = share_links)]
pub struct ShareLinkRow {
    /// Id.
    pub id: String,
    /// The random link segment (`/s/{token}`).
    pub token: String,
    /// The credential it opens (`urn:uuid:…`).
    pub credential_id: String,
    /// The learner who made it (the credential's holder).
    pub learner_id: String,
    /// Made at (RFC 3339 UTC).
    pub created_at: String,
    /// Stops working at (RFC 3339 UTC).
    pub expires_at: String,
    /// Withdrawn by the learner at, if it was.
    pub withdrawn_at: Option<String>,
}

/// Stores a new link.
pub fn insert_share(conn: &mut DbConnection, row: &ShareLinkRow) -> QueryResult<usize> {
    diesel::insert_into(share_links::table).values(row).execute(conn)
}

/// The link with this token, if any.
pub fn find_share_by_token(conn: &mut DbConnection, token: &str) -> QueryResult<Option<ShareLinkRow>> {
    share_links::table.filter(share_links::token.eq(token)).select(ShareLinkRow::as_select()).first(conn).optional()
}

/// The link with this id, if any.
pub fn find_share(conn: &mut DbConnection, id: &str) -> QueryResult<Option<ShareLinkRow>> {
    share_links::table.filter(share_links::id.eq(id)).select(ShareLinkRow::as_select()).first(conn).optional()
}

/// A learner's links for one credential, newest first.
pub fn shares_of(conn: &mut DbConnection, learner_id: &str, credential_id: &str) -> QueryResult<Vec<ShareLinkRow>> {
    share_links::table
        .filter(share_links::learner_id.eq(learner_id))
        .filter(share_links::credential_id.eq(credential_id))
        .order((share_links::created_at.desc(), share_links::id.desc()))
        .select(ShareLinkRow::as_select())
        .load(conn)
}

/// Marks a link withdrawn (once: a link already withdrawn keeps its first time). Returns
/// the rows changed.
pub fn withdraw_share(conn: &mut DbConnection, id: &str, at: &str) -> QueryResult<usize> {
    diesel::update(share_links::table.filter(share_links::id.eq(id)).filter(share_links::withdrawn_at.is_null()))
        .set(share_links::withdrawn_at.eq(at))
        .execute(conn)
}
