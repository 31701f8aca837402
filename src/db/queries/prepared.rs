//! Keeping the hot statements prepared.
//!
//! Diesel keeps a statement prepared only when its SQL cannot vary without bound; a list of
//! ids (`IN (?, ?, …)` on SQLite) varies with the number of ids, so Diesel prepares it anew
//! on every call, and on SQLite preparing costs more than running it (the profile in
//! `docs/benchmarks.md`). [`by_sql`] asks Diesel to keep such a statement prepared under its
//! SQL text, and [`padded_keys`] bounds how many texts there can be: the list is padded to a
//! power of two by repeating its last key, which an `IN` does not notice.

use diesel::{
    QueryResult, RunQueryDsl,
    backend::Backend,
    query_builder::{AstPass, Query, QueryFragment, QueryId},
};

/// A query Diesel keeps prepared under its SQL text. Only for queries whose SQL takes few
/// shapes (an `IN` over [`padded_keys`], not over a list of any length).
#[derive(Debug, Clone, Copy)]
pub struct CachedBySql<Q>(Q);

/// `query`, kept prepared under its SQL text.
pub fn by_sql<Q>(query: Q) -> CachedBySql<Q> {
    CachedBySql(query)
}

impl<Q: Query> Query for CachedBySql<Q> {
    type SqlType = Q::SqlType;
}

impl<Q> QueryId for CachedBySql<Q> {
    type QueryId = ();
    // No static id: the cache keys the statement by its SQL.
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<DB: Backend, Q: QueryFragment<DB>> QueryFragment<DB> for CachedBySql<Q> {
    fn walk_ast<'b>(&'b self, pass: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        self.0.walk_ast(pass)
    }

    fn is_safe_to_cache_prepared(&self, _backend: &DB) -> QueryResult<bool> {
        Ok(true)
    }
}

impl<Q, Conn> RunQueryDsl<Conn> for CachedBySql<Q> {}

/// `keys` (ids, slugs) padded to a power of two by repeating the last, so that an `IN` over
/// them has one SQL text per power of two instead of one per length.
pub fn padded_keys(keys: &[String]) -> Vec<String> {
    let mut padded = keys.to_vec();
    if let Some(last) = keys.last() {
        padded.resize(keys.len().next_power_of_two(), last.clone());
    }
    padded
}

#[cfg(test)]
mod tests {
    use super::padded_keys;

    fn ids(n: usize) -> Vec<String> {
        (0..n).map(|i| i.to_string()).collect()
    }

    #[test]
    fn padding_keeps_every_id_and_repeats_only_the_last() {
        assert!(padded_keys(&[]).is_empty());
        assert_eq!(padded_keys(&ids(1)), ids(1));
        assert_eq!(padded_keys(&ids(4)), ids(4));
        let padded = padded_keys(&ids(5));
        assert_eq!(padded.len(), 8);
        assert_eq!(&padded[..5], &ids(5)[..]);
        assert!(padded[5..].iter().all(|id| id == "4"));
        assert_eq!(padded_keys(&ids(21)).len(), 32);
    }
}
