pub fn placeholder() {}
pub mod terraform;
