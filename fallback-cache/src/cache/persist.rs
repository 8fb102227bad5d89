//! Saving and loading a cache (feature `persist`), so a restarted process
//! can still serve last-good results during an outage.
//!
//! The file is versioned JSON, written to a temporary file in the same
//! folder and renamed over the target, so a crash mid-write leaves the old
//! file whole. The temporary file is created exclusively under an
//! unpredictable name with mode 0600, so a symlink planted beside the
//! target is never written through; the saved file keeps the mode of the
//! file it replaces (0600 when new). Ages survive the restart through wall time: an entry saved
//! at age `a` and loaded `d` of wall time later is `a + d` old (`d` taken
//! as zero if the wall clock went backwards).

use std::fs;
use std::hash::Hash;
use std::io::{BufWriter, Write as _};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::ResponseCache;
use crate::Error;

const FORMAT: &str = "fallback-cache";
const VERSION: u32 = 1;

/// What [`ResponseCache::save`] wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SaveReport {
    /// Servable entries written.
    pub entries: usize,
}

/// What [`ResponseCache::load`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LoadReport {
    /// Whether the file existed (a first start has none; that is not an error).
    pub file_found: bool,
    /// Entries stored in the cache.
    pub loaded: usize,
    /// Entries skipped as too old to serve.
    pub expired: usize,
    /// Entries skipped because the cache already held a younger value.
    pub superseded: usize,
}

#[derive(Deserialize)]
struct Header {
    format: String,
    version: u32,
}

#[derive(Serialize)]
struct FileOut<'a, K, V> {
    format: &'static str,
    version: u32,
    saved_at_unix_nanos: u64,
    entries: Vec<EntryOut<'a, K, V>>,
}

#[derive(Serialize)]
struct EntryOut<'a, K, V> {
    key: &'a K,
    age_nanos: u64,
    value: &'a V,
}

#[derive(Deserialize)]
struct FileIn<K, V> {
    saved_at_unix_nanos: u64,
    entries: Vec<EntryIn<K, V>>,
}

#[derive(Deserialize)]
struct EntryIn<K, V> {
    key: K,
    age_nanos: u64,
    value: V,
}

impl<K, V> ResponseCache<K, V>
where
    K: Hash + Eq + Send + Sync + Serialize + DeserializeOwned + 'static,
    V: Send + Sync + Serialize + DeserializeOwned + 'static,
{
    /// Writes every servable entry to `path`, atomically.
    ///
    /// # Errors
    /// [`Error::Io`] if the file cannot be written; the previous file, if
    /// any, is left as it was.
    pub fn save(&self, path: &Path) -> Result<SaveReport, Error> {
        let entries = self.entries();
        let file = FileOut {
            format: FORMAT,
            version: VERSION,
            saved_at_unix_nanos: unix_nanos(self.clock.wall_now()),
            entries: entries
                .iter()
                .map(|(key, hit)| EntryOut {
                    key: &**key,
                    age_nanos: nanos(hit.age),
                    value: &*hit.value,
                })
                .collect(),
        };
        write_atomically(path, |out| {
            serde_json::to_writer(out, &file).map_err(std::io::Error::from)
        })?;
        Ok(SaveReport {
            entries: entries.len(),
        })
    }

    /// Loads entries saved by [`save`](Self::save). A missing file loads
    /// nothing. Entries never replace a younger one already cached.
    ///
    /// # Errors
    /// [`Error::Corrupt`] for a corrupt or truncated file and
    /// [`Error::UnsupportedFormat`] for another format: both are logged at
    /// `warn`, and the cache is left untouched. [`Error::Io`] if the file
    /// exists but cannot be read.
    pub fn load(&self, path: &Path) -> Result<LoadReport, Error> {
        let bytes = match fs::read(path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(LoadReport::default()),
            Err(source) => {
                return Err(Error::Io {
                    path: path.to_owned(),
                    source,
                });
            }
        };
        let file = parse::<K, V>(path, &bytes).inspect_err(|error| {
            tracing::warn!(path = %path.display(), %error, "ignoring unreadable fallback cache file");
        })?;
        let since_save = self
            .clock
            .wall_now()
            .duration_since(UNIX_EPOCH + Duration::from_nanos(file.saved_at_unix_nanos))
            .unwrap_or(Duration::ZERO);
        let mut report = LoadReport {
            file_found: true,
            ..LoadReport::default()
        };
        for entry in file.entries {
            let age = Duration::from_nanos(entry.age_nanos).saturating_add(since_save);
            if self.staleness.classify(age).is_none() {
                report.expired += 1;
            } else if self.put_if_older_than(entry.key, Arc::new(entry.value), age) {
                report.loaded += 1;
            } else {
                report.superseded += 1;
            }
        }
        Ok(report)
    }

    fn put_if_older_than(&self, key: K, value: Arc<V>, age: Duration) -> bool {
        let now = self.clock.now();
        let slot = Arc::new(super::Slot::new(value, age, now));
        let result = self
            .inner
            .entry(key)
            .and_compute_with(|existing| match existing {
                Some(current) if current.value().age(now) <= age => moka::ops::compute::Op::Nop,
                _ => moka::ops::compute::Op::Put(slot),
            });
        matches!(
            result,
            moka::ops::compute::CompResult::Inserted(_)
                | moka::ops::compute::CompResult::ReplacedWith(_)
        )
    }
}

