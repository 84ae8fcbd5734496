//! Byte offsets to the 1-based line and column a user's editor shows.

/// Line starts of one text, so every position is a binary search instead of a rescan.
pub(crate) struct LineIndex<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        // Counted first, so the list is allocated once at its size: grown while filled, a large
        // file's list was copied each time it doubled, into memory the system had to hand over.
        let newlines = || memchr::memchr_iter(b'\n', text.as_bytes());
        let mut starts = Vec::with_capacity(1 + newlines().count());
        starts.push(0);
        starts.extend(newlines().map(|i| i + 1));
        LineIndex { text, starts }
    }

    /// Line and column (both 1-based) of the byte at `offset`. Columns count characters, not
    /// bytes, as editors do; an offset past the end is clamped to the end.
    pub(crate) fn position(&self, offset: usize) -> (u32, u32) {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.starts.partition_point(|&s| s <= offset).saturating_sub(1);
        let start = self.starts.get(line).copied().unwrap_or(0);
        let column = self.text.get(start..offset).map_or(0, |s| s.chars().count()) + 1;
        (to_u32(line + 1), to_u32(column))
    }

    /// Byte offset of 1-based `line` plus `byte_column` bytes (serde_json counts bytes).
    pub(crate) fn offset(&self, line: usize, byte_column: usize) -> usize {
        let start = self.starts.get(line.saturating_sub(1)).copied().unwrap_or(self.text.len());
        (start + byte_column).min(self.text.len())
    }
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based_and_count_characters() {
        let text = "ab\nçd\n\nx";
        let idx = LineIndex::new(text);
        assert_eq!(idx.position(0), (1, 1));
        assert_eq!(idx.position(1), (1, 2));
        assert_eq!(idx.position(3), (2, 1));
        // 'ç' is two bytes; 'd' is the second character of line 2.
        assert_eq!(idx.position(5), (2, 2));
        assert_eq!(idx.position(7), (3, 1));
        assert_eq!(idx.position(8), (4, 1));
        assert_eq!(idx.position(100), (4, 2));
    }

    #[test]
    fn offsets_inside_a_character_round_down() {
        let idx = LineIndex::new("çx");
        assert_eq!(idx.position(1), (1, 1));
    }

    #[test]
    fn line_and_byte_column_to_offset() {
        let idx = LineIndex::new("ab\ncd");
        assert_eq!(idx.offset(2, 1), 4);
        assert_eq!(idx.offset(9, 0), 5);
    }
}
