//! Character-encoding detection for uploaded CSV files.
//!
//! Excel on a Chinese Windows saves "CSV" in GB18030 (GBK), Excel's "CSV UTF-8" adds a BOM,
//! WPS and LibreOffice write plain UTF-8, and "Unicode text" is UTF-16 with a BOM. Users cannot
//! tell these apart, so the importer must. The rule, in order:
//!
//! 1. a UTF-8 BOM → strip it, the rest must be UTF-8;
//! 2. a UTF-16 LE/BE BOM → decode as UTF-16;
//! 3. valid UTF-8 → use it as is (no copy);
//! 4. otherwise decode as GB18030 (a superset of GBK and GB2312).
//!
//! Decoding never substitutes U+FFFD: a byte that fits no encoding is an error naming its
//! offset and line, because silently replaced characters would end up in course titles.
//! UTF-8 is tried before GB18030 because GB18030 text with Chinese characters is practically
//! never valid UTF-8, whereas many UTF-8 files would decode "successfully" as GB18030 mojibake.

use std::borrow::Cow;
use std::fmt;

use encoding_rs::{DecoderResult, Encoding, GB18030, UTF_8, UTF_16BE, UTF_16LE};
use serde::Serialize;

/// The encoding a file turned out to be in; reported back so the UI can say "read as GB18030".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceEncoding {
    /// UTF-8 without a BOM.
    Utf8,
    /// UTF-8 with a byte-order mark (Excel's "CSV UTF-8").
    Utf8Bom,
    /// UTF-16 little-endian with a BOM (Excel's "Unicode text").
    Utf16Le,
    /// UTF-16 big-endian with a BOM.
    Utf16Be,
    /// GB18030 / GBK / GB2312: Excel's default "CSV" on Chinese Windows.
    Gb18030,
}

impl fmt::Display for SourceEncoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SourceEncoding::Utf8 => "UTF-8",
            SourceEncoding::Utf8Bom => "UTF-8 with BOM",
            SourceEncoding::Utf16Le => "UTF-16LE",
            SourceEncoding::Utf16Be => "UTF-16BE",
            SourceEncoding::Gb18030 => "GB18030",
        })
    }
}

/// Text decoded from a file's bytes, borrowed when the input was already UTF-8.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodedText<'a> {
    /// The text, without any BOM.
    pub text: Cow<'a, str>,
    /// What the bytes were.
    pub encoding: SourceEncoding,
}

/// Bytes that are not valid in any accepted encoding.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
#[error("{}", self.describe())]
pub struct EncodingError {
    /// Each encoding tried and where it failed, in the order tried.
    pub attempts: Vec<EncodingAttempt>,
}

/// Where one candidate encoding failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EncodingAttempt {
    /// The encoding tried.
    pub encoding: SourceEncoding,
    /// Byte offset (0-based, from the start of the file) of the first invalid byte.
    pub offset: usize,
    /// 1-based line of that byte, for users who open the file in a text editor.
    pub line: usize,
}

impl EncodingError {
    fn describe(&self) -> String {
        let parts: Vec<String> = self
            .attempts
            .iter()
            .map(|a| format!("not valid {} (invalid byte at offset {}, line {})", a.encoding, a.offset, a.line))
            .collect();
        format!("cannot decode the file: {}; save it as CSV UTF-8 or as CSV from Excel", parts.join(", "))
    }
}

/// Detects the encoding of `bytes` and decodes them (see the module docs for the rule).
///
/// Returns borrowed text for UTF-8 input, so the common case costs one validation pass and
/// no copy.
///
/// ```
/// use rongtong_catalog::csvio::{decode, SourceEncoding};
/// let (gb, _, _) = encoding_rs::GB18030.encode("课程代码\n");
/// let decoded = decode(&gb).unwrap();
/// assert_eq!(decoded.text, "课程代码\n");
/// assert_eq!(decoded.encoding, SourceEncoding::Gb18030);
/// ```
pub fn decode(bytes: &[u8]) -> Result<DecodedText<'_>, EncodingError> {
    if let Some((enc, bom_len)) = Encoding::for_bom(bytes) {
        let body = &bytes[bom_len..];
        let source = if enc == UTF_8 {
            SourceEncoding::Utf8Bom
        } else if enc == UTF_16LE {
            SourceEncoding::Utf16Le
        } else {
            SourceEncoding::Utf16Be
        };
        if enc == UTF_8 {
            return match std::str::from_utf8(body) {
                Ok(text) => Ok(DecodedText { text: Cow::Borrowed(text), encoding: source }),
                Err(e) => Err(EncodingError { attempts: vec![utf8_attempt(bytes, bom_len + e.valid_up_to(), source)] }),
            };
        }
        debug_assert!(enc == UTF_16LE || enc == UTF_16BE);
        return strict_decode(enc, body, bom_len, source)
            .map(|text| DecodedText { text: Cow::Owned(text), encoding: source })
            .map_err(|attempt| EncodingError { attempts: vec![attempt] });
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(DecodedText { text: Cow::Borrowed(text), encoding: SourceEncoding::Utf8 }),
        Err(e) => {
            let utf8 = utf8_attempt(bytes, e.valid_up_to(), SourceEncoding::Utf8);
            match strict_decode(GB18030, bytes, 0, SourceEncoding::Gb18030) {
                Ok(text) => Ok(DecodedText { text: Cow::Owned(text), encoding: SourceEncoding::Gb18030 }),
                Err(gb) => Err(EncodingError { attempts: vec![utf8, gb] }),
            }
        }
    }
}

