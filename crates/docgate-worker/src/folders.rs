//! Each submission's files live in its own folder of the shared storage root: the folder's
//! name, and the rule that a worker reads nothing outside it.

use docgate_core::{IngestProblem, IngestProblemKind, Submission};

/// A folder name for a submission id: the id itself when it is a plain name, otherwise a
/// sanitised form plus a hash of the id, so that no id can name a path outside the root or
/// collide with another.
pub fn storage_folder(id: &str) -> String {
    let plain = !id.is_empty()
        && !id.starts_with('.')
        && id.len() <= 128
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if plain {
        return id.to_string();
    }
    let clean: String = id
        .chars()
        .take(64)
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let hash = crate::content_hash(id.as_bytes());
    format!("{clean}-{}", &hash[7..19])
}

/// The documents of `sub` whose uri names a file outside the submission's own folder, each
/// with the problem to report instead of reading it.
///
/// The storage root is shared by every submission, so a uri that is merely "inside the root"
/// could name another business's upload (`OTHER-ID/idf.jpg`): the message would then be
/// judged on, and its report would describe, someone else's ID card. A uri must therefore
/// start with [`storage_folder`] of its submission id, the layout `docgate enqueue` writes.
/// Uris the storage refuses anyway (`..`, absolute, a scheme) are left to it.
pub fn outside_folder(sub: &Submission) -> Vec<(String, IngestProblem)> {
    let folder = storage_folder(&sub.submission_id);
    sub.documents
        .iter()
        .filter_map(|doc| {
            let segments = docgate_ingest::uri_segments(&doc.uri).ok()?;
            // A uri naming the folder itself is no file in it (the storage says so).
            if segments.len() > 1 && segments[0] == folder {
                return None;
            }
            Some((
                doc.uri.clone(),
                IngestProblem {
                    kind: IngestProblemKind::OutsideRoot,
                    detail: format!("not in this submission's folder `{folder}/`"),
                },
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn storage_folders_never_escape_and_never_collide() {
        assert_eq!(storage_folder("S-20261123-0001"), "S-20261123-0001");
        for bad in ["..", "../x", "/etc", "a/b", ".hidden", "", "有限公司"] {
            let f = storage_folder(bad);
            assert!(
                !f.contains('/') && !f.starts_with('.') && !f.is_empty(),
                "{bad} -> {f}"
            );
        }
        assert_ne!(storage_folder("a/b"), storage_folder("a_b"));
        assert_ne!(storage_folder("a/b"), storage_folder("a?b"));
    }

    fn sub(id: &str, uris: &[&str]) -> Submission {
        let docs: Vec<serde_json::Value> = uris
            .iter()
            .enumerate()
            .map(|(i, u)| serde_json::json!({"id": format!("d{i}"), "kind": "business_license", "uri": u}))
            .collect();
        serde_json::from_value(serde_json::json!({"submission_id": id, "documents": docs}))
            .expect("submission")
    }

    #[test]
    fn only_uris_in_the_submissions_own_folder_are_read() {
        let s = sub(
            "S-1",
            &[
                "S-1/lic.jpg",
                "./S-1/sub/idf.png",
                "S-2/idf.jpg",
                "lic.jpg",
                "S-1",
                "S-10/lic.jpg",
                "../S-1/lic.jpg",
            ],
        );
        let out: Vec<String> = outside_folder(&s).iter().map(|(u, _)| u.clone()).collect();
        assert_eq!(out, ["S-2/idf.jpg", "lic.jpg", "S-1", "S-10/lic.jpg"]);
        assert!(outside_folder(&s)
            .iter()
            .all(|(_, p)| p.kind == IngestProblemKind::OutsideRoot));
        // An id that is no plain name has a hashed folder; its plain-looking prefix is not it.
        let odd = sub(
            "a/b",
            &["a_b/x.jpg", &format!("{}/x.jpg", storage_folder("a/b"))],
        );
        let out: Vec<String> = outside_folder(&odd)
            .iter()
            .map(|(u, _)| u.clone())
            .collect();
        assert_eq!(out, ["a_b/x.jpg"]);
    }
}
