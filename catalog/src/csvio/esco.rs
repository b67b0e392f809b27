//! The official ESCO CSV download (European Skills, Competences, Qualifications and
//! Occupations; European Commission, CC BY 4.0).
//!
//! ESCO is the shared backbone of the skills graph: importing it gives every college and
//! enterprise the same ~14 000 skill URIs to point at. Five files of the download are read,
//! each optional:
//!
//! | file | becomes |
//! |---|---|
//! | `skills_en.csv` | [`SkillInput`] (framework `esco`, `label_en` = preferredLabel, alt labels split on newlines) |
//! | `occupations_en.csv` | [`OccupationInput`] (`label_en`, description) |
//! | `occupationSkillRelations_en.csv` | the occupations' [`SkillRequirement`]s |
//! | `broaderRelationsSkillPillar_en.csv` | [`SkillRelationKind::Broader`] between two skills |
//! | `skillSkillRelations_en.csv` | [`SkillRelationKind::Related`] |
//!
//! Columns are found by header name, never by position, because the official files carry
//! more columns than we use (and their order has changed between ESCO versions); unknown
//! headers are therefore ignored here, unlike in the user-facing imports.
//!
//! # Decisions
//! * **Levels.** ESCO has no proficiency levels, but a [`SkillRequirement`] needs one. Every
//!   occupation–skill relation gets [`EscoOptions::min_level`], by default
//!   [`SkillLevel::L4`] (四级/中级工): ESCO describes what a *qualified* practitioner does,
//!   which is above the entry level L5 but says nothing about senior levels. Regional
//!   standards can raise it later per occupation.
//! * **Broader relations.** Only skill → skill rows (`conceptType` and `broaderType` both
//!   `KnowledgeSkillCompetence`) become relations. Rows that involve a `SkillGroup` are
//!   skipped (counted in [`CsvOutcome::skipped`]): skill groups are not imported as skills, so
//!   a relation to or from one would dangle. Any other concept type is a row error (it means
//!   the columns are not what we think).
//! * **skillSkillRelations.** Its `relationType` (`essential`/`optional`) qualifies the
//!   relation in ESCO's model, but a skill-to-skill link is "related" either way here; the
//!   value is still checked to catch shifted columns.
//! * **Duplicates.** An occupation listing a skill twice keeps one requirement, essential
//!   winning over optional; identical relations are kept once. These are properties of the
//!   data, not user mistakes, so they are not errors.
//! * **References.** When `skills_en.csv` is in the directory, relations must point at skills
//!   in it (else a row error); without it, references are passed through for the store to
//!   check. Occupation–skill relations need `occupations_en.csv` (they have nowhere to go
//!   otherwise), so that file alone is an [`EscoError::MissingDependency`].
//! * **ESCO's `code`** (an ISCO-based code such as `8121.1`) is not a 职业分类大典 code, so
//!   it is not put in [`OccupationInput::code`]; occupation alt labels have no field and are
//!   dropped.
//!
//! # Memory
//! Each file is streamed row by row through one reused record. [`read_esco_dir`] keeps the
//! results (≈14k skills, 3k occupations with ≈120k requirements, ≈25k relations: tens of MB);
//! a caller short of memory can call the per-file functions and store as it goes.

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use csv::StringRecord;
use serde::Serialize;

use super::table::{ColumnSpec, RowCtx, Rows, Step};
use super::{CsvOutcome, ImportError, RowError};
use crate::{OccupationInput, RequirementKind, SkillInput, SkillLevel, SkillRelation, SkillRelationKind, SkillRequirement, SkillType};

/// File names of the official download that [`read_esco_dir`] looks for.
pub const SKILLS_FILE: &str = "skills_en.csv";
/// See [`SKILLS_FILE`].
pub const OCCUPATIONS_FILE: &str = "occupations_en.csv";
/// See [`SKILLS_FILE`].
pub const OCCUPATION_SKILLS_FILE: &str = "occupationSkillRelations_en.csv";
/// See [`SKILLS_FILE`].
pub const BROADER_FILE: &str = "broaderRelationsSkillPillar_en.csv";
/// See [`SKILLS_FILE`].
pub const SKILL_SKILL_FILE: &str = "skillSkillRelations_en.csv";

