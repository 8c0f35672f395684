//! The installed Tesseract models are the ones pinned in `models/tesseract.toml`: a changed
//! model changes accuracy, so it must be noticed (and re-evaluated) rather than slip in.

use std::path::Path;

use sha2::{Digest, Sha256};

#[derive(serde::Deserialize)]
struct Manifest {
    tessdata: String,
    model: Vec<Model>,
}

#[derive(serde::Deserialize)]
struct Model {
    name: String,
    file: String,
    sha256: String,
    package: String,
    version: String,
    /// Folder relative to the checkout, when not `tessdata`.
    dir: Option<String>,
}

#[test]
fn installed_models_match_the_manifest() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models/tesseract.toml");
    let text = std::fs::read_to_string(&root).expect("models/tesseract.toml");
    let m: Manifest = toml::from_str(&text).expect("manifest parses");
    let names: Vec<&str> = m.model.iter().map(|x| x.name.as_str()).collect();
    assert_eq!(names, ["chi_sim", "chi_sim_std", "eng"]);
    for model in &m.model {
        assert!(!model.package.is_empty() && !model.version.is_empty());
        let path = match &model.dir {
            Some(d) => Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../..")
                .join(d)
                .join(&model.file),
            None => Path::new(&m.tessdata).join(&model.file),
        };
        let bytes = std::fs::read(&path).unwrap_or_else(|e| {
            panic!(
                "{} not installed ({e}): run scripts/deps.sh",
                path.display()
            )
        });
        let sum = hex::encode(Sha256::digest(&bytes));
        assert_eq!(
            sum, model.sha256,
            "{} differs from the pinned model ({} {}): re-run docgate eval, then update models/tesseract.toml",
            path.display(), model.package, model.version
        );
    }
}
