//! Reading adbflow's own TOML data files (prices, limits, profiles) with errors that name
//! file:line:column, the same way the region data does.

use crate::regions::DataError;
use serde::de::DeserializeOwned;

pub(crate) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.len() - before.rfind('\n').map(|i| i + 1).unwrap_or(0) + 1;
    (line, column)
}

/// Deserialize `text` (TOML) as `T`; a syntax or shape error names where it is.
pub(crate) fn parse<T: DeserializeOwned>(file: &str, text: &str) -> Result<T, DataError> {
    toml::from_str(text).map_err(|e| {
        let (line, column) = e.span().map(|s| line_col(text, s.start)).unwrap_or((1, 1));
        DataError { file: file.into(), line, column, message: e.message().to_string() }
    })
}

/// An error about a value whose position is known by its span.
pub(crate) fn error_at(file: &str, text: &str, span: std::ops::Range<usize>, message: String) -> DataError {
    let (line, column) = line_col(text, span.start);
    DataError { file: file.into(), line, column, message }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based() {
        assert_eq!(line_col("ab\ncd", 0), (1, 1));
        assert_eq!(line_col("ab\ncd", 4), (2, 2));
        assert_eq!(line_col("ab", 99), (1, 3));
    }

    #[test]
    fn shape_errors_name_line_and_column() {
        #[derive(serde::Deserialize, Debug)]
        #[serde(deny_unknown_fields)]
        struct T {
            #[allow(dead_code)]
            a: u32,
        }
        let e = parse::<T>("f.toml", "a = 1\nb = 2\n").unwrap_err();
        assert_eq!((e.file.as_str(), e.line), ("f.toml", 2), "{e}");
        assert!(e.message.contains("unknown field"), "{e}");
    }
}
