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

/// A tuple of references to pieces, joined with each piece's own code: through `&[&dyn Piece]`
/// each piece cost two calls through a vtable, jumping to a different place for each kind of
/// piece, and a sentence mixes several kinds (cachegrind, 100 workspaces: 145,000 fewer
/// mispredicted indirect jumps and 3.7 M fewer instructions in a check).
pub trait Pieces {
    fn size(&self) -> usize;
    fn push_to(&self, out: &mut String);
}

macro_rules! tuple_pieces {
    ($($name:ident $index:tt),+) => {
        impl<$($name: Piece + ?Sized),+> Pieces for ($(&$name,)+) {
            #[inline]
            fn size(&self) -> usize {
                0 $(+ self.$index.size())+
            }
            #[inline]
            fn push_to(&self, out: &mut String) {
                $(self.$index.push_to(out);)+
            }
        }
    };
}

tuple_pieces!(A 0);
tuple_pieces!(A 0, B 1);
tuple_pieces!(A 0, B 1, C 2);
tuple_pieces!(A 0, B 1, C 2, D 3);
tuple_pieces!(A 0, B 1, C 2, D 3, E 4);
tuple_pieces!(A 0, B 1, C 2, D 3, E 4, F 5);
tuple_pieces!(A 0, B 1, C 2, D 3, E 4, F 5, G 6);
tuple_pieces!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7);
tuple_pieces!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8);
tuple_pieces!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9);
tuple_pieces!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10);
tuple_pieces!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11);
tuple_pieces!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11, M 12);
tuple_pieces!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11, M 12, N 13);

/// The pieces of a tuple ([`Pieces`]), concatenated into a string of their size.
#[inline]
pub fn join(pieces: impl Pieces) -> String {
    let mut out = String::with_capacity(pieces.size());
    pieces.push_to(&mut out);
    out
}

/// `text!(a, b, …)`: the pieces (string slices, strings, integers, addresses) concatenated, as
/// `format!("{a}{b}…")` would write them. Up to fourteen pieces.
#[macro_export]
macro_rules! text {
    ($($piece:expr),+ $(,)?) => {
        $crate::text::join(($(&$piece,)+))
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

/// A subnet as `VNET/SUBNET`, its path, written straight into the sentence rather than built
/// as a string of its own first.
impl Piece for adbflow_model::SubnetRef<'_> {
    fn size(&self) -> usize {
        self.vnet.name.len() + 1 + self.subnet.name.len()
    }
    fn push_to(&self, out: &mut String) {
        out.push_str(&self.vnet.name);
        out.push('/');
        out.push_str(&self.subnet.name);
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

/// Each octet's decimal digits, left-aligned in three bytes, and how many there are.
const OCTETS: [([u8; 3], u8); 256] = {
    let mut table = [([0u8; 3], 0u8); 256];
    let mut i = 0;
    while i < 256 {
        let (h, t, o) = ((i / 100) as u8, (i / 10 % 10) as u8, (i % 10) as u8);
        table[i] = match i {
            100.. => ([b'0' + h, b'0' + t, b'0' + o], 3),
            10.. => ([b'0' + t, b'0' + o, 0], 2),
            _ => ([b'0' + o, 0, 0], 1),
        };
        i += 1;
    }
    table
};

impl Piece for Ipv4Addr {
    fn size(&self) -> usize {
        "255.255.255.255".len()
    }
    // Written in one piece from a table: a walk writes an address into most of its sentences,
    // and four formatted octets pushed one by one cost ten times as much.
    fn push_to(&self, out: &mut String) {
        let mut text = [0u8; 16];
        let mut n = 0;
        for (i, octet) in self.octets().into_iter().enumerate() {
            if i > 0 {
                text[n] = b'.';
                n += 1;
            }
            let (digits, len) = OCTETS[usize::from(octet)];
            text[n..n + 3].copy_from_slice(&digits);
            n += usize::from(len);
        }
        // Digits and dots: always UTF-8.
        out.push_str(std::str::from_utf8(&text[..n]).unwrap_or_default());
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
            // As many pieces as `text!` takes, each in its place.
            let text = crate::text!(1u16, 2u32, 3u64, 4usize, 5i32, "6", a, 8u16, 9u16, ip, 11u16, 12u16, 13u16, s);
            prop_assert_eq!(text, format!("123456{a}89{ip}111213{s}"));
        }
    }

    // Octets of one, two and three digits, at each end of their range, in every place.
    #[test]
    fn writes_every_width_of_octet() {
        for octets in
            [[0, 9, 10, 99], [100, 255, 0, 1], [255, 255, 255, 255], [0, 0, 0, 0], [7, 42, 199, 200]]
        {
            let ip = Ipv4Addr::from(octets);
            assert_eq!(crate::text!(ip), ip.to_string());
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
