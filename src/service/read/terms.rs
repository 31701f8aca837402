//! The sections, authors and tags that pages show, kept in memory: every page of 20 cards
//! names the same few hundred terms, and decoding their rows again on every page was the
//! largest part of an uncached list (`docs/benchmarks.md`, 2026-12-02 night). A page now reads
//! only which term ids its articles have, in order, and takes the terms from here.
//!
//! The memo hears the same invalidations as the response cache (writes on this instance, the
//! other instances through `super::super::peers`, and "everything" when the listener lost its
//! session), and forgets a whole kind when any of its terms changed. Terms carry no
//! visibility of their own, so a stale one could only show an old name, never a hidden
//! article; still, while this instance cannot hear every change, the memo is not used.
//!
//! A read that loaded a term before a change and stores it after the change was announced
//! would keep the old term for good; each kind has a generation, bumped when it is forgotten,
//! and a load stores its terms only if the generation it began under is still current.

use std::{
    collections::{HashMap, HashSet},
    sync::{Arc, RwLock},
};

use crate::{
    domain::{
        article::{Author, Section, Tag},
        taxonomy::Taxonomy,
    },
    service::{
        invalidation::{Invalidation, Listener},
        peers::Hearing,
    },
};

/// At most this many terms of one kind are kept; past it, the kind starts afresh. A
/// newsroom's active terms fit many times over; a crawl through every archive page does
/// not grow memory without end.
pub const MAX_TERMS_PER_KIND: usize = 20_000;

/// The terms of one kind, by id.
struct Kind<T> {
    state: RwLock<KindState<T>>,
}

struct KindState<T> {
    by_id: HashMap<String, Arc<T>>,
    generation: u64,
}

impl<T> Default for Kind<T> {
    fn default() -> Self {
        Kind {
            state: RwLock::new(KindState {
                by_id: HashMap::new(),
                generation: 0,
            }),
        }
    }
}

impl<T> Kind<T> {
    fn read(&self) -> std::sync::RwLockReadGuard<'_, KindState<T>> {
        self.state.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, KindState<T>> {
        self.state.write().unwrap_or_else(|p| p.into_inner())
    }

    fn forget(&self) {
        let mut state = self.write();
        state.by_id.clear();
        state.generation += 1;
    }
}

/// A read's view of one kind: what the memo had when the read began, and under which
/// generation, so that what the read loads itself can be kept only if still current.
pub struct Lookup<'a, T> {
    kind: Option<&'a Kind<T>>,
    generation: u64,
}

impl<T> Lookup<'_, T> {
    /// No memo: every term is read from the database (inside a write's transaction, whose
    /// rows other reads must not see before it commits).
    pub fn none() -> Self {
        Lookup {
            kind: None,
            generation: 0,
        }
    }

    /// The terms of `ids` the memo has, and the ids it lacks (each once).
    pub fn split<'i>(&self, ids: impl IntoIterator<Item = &'i String>) -> Split<'i, T> {
        let mut split = Split {
            found: HashMap::new(),
            missing: Vec::new(),
        };
        let mut seen = HashSet::new();
        let state = self.kind.map(Kind::read);
        for id in ids {
            if !seen.insert(id.as_str()) {
                continue;
            }
            match state.as_ref().and_then(|s| s.by_id.get(id)) {
                Some(term) => {
                    split.found.insert(id.as_str(), term.clone());
                }
                None => split.missing.push(id),
            }
        }
        split
    }

    /// Keeps terms this read loaded, unless their kind was forgotten since it began.
    pub fn keep(&self, loaded: impl IntoIterator<Item = (String, Arc<T>)>) {
        let Some(kind) = self.kind else {
            return;
        };
        let mut state = kind.write();
        if state.generation != self.generation {
            return;
        }
        for (id, term) in loaded {
            if state.by_id.len() >= MAX_TERMS_PER_KIND {
                state.by_id.clear();
            }
            state.by_id.insert(id, term);
        }
    }
}

/// Which of a read's ids the memo had, and which it must load.
pub struct Split<'i, T> {
    pub found: HashMap<&'i str, Arc<T>>,
    pub missing: Vec<&'i String>,
}

impl<'i, T> Split<'i, T> {
    /// Adds the loaded terms, by id.
    pub fn add(&mut self, loaded: &'i [(String, Arc<T>)]) {
        for (id, term) in loaded {
            self.found.insert(id.as_str(), term.clone());
        }
    }
}