const KSC: &str = "KnowledgeSkillCompetence";

/// Settings for an ESCO import; `Default` is what the product uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EscoOptions {
    /// Framework code given to the skills (`esco`); a parameter so that two ESCO versions can
    /// be loaded side by side as `esco-1.1` and `esco-1.2`.
    pub framework: String,
    /// Minimum level given to every occupation requirement, since ESCO has none (see the
    /// module docs for why L4).
    pub min_level: SkillLevel,
}

impl Default for EscoOptions {
    fn default() -> Self {
        EscoOptions { framework: "esco".to_string(), min_level: SkillLevel::L4 }
    }
}

/// Everything read from an ESCO directory, ready to store in this order: skills, then
/// occupations (with their requirements), then relations.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EscoBundle {
    /// Skills from `skills_en.csv`.
    pub skills: Vec<SkillInput>,
    /// Occupations from `occupations_en.csv`, with their skills from
    /// `occupationSkillRelations_en.csv`.
    pub occupations: Vec<OccupationInput>,
    /// Broader and related skill relations, without duplicates.
    pub relations: Vec<SkillRelation>,
    /// Every row error, with the file it is in.
    pub errors: Vec<EscoRowError>,
    /// The files that were found and read, in reading order.
    pub files: Vec<String>,
    /// Rows skipped on purpose (blank rows, relations involving skill groups).
    pub skipped: usize,
}

/// A row error in one of the ESCO files.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EscoRowError {
    /// File name, e.g. `skills_en.csv`.
    pub file: String,
    /// The error.
    #[serde(flatten)]
    pub error: RowError,
}

/// Why an ESCO directory could not be read at all.
#[derive(Debug, thiserror::Error)]
pub enum EscoError {
    /// None of the known ESCO files is in the directory (wrong path, or a non-English download).
    #[error("no ESCO CSV file ({SKILLS_FILE}, {OCCUPATIONS_FILE}, …) in {}", .dir.display())]
    NoFiles {
        /// The directory searched.
        dir: PathBuf,
    },
    /// A file is present without the file it refers to.
    #[error("{file} needs {needs} in the same directory")]
    MissingDependency {
        /// The file that was found.
        file: &'static str,
        /// The file it needs.
        needs: &'static str,
    },
    /// A file could not be opened.
    #[error("cannot open {}: {source}", .path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A file is unreadable as a whole (e.g. a required column is missing).
    #[error("{file}: {source}")]
    File {
        /// File name.
        file: &'static str,
        /// The cause.
        source: ImportError,
    },
}

const SKILL_COLUMNS: &[ColumnSpec] = &[
    ColumnSpec { name: "conceptType", aliases: &[], required: false },
    ColumnSpec { name: "conceptUri", aliases: &[], required: true },
    ColumnSpec { name: "skillType", aliases: &[], required: true },
    ColumnSpec { name: "reuseLevel", aliases: &[], required: false },
    ColumnSpec { name: "preferredLabel", aliases: &[], required: true },
    ColumnSpec { name: "altLabels", aliases: &[], required: false },
    ColumnSpec { name: "status", aliases: &[], required: false },
    ColumnSpec { name: "description", aliases: &[], required: false },
    ColumnSpec { name: "definition", aliases: &[], required: false },
];

const OCCUPATION_COLUMNS: &[ColumnSpec] = &[
    ColumnSpec { name: "conceptType", aliases: &[], required: false },
    ColumnSpec { name: "conceptUri", aliases: &[], required: true },
    ColumnSpec { name: "preferredLabel", aliases: &[], required: true },
    ColumnSpec { name: "description", aliases: &[], required: false },
    ColumnSpec { name: "definition", aliases: &[], required: false },
];

