//! How much memory each SQLite connection may keep: its page cache and its memory map.

use clap::Args;

/// Kibibytes of page cache per SQLite connection by default: every pooled connection keeps
/// its own, so this times the pool is what SQLite holds (SQLite's own default is 2 000 KiB).
/// The kernel caches the file as well, so a miss here is a copy, not a disk read.
pub const DEFAULT_SQLITE_CACHE_KIB: u32 = 1024;
/// Mebibytes of the database file SQLite maps into memory by default: none. Each connection
/// maps the file itself, and RSS counts a mapped page once per mapping, so a pool of 8 read
/// through a map showed ~600 MiB of RSS for a 250 MB file (see docs/architecture.md).
pub const DEFAULT_SQLITE_MMAP_MB: u64 = 0;

/// Per-connection SQLite memory settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SqliteTuning {
    /// `PRAGMA cache_size` in KiB (private to the connection, on the heap).
    pub cache_kib: u32,
    /// `PRAGMA mmap_size` in MiB: pages read from the map are the kernel's page cache,
    /// shared by every connection and reclaimable, not copied onto each connection's heap.
    pub mmap_mb: u64,
}

impl Default for SqliteTuning {
    fn default() -> Self {
        SqliteTuning {
            cache_kib: DEFAULT_SQLITE_CACHE_KIB,
            mmap_mb: DEFAULT_SQLITE_MMAP_MB,
        }
    }
}

impl SqliteTuning {
    /// The pragmas that apply these settings to a connection.
    pub fn pragmas(&self) -> String {
        // A negative cache_size is in KiB; a positive one would be in pages.
        format!(
            "PRAGMA cache_size = -{}; PRAGMA mmap_size = {};",
            self.cache_kib.max(1),
            self.mmap_mb.saturating_mul(1024 * 1024)
        )
    }
}

/// The command-line flags of [`SqliteTuning`] (ignored on PostgreSQL).
#[derive(Debug, Clone, Args)]
pub struct SqliteTuningArgs {
    /// KiB of page cache per SQLite connection (`PRAGMA cache_size`).
    #[arg(long, env = "BYLINE_SQLITE_CACHE_KIB", default_value_t = DEFAULT_SQLITE_CACHE_KIB,
          value_parser = clap::value_parser!(u32).range(64..=1_048_576))]
    pub sqlite_cache_kib: u32,
    /// MiB of the SQLite file read through a memory map (`PRAGMA mmap_size`; 0, the
    /// default: plain reads into each connection's page cache).
    #[arg(long, env = "BYLINE_SQLITE_MMAP_MB", default_value_t = DEFAULT_SQLITE_MMAP_MB,
          value_parser = clap::value_parser!(u64).range(0..=2047))]
    pub sqlite_mmap_mb: u64,
}

impl SqliteTuningArgs {
    pub fn tuning(&self) -> SqliteTuning {
        SqliteTuning {
            cache_kib: self.sqlite_cache_kib,
            mmap_mb: self.sqlite_mmap_mb,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pragmas_give_the_cache_in_kib_and_the_map_in_bytes() {
        let tuning = SqliteTuning {
            cache_kib: 512,
            mmap_mb: 2,
        };
        assert_eq!(
            tuning.pragmas(),
            "PRAGMA cache_size = -512; PRAGMA mmap_size = 2097152;"
        );
    }
}
