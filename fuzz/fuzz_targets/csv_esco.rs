//! The ESCO CSV bundle (`read_esco_dir`, what `POST /imports/esco` and `rongtong import esco`
//! call). The first byte chooses: 0–4 one file's reader on the rest, otherwise the whole
//! bundle — the rest split at 0xFF bytes (never in UTF-8 text) into the five files in
//! reading order, written to a temporary folder as the registry does with an upload.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use rongtong_catalog::csvio::esco::{BROADER_FILE, OCCUPATION_SKILLS_FILE, OCCUPATIONS_FILE, SKILL_SKILL_FILE, SKILLS_FILE};
use rongtong_catalog::csvio::{self, EscoOptions};

const FILES: [&str; 5] = [SKILLS_FILE, OCCUPATIONS_FILE, OCCUPATION_SKILLS_FILE, BROADER_FILE, SKILL_SKILL_FILE];

fuzz_target!(|data: &[u8]| {
    let Some((&which, rest)) = data.split_first() else { return };
    let options = EscoOptions::default();
    match which {
        0 => {
            if let Ok(o) = csvio::read_esco_skills(rest, &options) {
                common::check_outcome(&o);
            }
        }
        1 => {
            if let Ok(o) = csvio::read_esco_occupations(rest) {
                common::check_outcome(&o);
            }
        }
        2 => {
            if let Ok(o) = csvio::read_esco_occupation_skills(rest, &options) {
                common::check_outcome(&o);
            }
        }
        3 => {
            if let Ok(o) = csvio::read_esco_broader_relations(rest) {
                common::check_outcome(&o);
            }
        }
        4 => {
            if let Ok(o) = csvio::read_esco_skill_relations(rest) {
                common::check_outcome(&o);
            }
        }
        _ => {
            let dir = tempfile::tempdir().expect("temporary folder");
            for (name, bytes) in FILES.iter().zip(rest.split(|&b| b == 0xFF)) {
                if !bytes.is_empty() {
                    std::fs::write(dir.path().join(name), bytes).expect("write");
                }
            }
            if let Ok(bundle) = csvio::read_esco_dir(dir.path()) {
                assert!(bundle.errors.iter().all(|e| e.error.row >= 2), "an error below row 2: {:?}", bundle.errors);
            }
        }
    }
});