const OCCUPATION_SKILL_COLUMNS: &[ColumnSpec] = &[
    ColumnSpec { name: "occupationUri", aliases: &[], required: true },
    ColumnSpec { name: "relationType", aliases: &[], required: true },
    ColumnSpec { name: "skillUri", aliases: &[], required: true },
];

const BROADER_COLUMNS: &[ColumnSpec] = &[
    ColumnSpec { name: "conceptType", aliases: &[], required: true },
    ColumnSpec { name: "conceptUri", aliases: &[], required: true },
    ColumnSpec { name: "broaderType", aliases: &[], required: true },
    ColumnSpec { name: "broaderUri", aliases: &[], required: true },
];

const SKILL_SKILL_COLUMNS: &[ColumnSpec] = &[
    ColumnSpec { name: "originalSkillUri", aliases: &[], required: true },
    ColumnSpec { name: "relationType", aliases: &[], required: true },
    ColumnSpec { name: "relatedSkillUri", aliases: &[], required: true },
];

enum Parsed<T> {
    Row(T),
    Skip,
}

/// Streams `input` row by row through `parse`.
fn drive<T, Rd: Read>(
    input: Rd,
    specs: &'static [ColumnSpec],
    mut parse: impl FnMut(&StringRecord, &mut RowCtx<'_>) -> Parsed<T>,
) -> Result<CsvOutcome<T>, ImportError> {
    let (mut rows, map) = Rows::open(input, specs, false, b'\n')?;
    let mut out = CsvOutcome::default();
    while let Some(step) = rows.step()? {
        match step {
            Step::Blank => out.skipped += 1,
            Step::Bad(e) => out.errors.push(e),
            Step::Record(row) => {
                let mut cx = RowCtx::new(&map, row);
                let parsed = parse(rows.record(), &mut cx);
                if !cx.errors.is_empty() {
                    out.errors.append(&mut cx.errors);
                } else if let Parsed::Row(value) = parsed {
                    out.rows.push((row, value));
                } else {
                    out.skipped += 1;
                }
            }
        }
    }
    Ok(out)
}

fn locate(specs: &'static [ColumnSpec], pairs: &[(&str, &str)]) -> impl Fn(&str, Option<usize>) -> Option<(usize, Option<usize>)> {
    let pairs: Vec<(String, usize)> =
        pairs.iter().filter_map(|(field, column)| specs.iter().position(|s| s.name == *column).map(|i| (field.to_string(), i))).collect();
    move |root, index| pairs.iter().find(|(f, _)| f == root).map(|(_, i)| (*i, index.map(|n| n + 1)))
}

/// Reads `skills_en.csv` (UTF-8, BOM optional) into skills of framework `options.framework`.
///
/// `altLabels` holds one label per line inside a quoted cell; each becomes an alt label.
/// Rows whose `conceptType` is present and not `KnowledgeSkillCompetence` are errors.
pub fn read_esco_skills(input: impl Read, options: &EscoOptions) -> Result<CsvOutcome<SkillInput>, ImportError> {
    let loc = locate(
        SKILL_COLUMNS,
        &[
            ("uri", "conceptUri"),
            ("label_en", "preferredLabel"),
            ("label_zh", "preferredLabel"),
            ("alt_labels", "altLabels"),
            ("description", "description"),
            ("reuse_level", "reuseLevel"),
            ("status", "status"),
        ],
    );
    drive(input, SKILL_COLUMNS, |rec, cx| {
        let map = cx.map;
        let concept_type = map.cell(rec, 0);
        if !concept_type.is_empty() && concept_type != KSC {
            cx.error(0, format!("`{concept_type}` is not a skill concept type (expected {KSC})"));
        }
        let uri = cx.required(rec, 1).to_string();
        let skill_type = match map.cell(rec, 2).to_ascii_lowercase().as_str() {
            "knowledge" => Some(SkillType::Knowledge),
            "skill/competence" => Some(SkillType::SkillCompetence),
            other => {
                cx.error(2, format!("`{other}` is not a skill type: expected knowledge or skill/competence"));
                None
            }
        };
        let label = cx.required(rec, 4).to_string();
        let skill = SkillInput {
            uri: Some(uri),
            framework: options.framework.clone(),
            label_zh: None,
            label_en: Some(label),
            alt_labels: map.cell(rec, 5).lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_string).collect(),
            description: cx.optional(rec, 7).or_else(|| cx.optional(rec, 8)),
            skill_type: skill_type.unwrap_or(SkillType::SkillCompetence),
            reuse_level: cx.optional(rec, 3),
            status: cx.optional(rec, 6).unwrap_or_else(|| "released".to_string()),
        };
        if let Err(e) = skill.validate() {
            cx.validation(e, &loc);
        }
        Parsed::Row(skill)
    })
}

