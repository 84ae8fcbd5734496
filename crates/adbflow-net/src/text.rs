//! Sentences built from their pieces at their exact size.
//!
//! Every hop of every walk carries a sentence (`NSG nsg-spoke-00000 outbound rule … (priority 100)
//! allows 40.70.58.221:443`), and a 1,000-workspace check makes ~200,000 of them. Through
//! `format!` each cost 1,500–2,600 instructions (callgrind, 100 workspaces): `core::fmt` reaches
//! every piece through a vtable, pads every integer and guesses the string's capacity, growing it
//! when the guess falls short. [`text!`](crate::text!) adds the pieces' sizes up first and copies
//! each once.

use crate::routes::RoutePrefix;
use ipnet::Ipv4Net;
use std::net::Ipv4Addr;

/// A piece of a sentence: its size (an upper bound will do) and its text.
pub trait Piece {
    fn size(&self) -> usize;
    fn push_to(&self, out: &mut String);
}

/// The pieces, concatenated into a string of their size.
pub fn join(pieces: &[&dyn Piece]) -> String {
    let mut out = String::with_capacity(pieces.iter().map(|p| p.size()).sum());
    for p in pieces {
        p.push_to(&mut out);
    }
    out
}

/// `text!(a, b, …)`: the pieces (string slices, strings, integers, addresses) concatenated, as
/// `format!("{a}{b}…")` would write them.
#[macro_export]
macro_rules! text {
    ($($piece:expr),+ $(,)?) => {
        $crate::text::join(&[$(&$piece as &dyn $crate::text::Piece),+])
    };
}

impl Piece for str {
    fn size(&self) -> usize {
        self.len()
    }
    fn push_to(&self, out: &mut String) {
        out.push_str(self);
    }
}

impl Piece for String {
    fn size(&self) -> usize {
        self.len()
    }
    fn push_to(&self, out: &mut String) {
        out.push_str(self);
    }
}

impl Piece for adbflow_model::SharedStr {
    fn size(&self) -> usize {
        self.len()
    }
    fn push_to(&self, out: &mut String) {
        out.push_str(self);
    }
}

impl<T: Piece + ?Sized> Piece for &T {
    fn size(&self) -> usize {
        (**self).size()
    }
    fn push_to(&self, out: &mut String) {
        (**self).push_to(out);
    }
}

macro_rules! integer_piece {
    ($($t:ty),+) => {$(
        impl Piece for $t {
            fn size(&self) -> usize {
                // The most digits such an integer has, and room for a sign.
                <$t>::MAX.ilog10() as usize + 2
            }
            fn push_to(&self, out: &mut String) {
                out.push_str(itoa::Buffer::new().format(*self));
            }
        }
    )+};
}

integer_piece!(u16, u32, u64, usize, i32);

impl Piece for Ipv4Addr {
    fn size(&self) -> usize {
        "255.255.255.255".len()
    }
    fn push_to(&self, out: &mut String) {
        let mut digits = itoa::Buffer::new();
        for (i, octet) in self.octets().into_iter().enumerate() {
            if i > 0 {
                out.push('.');
            }
            out.push_str(digits.format(octet));
        }
    }
}

impl Piece for Ipv4Net {
    fn size(&self) -> usize {
        "255.255.255.255/32".len()
    }
    fn push_to(&self, out: &mut String) {
        self.addr().push_to(out);
        out.push('/');
        out.push_str(itoa::Buffer::new().format(self.prefix_len()));
    }
}

/// As its `Display` writes it.
impl Piece for RoutePrefix {
    fn size(&self) -> usize {
        match self {
            RoutePrefix::Cidr(n) => n.size(),
            RoutePrefix::Tag(t) => t.len(),
        }
    }
    fn push_to(&self, out: &mut String) {
        match self {
            RoutePrefix::Cidr(n) => n.push_to(out),
            RoutePrefix::Tag(t) => out.push_str(t),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn writes_what_format_writes(a in ".{0,20}", n in any::<u16>(), m in any::<u64>(), k in any::<i32>(), ip in any::<u32>()) {
            let ip = Ipv4Addr::from(ip);
            let s = a.clone();
            let text = crate::text!("x ", a, " ", n, ":", m, k, " ", ip, &s, 7usize, 9u32);
            prop_assert_eq!(text, format!("x {a} {n}:{m}{k} {ip}{s}79"));
        }
    }

    #[test]
    fn integers_fit_their_size() {
        for (text, size) in [
            (u16::MAX.to_string(), u16::MAX.size()),
            (u32::MAX.to_string(), 0u32.size()),
            (u64::MAX.to_string(), 0u64.size()),
            (i32::MIN.to_string(), 0i32.size()),
        ] {
            assert!(text.len() <= size, "{text} in {size}");
        }
    }

    proptest! {
        #[test]
        fn prefixes_write_as_they_display(addr in any::<u32>(), len in 0u8..=32) {
            let net = Ipv4Net::new(Ipv4Addr::from(addr), len).unwrap();
            prop_assert_eq!(crate::text!(net), net.to_string());
            let prefix = RoutePrefix::Cidr(net);
            prop_assert_eq!(crate::text!(prefix), prefix.to_string());
        }
    }

    #[test]
    fn addresses_write_as_they_display() {
        let tag = RoutePrefix::Tag("AzureActiveDirectory".into());
        assert_eq!(crate::text!(tag), tag.to_string());
        let with_ip = crate::address::DestAddr::ip(Ipv4Addr::new(10, 0, 17, 4));
        let mut tagged = with_ip.clone();
        tagged.ip = None;
        tagged.tags = vec!["Storage.EastUS2".into()];
        let mut public = tagged.clone();
        public.tags.clear();
        for (d, expected) in
            [(with_ip, "10.0.17.4"), (tagged, "<address in Storage.EastUS2>"), (public, "<public address>")]
        {
            let text = crate::text!(d);
            assert_eq!(text, expected);
            assert_eq!(d.to_string(), expected);
            assert!(text.len() <= d.size());
        }
    }
}
