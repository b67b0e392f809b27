//! Rongtong credentials: signed, verifiable certificates for learners.
//!
//! Learners who finish a micro-course or pass a skill-level assessment receive an Open Badges
//! 3.0 `AchievementCredential` (a W3C Verifiable Credential 2.0) that anyone can verify
//! offline. This crate is the credential core; it knows no HTTP and no SQL — the registry
//! stores keys and credentials and serves DID documents and status lists.
//!
//! * [`contexts`]: the three JSON-LD contexts, embedded and hash-pinned; never fetched.
//! * [`canon`]: JSON-LD → RDF → RDFC-1.0 canonical N-Quads (generic path, strict policy).
//! * [`fastpath`]: a specialised canonicaliser for the allow-listed contexts (≈10× faster),
//!   cross-checked against [`canon`] by a property test.
//! * [`proof`]: Data Integrity proofs, cryptosuites `eddsa-rdfc-2022` (create and verify) and
//!   `eddsa-jcs-2022` (verify; create for tests).
//! * [`keys`] and [`did`]: Ed25519 keys, Multikey, `did:key`, `did:web`, DID documents and
//!   the [`did::Resolver`] the registry implements.
//! * [`status`]: Bitstring Status List v1.0.
//! * [`obv3`]: builders for our three kinds of certificate.
//! * [`recognition`]: the recognition credential (互认): an OBv3 credential of the target
//!   outcome citing the rule and the source credentials as `evidence`.
//! * [`clr`]: CLR 2.0 transcripts (`ClrCredential`) — build, sign, verify with every
//!   embedded credential.
//! * [`verify`](mod@verify): the verification pipeline with named checks, presentations and
//!   batch re-verification.
//!
//! See `docs/CREDENTIALS.md` for the format and the skill-level encoding.
//!
//! # Example: issue a skill-level certificate and verify it
//!
//! ```
//! use rongtong_catalog::SkillLevel;
//! use rongtong_credentials::did::NoResolver;
//! use rongtong_credentials::obv3::*;
//! use rongtong_credentials::verify::{VerifyOptions, parse_now};
//! use rongtong_credentials::{SigningKey, verify};
//!
//! let key = SigningKey::from_seed(&[7u8; 32]); // the registry loads this from storage
//! let spec = CredentialSpec {
//!     id: "urn:uuid:2f1c9a4e-0d3b-4e5f-8a6b-7c8d9e0f1a2b".into(),
//!     issuer: IssuerProfile { did: key.did_key(), name: "江西省职业技能鉴定中心".into() },
//!     recipient: Recipient::HashedIdentifier {
//!         identifier: "2024-0042".into(), identity_type: "identifier".into(), salt: random_salt(),
//!     },
//!     achievement: AchievementSpec {
//!         id: "https://rongtong.example/achievements/6-31-01-10/level-4".into(),
//!         kind: CertificateKind::SkillLevel {
//!             occupation_code: "6-31-01-10".into(),
//!             occupation_name: "工业机器人系统运维员".into(),
//!             occupation_url: "https://rongtong.example/occupations/6-31-01-10".into(),
//!             level: SkillLevel::L4,
//!         },
//!         name_zh: "工业机器人系统运维员（四级）".into(),
//!         name_en: Some("Industrial robot system operator, level 4".into()),
//!         description: "职业技能等级认定".into(),
//!         criteria_narrative: "理论知识与操作技能考核均合格。".into(),
//!         alignments: vec![],
//!         ..Default::default()
//!     },
//!     valid_from: "2026-01-15T00:00:00Z".into(),
//!     valid_until: None,
//!     status: vec![],
//!     // What an employer reads, all signed and all optional (see `obv3::CredentialSpec`).
//!     learner_name: Some("李明轩".into()),
//!     grade: Some(Grade::from_text("合格")),
//!     certificate_number: Some("JX-JD-2026-000123".into()),
//!     ..Default::default()
//! };
//! let vm = key.public_key().did_key_verification_method();
//! let vc = issue(&spec, &key, &vm, "2026-01-15T08:00:00Z").unwrap();
//! let now = parse_now("2026-03-01T00:00:00Z").unwrap();
//! let report = verify(&vc, &NoResolver, now, &VerifyOptions::obv3());
//! assert!(report.verified, "{report:?}");
//! ```
#![forbid(unsafe_code)]

pub mod canon;
pub mod clr;
pub mod contexts;
pub mod did;
mod error;
pub mod fastpath;
pub mod keys;
pub mod obv3;
pub mod proof;
pub mod recognition;
pub mod status;
pub mod verify;

pub use error::{Error, Result};
pub use keys::{PublicKey, SigningKey};
pub use verify::{
    Check, PresentationOptions, PresentationReport, VerificationReport, VerifiedStatusLists, VerifyOptions, create_presentation, verify,
    verify_batch, verify_presentation, verify_str,
};