/// Reads `occupations_en.csv` into occupations without skills (see
/// [`read_esco_occupation_skills`] for those).
pub fn read_esco_occupations(input: impl Read) -> Result<CsvOutcome<OccupationInput>, ImportError> {
    let loc = locate(
        OCCUPATION_COLUMNS,
        &[("uri", "conceptUri"), ("label_en", "preferredLabel"), ("label_zh", "preferredLabel"), ("description", "description")],
    );
    drive(input, OCCUPATION_COLUMNS, |rec, cx| {
        let map = cx.map;
        let concept_type = map.cell(rec, 0);
        if !concept_type.is_empty() && concept_type != "Occupation" {
            cx.error(0, format!("`{concept_type}` is not an occupation concept type (expected Occupation)"));
        }
        let occupation = OccupationInput {
            uri: Some(cx.required(rec, 1).to_string()),
            code: None,
            label_zh: None,
            label_en: Some(cx.required(rec, 2).to_string()),
            description: cx.optional(rec, 3).or_else(|| cx.optional(rec, 4)),
            skills: Vec::new(),
            valid_months: None,
        };
        if let Err(e) = occupation.validate() {
            cx.validation(e, &loc);
        }
        Parsed::Row(occupation)
    })
}

/// Reads `occupationSkillRelations_en.csv` into `(occupation URI, requirement)` pairs, each at
/// `options.min_level`.
pub fn read_esco_occupation_skills(input: impl Read, options: &EscoOptions) -> Result<CsvOutcome<(String, SkillRequirement)>, ImportError> {
    drive(input, OCCUPATION_SKILL_COLUMNS, |rec, cx| {
        let occupation = cx.required(rec, 0).to_string();
        let kind = match cx.map.cell(rec, 1) {
            "essential" => Some(RequirementKind::Essential),
            "optional" => Some(RequirementKind::Optional),
            other => {
                cx.error(1, format!("`{other}` is not a relation type: expected essential or optional"));
                None
            }
        };
        let skill = cx.required(rec, 2).to_string();
        for (col, uri) in [(0, &occupation), (2, &skill)] {
            if !uri.is_empty() && !crate::validate::is_absolute_iri(uri) {
                cx.error(col, format!("`{uri}` is not an absolute URI"));
            }
        }
        match kind {
            Some(kind) => Parsed::Row((occupation, SkillRequirement { skill, kind, min_level: options.min_level })),
            None => Parsed::Skip,
        }
    })
}

