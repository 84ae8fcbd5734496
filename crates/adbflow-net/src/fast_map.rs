//! Hash maps for the indexes a walk consults at every hop.
//!
//! A check looks names, subnet paths and addresses up hundreds of thousands of times; with the
//! standard library's SipHash, hashing those short keys was ~5 % of the walk. foldhash is the
//! hasher hashbrown itself defaults to; its fixed-seed state also makes iteration order the same
//! in every run (nothing here depends on it, but nothing can start to by accident). The keys come
//! from the user's own files, so resistance to crafted collisions buys nothing here.

pub(crate) type FastMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::FixedState>;
pub(crate) type FastSet<K> = std::collections::HashSet<K, foldhash::fast::FixedState>;