fn utf8_attempt(bytes: &[u8], offset: usize, encoding: SourceEncoding) -> EncodingAttempt {
    let line = 1 + bytes[..offset].iter().filter(|&&b| b == b'\n').count();
    EncodingAttempt { encoding, offset, line }
}

/// Decodes `body` without replacement characters; on failure reports the offset (counted from
/// the start of the file, hence `skipped`) and the line (counted in the text decoded so far,
/// which is right for every encoding, UTF-16 included).
fn strict_decode(enc: &'static Encoding, body: &[u8], skipped: usize, source: SourceEncoding) -> Result<String, EncodingAttempt> {
    let mut decoder = enc.new_decoder_without_bom_handling();
    // GB18030 turns 2-byte Chinese characters into 3 UTF-8 bytes; UTF-16 turns 2 into at most
    // 3. Start there and grow on demand rather than reserving the worst case (4x for GB18030).
    let mut out = String::with_capacity(body.len() + body.len() / 2 + 16);
    let mut consumed = 0;
    loop {
        let (result, read) = decoder.decode_to_string_without_replacement(&body[consumed..], &mut out, true);
        consumed += read;
        match result {
            DecoderResult::InputEmpty => return Ok(out),
            DecoderResult::OutputFull => out.reserve(body.len() - consumed + 16),
            DecoderResult::Malformed(bad, extra) => {
                let offset = skipped + consumed - usize::from(extra) - usize::from(bad);
                let line = 1 + out.bytes().filter(|&b| b == b'\n').count();
                return Err(EncodingAttempt { encoding: source, offset, line });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_without_bom_is_borrowed() {
        let d = decode("课程代码,学时\n".as_bytes()).unwrap();
        assert_eq!(d.encoding, SourceEncoding::Utf8);
        assert!(matches!(d.text, Cow::Borrowed(_)));
    }

    #[test]
    fn utf8_bom_is_stripped() {
        let mut bytes = vec![0xEF, 0xBB, 0xBF];
        bytes.extend_from_slice("课程代码".as_bytes());
        let d = decode(&bytes).unwrap();
        assert_eq!(d.encoding, SourceEncoding::Utf8Bom);
        assert_eq!(d.text, "课程代码");
    }

    #[test]
    fn gb18030_is_detected() {
        let (gb, _, _) = GB18030.encode("课程代码,学时\nZNZZ-01,32\n");
        assert!(std::str::from_utf8(&gb).is_err(), "the fixture must not be valid UTF-8");
        let d = decode(&gb).unwrap();
        assert_eq!(d.encoding, SourceEncoding::Gb18030);
        assert_eq!(d.text, "课程代码,学时\nZNZZ-01,32\n");
    }

    #[test]
    fn utf16le_with_bom_is_decoded() {
        let mut bytes = vec![0xFF, 0xFE];
        for unit in "学时\n32".encode_utf16() {
            bytes.extend_from_slice(&unit.to_le_bytes());
        }
        let d = decode(&bytes).unwrap();
        assert_eq!(d.encoding, SourceEncoding::Utf16Le);
        assert_eq!(d.text, "学时\n32");
    }

    #[test]
    fn undecodable_bytes_name_offset_and_line() {
        // Line 2 holds 0xFF, which is neither UTF-8 nor a GB18030 lead byte.
        let bytes = b"code,hours\nA,\xFF\xFF\n";
        let err = decode(bytes).unwrap_err();
        assert_eq!(err.attempts.len(), 2);
        assert_eq!(err.attempts[0], EncodingAttempt { encoding: SourceEncoding::Utf8, offset: 13, line: 2 });
        assert_eq!(err.attempts[1].encoding, SourceEncoding::Gb18030);
        assert_eq!(err.attempts[1].offset, 13);
        assert_eq!(err.attempts[1].line, 2);
        assert!(err.to_string().contains("offset 13, line 2"), "{err}");
    }

    #[test]
    fn bad_utf8_after_bom_is_an_error_not_gb18030() {
        let bytes = b"\xEF\xBB\xBFcode\n\xB0\xA1";
        let err = decode(bytes).unwrap_err();
        assert_eq!(err.attempts, vec![EncodingAttempt { encoding: SourceEncoding::Utf8Bom, offset: 8, line: 2 }]);
    }
}