/// Reads `broaderRelationsSkillPillar_en.csv`: skill → broader skill becomes
/// [`SkillRelationKind::Broader`]; rows involving skill groups are skipped (see module docs).
pub fn read_esco_broader_relations(input: impl Read) -> Result<CsvOutcome<SkillRelation>, ImportError> {
    let loc = locate(BROADER_COLUMNS, &[("from", "conceptUri"), ("to", "broaderUri")]);
    drive(input, BROADER_COLUMNS, |rec, cx| {
        let mut skills = true;
        for col in [0, 2] {
            match cx.map.cell(rec, col) {
                KSC => {}
                "SkillGroup" => skills = false,
                other => {
                    cx.error(col, format!("`{other}` is not a concept type of the skill pillar (KnowledgeSkillCompetence or SkillGroup)"));
                }
            }
        }
        let relation =
            SkillRelation { from: cx.required(rec, 1).to_string(), kind: SkillRelationKind::Broader, to: cx.required(rec, 3).to_string() };
        if !skills {
            return Parsed::Skip;
        }
        if let Err(e) = relation.validate() {
            cx.validation(e, &loc);
        }
        Parsed::Row(relation)
    })
}

/// Reads `skillSkillRelations_en.csv` into [`SkillRelationKind::Related`] relations
/// (original → related).
pub fn read_esco_skill_relations(input: impl Read) -> Result<CsvOutcome<SkillRelation>, ImportError> {
    let loc = locate(SKILL_SKILL_COLUMNS, &[("from", "originalSkillUri"), ("to", "relatedSkillUri")]);
    drive(input, SKILL_SKILL_COLUMNS, |rec, cx| {
        let relation_type = cx.map.cell(rec, 1);
        if !matches!(relation_type, "essential" | "optional") {
            cx.error(1, format!("`{relation_type}` is not a relation type: expected essential or optional"));
        }
        let relation =
            SkillRelation { from: cx.required(rec, 0).to_string(), kind: SkillRelationKind::Related, to: cx.required(rec, 2).to_string() };
        if let Err(e) = relation.validate() {
            cx.validation(e, &loc);
        }
        Parsed::Row(relation)
    })
}

/// Reads every known ESCO file present in `dir` with the default [`EscoOptions`].
///
/// # Returns
/// `Err` when nothing can be read (no known file, a file that cannot be opened or whose
/// header lacks a required column, relations without their occupations); otherwise the
/// bundle, whose `errors` the caller must check before storing.
///
/// # Example
/// ```
/// let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../registry/demo/esco-sample");
/// let bundle = rongtong_catalog::csvio::read_esco_dir(std::path::Path::new(dir)).unwrap();
/// assert!(bundle.errors.is_empty());
/// assert_eq!(bundle.occupations.len(), 5);
/// ```
pub fn read_esco_dir(dir: &Path) -> Result<EscoBundle, EscoError> {
    read_esco_dir_with(dir, &EscoOptions::default())
}

