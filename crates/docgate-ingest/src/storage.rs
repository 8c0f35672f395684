//! Storage: resolving manifest uris under a root without ever leaving it, and capped reads.

use std::io::{ErrorKind, Read};
use std::path::{Component, Path, PathBuf};

use docgate_core::{IngestProblem, IngestProblemKind};

use crate::{problem, Limits, Storage};

impl Storage {
    /// A storage rooted at `root` (for `docgate check`: the manifest's folder).
    pub fn new(root: impl Into<PathBuf>) -> Storage {
        Storage { root: root.into() }
    }

    /// The root every uri is resolved under.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Resolves a manifest uri to a regular file under the root.
    ///
    /// Rejected as [`IngestProblemKind::OutsideRoot`]: absolute paths, `..` components, NUL
    /// bytes, backslashes (a Windows separator, or an escape a later layer might interpret),
    /// URL schemes and drive letters (`file:`, `s3:`, `C:`), and any path — symlinks
    /// included — whose canonical form is not inside the canonical root. A missing file is
    /// [`IngestProblemKind::NotFound`]; anything else that is not a readable regular file
    /// (a directory, a FIFO that would block the reader forever, a permission error) is
    /// [`IngestProblemKind::Unreadable`].
    pub fn resolve(&self, uri: &str) -> Result<PathBuf, IngestProblem> {
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
        let mut relative = PathBuf::new();
        for component in Path::new(uri).components() {
            match component {
                Component::Normal(part) => relative.push(part),
                Component::CurDir => {}
                Component::ParentDir => return Err(outside("the uri contains a `..` component")),
                Component::RootDir | Component::Prefix(_) => {
                    return Err(outside("the uri is an absolute path"))
                }
            }
        }
        if relative.as_os_str().is_empty() {
            return Err(problem(
                IngestProblemKind::NotFound,
                "the uri names no file",
            ));
        }
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
            return Err(outside(
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
            return Err(problem(
                IngestProblemKind::TooLarge,
                format!(
                    "the file is larger than the cap of {} bytes",
                    limits.max_file_bytes
                ),
            ));
        }
        Ok(bytes)
    }
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
}
