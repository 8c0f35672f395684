//! Storage: resolving manifest uris under a root without ever leaving it, and capped reads.

use std::io::{ErrorKind, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use docgate_core::{IngestProblem, IngestProblemKind};

use crate::{problem, Limits, Storage};

impl Storage {
    /// A storage rooted at `root` (for `docgate check`: the manifest's folder).
    pub fn new(root: impl Into<PathBuf>) -> Storage {
        Storage {
            root: root.into(),
            known: Arc::default(),
        }
    }

    /// The root every uri is resolved under.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// This storage, reporting `problem` for `uri` instead of reading it.
    ///
    /// For a layer that fetched the files from elsewhere (an object store) and already knows
    /// why one cannot be read without materialising it — e.g. an object over the byte cap,
    /// which must never be downloaded — while every other uri is read from `root` as usual.
    pub fn with_known_problem(mut self, uri: &str, problem: IngestProblem) -> Storage {
        Arc::make_mut(&mut self.known).insert(uri.to_string(), problem);
        self
    }

    /// Resolves a manifest uri to a regular file under the root.
    ///
    /// Rejected as [`IngestProblemKind::OutsideRoot`]: everything [`uri_segments`] rejects,
    /// and any path — symlinks included — whose canonical form is not inside the canonical
    /// root. A missing file is [`IngestProblemKind::NotFound`]; anything else that is not a
    /// readable regular file (a directory, a FIFO that would block the reader forever, a
    /// permission error) is [`IngestProblemKind::Unreadable`].
    pub fn resolve(&self, uri: &str) -> Result<PathBuf, IngestProblem> {
        let relative: PathBuf = uri_segments(uri)?.into_iter().collect();
        let root = self.root.canonicalize().map_err(|e| {
            problem(
                IngestProblemKind::Unreadable,
                format!("the storage root cannot be resolved: {}", e.kind()),
            )
        })?;
        // Canonicalising resolves every symlink on the way, so the prefix test below is the
        // one that catches links pointing out of the root, however deep they sit.
        let path = root
            .join(&relative)
            .canonicalize()
            .map_err(|e| io_problem(&e))?;
        if !path.starts_with(&root) {
            return Err(problem(
                IngestProblemKind::OutsideRoot,
                "the uri resolves (through a symlink) outside the storage root",
            ));
        }
        let meta = std::fs::metadata(&path).map_err(|e| io_problem(&e))?;
        if !meta.is_file() {
            return Err(problem(
                IngestProblemKind::Unreadable,
                "the uri does not name a regular file",
            ));
        }
        Ok(path)
    }

    /// Reads the file `uri` names, at most `limits.max_file_bytes` + 1 bytes of it: the size
    /// the file system reports is only a capacity hint, since a file can grow between
    /// `stat` and `read`. More than the cap is [`IngestProblemKind::TooLarge`].
    pub fn read(&self, uri: &str, limits: &Limits) -> Result<Vec<u8>, IngestProblem> {
        if let Some(p) = self.known.get(uri) {
            return Err(p.clone());
        }
        let path = self.resolve(uri)?;
        let file = std::fs::File::open(&path).map_err(|e| io_problem(&e))?;
        let cap = limits.max_file_bytes.saturating_add(1);
        let hint = file
            .metadata()
            .map(|m| m.len())
            .unwrap_or(0)
            .min(cap)
            .min(64 << 20);
        let mut bytes = Vec::with_capacity(usize::try_from(hint).unwrap_or(0));
        file.take(cap)
            .read_to_end(&mut bytes)
            .map_err(|e| io_problem(&e))?;
        if bytes.len() as u64 > limits.max_file_bytes {
            return Err(too_large(limits));
        }
        Ok(bytes)
    }
}

/// The problem of a file over `limits.max_file_bytes`, as [`Storage::read`] reports it; a
/// fetcher that refuses an over-size object reports the very same one.
pub fn too_large(limits: &Limits) -> IngestProblem {
    problem(
        IngestProblemKind::TooLarge,
        format!(
            "the file is larger than the cap of {} bytes",
            limits.max_file_bytes
        ),
    )
}

/// The lexical half of [`Storage::resolve`]: a manifest uri as the relative path segments
/// it names, checked without touching any file system, so that an object-store key is
/// built under exactly the rules a local path is.
///
/// Rejected as [`IngestProblemKind::OutsideRoot`]: absolute paths, `..` components, NUL
/// bytes, backslashes (a Windows separator, or an escape a later layer might interpret),
/// URL schemes and drive letters (`file:`, `s3:`, `C:`). An empty uri, or one that names
/// no file (`.`, `./`), is [`IngestProblemKind::NotFound`]. Empty and `.` segments are
/// dropped, as `Path::components` drops them.
pub fn uri_segments(uri: &str) -> Result<Vec<&str>, IngestProblem> {
    let outside = |why: &str| problem(IngestProblemKind::OutsideRoot, why.to_string());
    if uri.is_empty() {
        return Err(problem(IngestProblemKind::NotFound, "the uri is empty"));
    }
    if uri.contains('\0') {
        return Err(outside("the uri contains a NUL byte"));
    }
    if uri.contains('\\') {
        return Err(outside("the uri contains a backslash"));
    }
    if has_scheme(uri) {
        return Err(outside(
            "the uri has a scheme or drive prefix; only relative paths are accepted",
        ));
    }
    if uri.starts_with('/') {
        return Err(outside("the uri is an absolute path"));
    }
    let mut segments = Vec::new();
    for part in uri.split('/') {
        match part {
            "" | "." => {}
            ".." => return Err(outside("the uri contains a `..` component")),
            part => segments.push(part),
        }
    }
    if segments.is_empty() {
        return Err(problem(
            IngestProblemKind::NotFound,
            "the uri names no file",
        ));
    }
    Ok(segments)
}

/// `scheme:` (RFC 3986: a letter, then letters, digits, `+`, `-`, `.`) before any `/`.
/// This also catches Windows drive letters (`C:`).
fn has_scheme(uri: &str) -> bool {
    let head = uri.split('/').next().unwrap_or("");
    match head.split_once(':') {
        Some((scheme, _)) => {
            let mut chars = scheme.chars();
            chars.next().is_some_and(|c| c.is_ascii_alphabetic())
                && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        }
        None => false,
    }
}

fn io_problem(e: &std::io::Error) -> IngestProblem {
    // Only the error kind goes into the detail: OS messages can echo paths.
    match e.kind() {
        ErrorKind::NotFound => problem(IngestProblemKind::NotFound, "no file at this uri"),
        kind => problem(
            IngestProblemKind::Unreadable,
            format!("the file cannot be read: {kind}"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemes() {
        assert!(has_scheme("file:///etc/passwd"));
        assert!(has_scheme("s3://bucket/x"));
        assert!(has_scheme("C:foo"));
        assert!(!has_scheme("dir/a:b.jpg"));
        assert!(!has_scheme("1:x.jpg"));
        assert!(!has_scheme("lic.jpg"));
    }

    #[test]
    fn segments_follow_the_resolve_rules() {
        let kind = |uri| uri_segments(uri).map_err(|p| p.kind);
        assert_eq!(kind("S-1/lic.jpg"), Ok(vec!["S-1", "lic.jpg"]));
        assert_eq!(kind("./a//b/./c.png/"), Ok(vec!["a", "b", "c.png"]));
        for bad in [
            "../x",
            "a/../../x",
            "a/..",
            "/etc/passwd",
            "s3://b/k",
            "C:x",
            "a\\b",
            "a\0b",
        ] {
            assert_eq!(kind(bad), Err(IngestProblemKind::OutsideRoot), "{bad:?}");
        }
        for none in ["", ".", "./", ".//."] {
            assert_eq!(kind(none), Err(IngestProblemKind::NotFound), "{none:?}");
        }
    }

    #[test]
    fn a_known_problem_is_reported_instead_of_reading() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("a.jpg"), b"abc").expect("write");
        let limits = Limits::default();
        let storage = Storage::new(dir.path()).with_known_problem("big.jpg", too_large(&limits));
        let err = storage.read("big.jpg", &limits).map_err(|p| p.kind);
        assert_eq!(err, Err(IngestProblemKind::TooLarge));
        // Other uris are read as usual, and a clone keeps the known problems.
        assert_eq!(storage.clone().read("a.jpg", &limits), Ok(b"abc".to_vec()));
        // A local file over the cap gets exactly the problem a fetcher reports.
        let small = Limits {
            max_file_bytes: 2,
            ..limits
        };
        assert_eq!(storage.read("a.jpg", &small), Err(too_large(&small)));
    }
}