/// [`read_esco_dir`] with explicit options (framework code, default minimum level).
///
/// # Complexity
/// O(total rows), plus O(skills per occupation) per occupation–skill row for de-duplication.
pub fn read_esco_dir_with(dir: &Path, options: &EscoOptions) -> Result<EscoBundle, EscoError> {
    let present = |name: &str| dir.join(name).is_file();
    let all = [SKILLS_FILE, OCCUPATIONS_FILE, OCCUPATION_SKILLS_FILE, BROADER_FILE, SKILL_SKILL_FILE];
    if !all.iter().any(|f| present(f)) {
        return Err(EscoError::NoFiles { dir: dir.to_path_buf() });
    }
    if present(OCCUPATION_SKILLS_FILE) && !present(OCCUPATIONS_FILE) {
        return Err(EscoError::MissingDependency { file: OCCUPATION_SKILLS_FILE, needs: OCCUPATIONS_FILE });
    }
    let open = |name: &'static str| -> Result<Option<BufReader<File>>, EscoError> {
        if !present(name) {
            return Ok(None);
        }
        let path = dir.join(name);
        File::open(&path).map(|f| Some(BufReader::with_capacity(1 << 16, f))).map_err(|source| EscoError::Io { path, source })
    };
    let file_err = |file: &'static str| move |source: ImportError| EscoError::File { file, source };

    let mut bundle = EscoBundle::default();
    let collect = |bundle: &mut EscoBundle, file: &'static str, errors: Vec<RowError>, skipped: usize| {
        bundle.files.push(file.to_string());
        bundle.skipped += skipped;
        bundle.errors.extend(errors.into_iter().map(|error| EscoRowError { file: file.to_string(), error }));
    };

    // Skill URIs, only when the skills file is here: then references are checked against it.
    let mut known_skills: Option<HashSet<String>> = None;
    if let Some(r) = open(SKILLS_FILE)? {
        let out = read_esco_skills(r, options).map_err(file_err(SKILLS_FILE))?;
        let skills: Vec<SkillInput> = out.rows.into_iter().map(|(_, s)| s).collect();
        known_skills = Some(skills.iter().filter_map(|s| s.uri.clone()).collect());
        bundle.skills = skills;
        collect(&mut bundle, SKILLS_FILE, out.errors, out.skipped);
    }
    let unknown_skill = |uri: &str| known_skills.as_ref().is_some_and(|k| !k.contains(uri));

    let mut occupation_index: HashMap<String, usize> = HashMap::new();
    if let Some(r) = open(OCCUPATIONS_FILE)? {
        let out = read_esco_occupations(r).map_err(file_err(OCCUPATIONS_FILE))?;
        let mut errors = out.errors;
        for (row, occupation) in out.rows {
            let uri = occupation.uri.clone().unwrap_or_default();
            match occupation_index.get(&uri) {
                Some(_) => errors.push(RowError::new(row, "conceptUri", format!("occupation {uri} is listed twice"))),
                None => {
                    occupation_index.insert(uri, bundle.occupations.len());
                    bundle.occupations.push(occupation);
                }
            }
        }
        errors.sort_by_key(|e| e.row);
        collect(&mut bundle, OCCUPATIONS_FILE, errors, out.skipped);
    }

    if let Some(r) = open(OCCUPATION_SKILLS_FILE)? {
        let out = read_esco_occupation_skills(r, options).map_err(file_err(OCCUPATION_SKILLS_FILE))?;
        let mut errors = out.errors;
        for (row, (occupation, req)) in out.rows {
            let Some(&i) = occupation_index.get(&occupation) else {
                errors.push(RowError::new(row, "occupationUri", format!("occupation {occupation} is not in {OCCUPATIONS_FILE}")));
                continue;
            };
            if unknown_skill(&req.skill) {
                errors.push(RowError::new(row, "skillUri", format!("skill {} is not in {SKILLS_FILE}", req.skill)));
                continue;
            }
            let skills = &mut bundle.occupations[i].skills;
            match skills.iter_mut().find(|s| s.skill == req.skill) {
                Some(existing) => {
                    if req.kind == RequirementKind::Essential {
                        existing.kind = RequirementKind::Essential;
                    }
                }
                None => skills.push(req),
            }
        }
        errors.sort_by_key(|e| e.row);
        collect(&mut bundle, OCCUPATION_SKILLS_FILE, errors, out.skipped);
    }

    let mut seen: HashSet<SkillRelation> = HashSet::new();
    for (file, from_col, to_col) in [(BROADER_FILE, "conceptUri", "broaderUri"), (SKILL_SKILL_FILE, "originalSkillUri", "relatedSkillUri")]
    {
        let Some(r) = open(file)? else { continue };
        let out =
            if file == BROADER_FILE { read_esco_broader_relations(r) } else { read_esco_skill_relations(r) }.map_err(file_err(file))?;
        let mut errors = out.errors;
        for (row, relation) in out.rows {
            let mut ok = true;
            for (col, uri) in [(from_col, &relation.from), (to_col, &relation.to)] {
                if unknown_skill(uri) {
                    errors.push(RowError::new(row, col, format!("skill {uri} is not in {SKILLS_FILE}")));
                    ok = false;
                }
            }
            if ok && !seen.contains(&relation) {
                seen.insert(relation.clone());
                bundle.relations.push(relation);
            }
        }
        errors.sort_by_key(|e| e.row);
        collect(&mut bundle, file, errors, out.skipped);
    }
    Ok(bundle)
}
