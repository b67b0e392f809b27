//! Messages of the college pages (see the module doc of `pages::i18n`).

use super::Entry;

/// Key, zh-CN, English.
pub(super) static MESSAGES: &[Entry] = &[];