/// The memo of every kind, shared by every clone of the service.
#[derive(Clone)]
pub struct TermMemo {
    inner: Arc<Kinds>,
    hearing: Hearing,
}

#[derive(Default)]
struct Kinds {
    sections: Kind<Section>,
    authors: Kind<Author>,
    tags: Kind<Tag>,
}

impl TermMemo {
    /// A memo used only while `hearing` says no change by another instance can be missed.
    pub fn new(hearing: Hearing) -> TermMemo {
        TermMemo {
            inner: Arc::default(),
            hearing,
        }
    }

    fn lookup<'a, T>(&self, kind: &'a Kind<T>) -> Lookup<'a, T> {
        // The generation is read before anything the read loads, so a change announced
        // after this point keeps that read's terms out.
        let generation = kind.read().generation;
        Lookup {
            kind: self.hearing.hears_everything().then_some(kind),
            generation,
        }
    }

    pub fn sections(&self) -> Lookup<'_, Section> {
        self.lookup(&self.inner.sections)
    }

    pub fn authors(&self) -> Lookup<'_, Author> {
        self.lookup(&self.inner.authors)
    }

    pub fn tags(&self) -> Lookup<'_, Tag> {
        self.lookup(&self.inner.tags)
    }

    /// How many terms of each kind are kept (for tests and `/metrics`).
    pub fn len(&self, of: Taxonomy) -> usize {
        match of {
            Taxonomy::Section => self.inner.sections.read().by_id.len(),
            Taxonomy::Author => self.inner.authors.read().by_id.len(),
            Taxonomy::Tag => self.inner.tags.read().by_id.len(),
        }
    }

    fn forget(&self, of: Taxonomy) {
        match of {
            Taxonomy::Section => self.inner.sections.forget(),
            Taxonomy::Author => self.inner.authors.forget(),
            Taxonomy::Tag => self.inner.tags.forget(),
        }
    }
}

impl Listener for TermMemo {
    fn invalidated(&self, what: &Invalidation) {
        for &of in Taxonomy::ALL {
            // A term's own key (`tag:{id}`) is in every change of it (`term_changed`,
            // `term_deleted`); a created term is in no page yet.
            let prefix = format!("{}:", of.singular());
            if what.everything || what.keys.iter().any(|k| k.starts_with(&prefix)) {
                self.forget(of);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain;

    fn section(id: &str, name: &str) -> Arc<Section> {
        let now = domain::now();
        Arc::new(Section {
            id: id.into(),
            slug: id.into(),
            name: name.into(),
            description: None,
            article_count: None,
            created_at: now,
            updated_at: now,
        })
    }

    #[test]
    fn a_load_that_began_before_a_change_keeps_nothing() {
        let memo = TermMemo::new(Hearing::default());
        let ids = ["s1".to_string()];
        let before = memo.sections();
        assert_eq!(before.split(&ids).missing.len(), 1);
        let mut changed = Invalidation::default();
        changed.term_changed(Taxonomy::Section, "s1");
        memo.invalidated(&changed);
        before.keep([("s1".to_string(), section("s1", "Old name"))]);
        assert_eq!(memo.len(Taxonomy::Section), 0, "the old row is not kept");

        let after = memo.sections();
        after.keep([("s1".to_string(), section("s1", "New name"))]);
        let split = memo.sections().split(&ids);
        assert!(split.missing.is_empty());
        assert_eq!(split.found["s1"].name, "New name");
    }

    #[test]
    fn only_a_change_of_its_kind_or_everything_forgets_a_kind() {
        let memo = TermMemo::new(Hearing::default());
        memo.sections()
            .keep([("s1".to_string(), section("s1", "World"))]);
        let mut article = Invalidation::default();
        article.article_came_out("a1");
        memo.invalidated(&article);
        let mut tag = Invalidation::default();
        tag.term_changed(Taxonomy::Tag, "t1");
        memo.invalidated(&tag);
        assert_eq!(memo.len(Taxonomy::Section), 1);
        memo.invalidated(&Invalidation {
            everything: true,
            ..Invalidation::default()
        });
        assert_eq!(memo.len(Taxonomy::Section), 0);
    }

    #[test]
    fn the_memo_is_bounded() {
        let memo = TermMemo::new(Hearing::default());
        let many = (0..MAX_TERMS_PER_KIND + 5).map(|i| {
            let id = format!("s{i}");
            (id.clone(), section(&id, "S"))
        });
        memo.sections().keep(many);
        assert!(memo.len(Taxonomy::Section) <= MAX_TERMS_PER_KIND);
    }
}