fn parse<K: DeserializeOwned, V: DeserializeOwned>(
    path: &Path,
    bytes: &[u8],
) -> Result<FileIn<K, V>, Error> {
    let corrupt = |source| Error::Corrupt {
        path: path.to_owned(),
        source,
    };
    let header: Header = serde_json::from_slice(bytes).map_err(corrupt)?;
    if header.format != FORMAT || header.version != VERSION {
        return Err(Error::UnsupportedFormat {
            path: path.to_owned(),
            format: header.format,
            version: header.version,
            expected: VERSION,
        });
    }
    serde_json::from_slice(bytes).map_err(corrupt)
}

fn write_atomically(
    path: &Path,
    write: impl FnOnce(&mut BufWriter<fs::File>) -> std::io::Result<()>,
) -> Result<(), Error> {
    let io = |source| Error::Io {
        path: path.to_owned(),
        source,
    };
    let (temp, file) = create_temp(path).map_err(io)?;
    let result = (|| {
        keep_mode_of(path, &file)?;
        let mut out = BufWriter::new(file);
        write(&mut out)?;
        out.flush()?;
        out.get_ref().sync_all()?;
        // Renaming replaces `path` itself: a symlink planted there is
        // replaced, never written through.
        fs::rename(&temp, path)
    })();
    if let Err(source) = result {
        let _ = fs::remove_file(&temp);
        return Err(io(source));
    }
    // Persist the rename itself; best effort, as not every platform can
    // open a directory.
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        if let Ok(dir) = fs::File::open(dir) {
            let _ = dir.sync_all();
        }
    }
    Ok(())
}

/// How many names `create_temp` tries before giving up.
const TEMP_ATTEMPTS: u32 = 16;

/// Creates a new temporary file beside `path`, exclusively (`O_EXCL`: an
/// existing file or symlink of that name makes the attempt fail, so
/// nothing planted is ever followed or truncated), readable by its owner
/// only (mode 0600 on Unix), under a name no one can guess in advance.
fn create_temp(path: &Path) -> std::io::Result<(PathBuf, fs::File)> {
    let mut last = None;
    for _ in 0..TEMP_ATTEMPTS {
        let temp = temp_path(path);
        let mut options = fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        match options.open(&temp) {
            Ok(file) => return Ok((temp, file)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| std::io::Error::other("no temporary file name left")))
}

/// Gives the new file the permissions of the regular file it replaces, so
/// a save never widens (or resets) what the owner chose; a new file, or one
/// replacing a symlink, keeps 0600.
fn keep_mode_of(path: &Path, file: &fs::File) -> std::io::Result<()> {
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_file() => file.set_permissions(meta.permissions()),
        _ => Ok(()),
    }
}

/// A temporary name beside `path`: the process id, a counter and a random
/// part, so it is unique per call and cannot be predicted (and planted)
/// ahead of the save.
fn temp_path(path: &Path) -> PathBuf {
    use std::hash::{BuildHasher, Hasher};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    // `RandomState` is seeded from the OS's randomness per process and
    // varied per instance: enough to make the name unguessable without a
    // random-number dependency.
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(n);
    let random = hasher.finish();
    let mut name = path
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(format!(".tmp.{}.{n}.{random:016x}", std::process::id()));
    path.with_file_name(name)
}

fn unix_nanos(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map_or(0, nanos)
}

fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}
