//! Rows, queries and response types, one module per resource.
//!
//! Query functions take `&mut DbConnection` and return `QueryResult` or `AppResult`; they
//! run inside `Db::run` (handlers) or directly (CLI, demo seeder, importers). Rows are kept
//! apart from the JSON the API returns, so the schema can evolve without breaking clients.

pub mod accounts;
pub(crate) mod applications;
pub mod catalog;
pub(crate) mod courses;
pub mod credentials;
pub(crate) mod credit_account;
pub(crate) mod demand;
pub mod keys;
pub(crate) mod matching;
pub(crate) mod pagination;
pub(crate) mod recognition;
pub(crate) mod reports;
pub mod sessions;
pub(crate) mod shares;
pub(crate) mod trust;

/// The most bind parameters one statement may carry: under SQLite's 32,766 (bundled SQLite
/// 3.32 and later) and PostgreSQL's 65,535, with room left for a query's other parameters.
pub(crate) const MAX_BINDS: usize = 30_000;

/// Splits user-sized input (ids for `eq_any`, rows for a batch insert) so that a statement
/// with `binds_per_item` parameters per item never exceeds [`MAX_BINDS`]: past either
/// backend's limit a statement fails, and a client's large cohort or file would be a 500.
/// Every `eq_any` and batch insert over a list a client sizes goes through here.
pub(crate) fn bind_chunks<T>(items: &[T], binds_per_item: usize) -> std::slice::Chunks<'_, T> {
    items.chunks((MAX_BINDS / binds_per_item.max(1)).max(1))
}

#[cfg(test)]
mod tests {
    #[test]
    fn chunks_stay_under_the_bind_limit() {
        let ids: Vec<u32> = (0..70_001).collect();
        let sizes: Vec<usize> = super::bind_chunks(&ids, 1).map(<[u32]>::len).collect();
        assert_eq!(sizes, [30_000, 30_000, 10_001]);
        assert!(super::bind_chunks(&ids, 15).all(|c| c.len() * 15 <= super::MAX_BINDS));
        assert_eq!(super::bind_chunks(&ids, 0).count(), 3, "a zero width counts as one");
    }
}
