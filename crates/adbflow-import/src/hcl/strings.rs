//! Terraform's string functions, `format`'s verbs and the regular-expression functions (RE2
//! syntax, which Rust's `regex` crate follows).

use super::funcs::{arity, int, text};
use super::value::{number_text, V};
use std::collections::BTreeMap;

/// `None` when `name` is not a string function.
pub(crate) fn call(name: &str, args: &[V]) -> Option<Result<V, String>> {
    let r = match name {
        "format" => match args.split_first() {
            Some((f, rest)) => text(f).and_then(|f| format(&f, rest)).map(V::Str),
            None => Err("needs a format string".into()),
        },
        "formatlist" => formatlist(args),
        "lower" | "upper" | "title" | "trimspace" | "chomp" | "strrev" | "base64encode" | "base64decode"
        | "urlencode" | "basename" | "dirname" => match args {
            [s] => text(s).and_then(|s| unary(name, &s)).map(V::Str),
            _ => Err(arity(1)),
        },
        "replace" => match args {
            [s, from, to] => (|| replace(&text(s)?, &text(from)?, &text(to)?))().map(V::Str),
            _ => Err(arity(3)),
        },
        "join" => match args {
            [sep, rest @ ..] if !rest.is_empty() => (|| {
                let sep = text(sep)?;
                let mut parts = Vec::new();
                for l in rest {
                    let items =
                        l.items().ok_or_else(|| format!("expected a list, found {}", l.type_name()))?;
                    for i in items {
                        parts.push(text(i)?);
                    }
                }
                Ok(V::Str(parts.join(&sep)))
            })(),
            _ => Err("takes a separator and one or more lists".into()),
        },
        "split" => match args {
            [sep, s] => (|| {
                let (sep, s) = (text(sep)?, text(s)?);
                if s.is_empty() {
                    return Ok(V::List(vec![V::Str(String::new())]));
                }
                Ok(V::List(s.split(sep.as_str()).map(|p| V::Str(p.to_string())).collect()))
            })(),
            _ => Err(arity(2)),
        },
        "substr" => match args {
            [s, o, l] => (|| {
                let s: Vec<char> = text(s)?.chars().collect();
                let (o, l) = (int(o)?, int(l)?);
                let start = if o < 0 { s.len() as i64 + o } else { o };
                if start < 0 || start as usize > s.len() {
                    return Err(format!("offset {o} is outside the string"));
                }
                let start = start as usize;
                let end = if l < 0 { s.len() } else { (start + l as usize).min(s.len()) };
                Ok(V::Str(s[start..end].iter().collect()))
            })(),
            _ => Err(arity(3)),
        },
        "trim" | "trimprefix" | "trimsuffix" | "startswith" | "endswith" | "strcontains" => match args {
            [s, x] => (|| {
                let (s, x) = (text(s)?, text(x)?);
                Ok(match name {
                    "trim" => V::Str(s.trim_matches(|c| x.contains(c)).to_string()),
                    "trimprefix" => V::Str(s.strip_prefix(x.as_str()).unwrap_or(&s).to_string()),
                    "trimsuffix" => V::Str(s.strip_suffix(x.as_str()).unwrap_or(&s).to_string()),
                    "startswith" => V::Bool(s.starts_with(&x)),
                    "endswith" => V::Bool(s.ends_with(&x)),
                    _ => V::Bool(s.contains(&x)),
                })
            })(),
            _ => Err(arity(2)),
        },
        "indent" => match args {
            [n, s] => (|| {
                let n = int(n)?;
                if !(0..=1000).contains(&n) {
                    return Err("the indentation must be between 0 and 1000 spaces".into());
                }
                let pad = " ".repeat(n as usize);
                Ok(V::Str(text(s)?.replace('\n', &format!("\n{pad}"))))
            })(),
            _ => Err(arity(2)),
        },
        "regex" | "regexall" => match args {
            [p, s] => (|| {
                let re =
                    regex::Regex::new(&text(p)?).map_err(|e| format!("invalid regular expression: {e}"))?;
                let s = text(s)?;
                let one = |c: regex::Captures| -> V {
                    let names: Vec<Option<&str>> = re.capture_names().skip(1).collect();
                    if names.is_empty() {
                        return V::Str(c[0].to_string());
                    }
                    let get = |i: usize| c.get(i).map_or(V::Null, |m| V::Str(m.as_str().to_string()));
                    if names.iter().all(Option::is_some) {
                        V::Map(
                            names
                                .iter()
                                .enumerate()
                                .map(|(i, n)| (n.unwrap_or_default().to_string(), get(i + 1)))
                                .collect(),
                        )
                    } else {
                        V::List((1..=names.len()).map(get).collect())
                    }
                };
                if name == "regex" {
                    re.captures(&s)
                        .map(one)
                        .ok_or_else(|| "the pattern does not match the string".to_string())
                } else {
                    Ok(V::List(re.captures_iter(&s).map(one).collect()))
                }
            })(),
            _ => Err(arity(2)),
        },
        _ => return None,
    };
    Some(r)
}

fn unary(name: &str, s: &str) -> Result<String, String> {
    Ok(match name {
        "lower" => s.to_lowercase(),
        "upper" => s.to_uppercase(),
        "title" => {
            let mut out = String::new();
            let mut start = true;
            for c in s.chars() {
                if start && c.is_alphabetic() {
                    out.extend(c.to_uppercase());
                } else {
                    out.push(c);
                }
                start = !c.is_alphanumeric();
            }
            out
        }
        "trimspace" => s.trim().to_string(),
        "chomp" => s.trim_end_matches(['\n', '\r']).to_string(),
        "strrev" => s.chars().rev().collect(),
        "base64encode" => base64_encode(s.as_bytes()),
        "base64decode" => String::from_utf8(base64_decode(s).ok_or("the text is not valid base64")?)
            .map_err(|_| "the decoded bytes are not UTF-8")?,
        "urlencode" => s
            .bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    (b as char).to_string()
                }
                b' ' => "+".into(),
                other => format!("%{other:02X}"),
            })
            .collect(),
        "basename" => s.trim_end_matches('/').rsplit('/').next().unwrap_or_default().to_string(),
        "dirname" => match s.trim_end_matches('/').rsplit_once('/') {
            Some(("", _)) => "/".into(),
            Some((d, _)) => d.to_string(),
            None => ".".into(),
        },
        _ => return Err(format!("adbflow does not evaluate the function {name}()")),
    })
}

/// `replace`: a substring, or a regular expression when written between slashes.
fn replace(s: &str, from: &str, to: &str) -> Result<String, String> {
    if from.len() >= 2 && from.starts_with('/') && from.ends_with('/') {
        let re = regex::Regex::new(&from[1..from.len() - 1])
            .map_err(|e| format!("invalid regular expression: {e}"))?;
        return Ok(re.replace_all(s, to).into_owned());
    }
    if from.is_empty() {
        return Ok(s.to_string());
    }
    Ok(s.replace(from, to))
}

fn formatlist(args: &[V]) -> Result<V, String> {
    let Some((f, rest)) = args.split_first() else { return Err("needs a format string".into()) };
    let f = text(f)?;
    let len = rest.iter().filter_map(|a| a.items().map(<[V]>::len)).max();
    let Some(len) = len else { return Ok(V::List(vec![V::Str(format(&f, rest)?)])) };
    let mut out = Vec::new();
    for i in 0..len {
        let row: Vec<V> = rest
            .iter()
            .map(|a| match a.items() {
                Some(items) => {
                    items.get(i).cloned().ok_or_else(|| "the lists have different lengths".to_string())
                }
                None => Ok(a.clone()),
            })
            .collect::<Result<_, _>>()?;
        out.push(V::Str(format(&f, &row)?));
    }
    Ok(V::List(out))
}

/// Terraform's `format` verbs: `%s %d %f %t %v %q %x %X %o %b %e %%`, with flags, width and precision.
pub(crate) fn format(f: &str, args: &[V]) -> Result<String, String> {
    let mut out = String::new();
    let mut chars = f.chars().peekable();
    let mut next = 0usize;
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        if chars.peek() == Some(&'%') {
            chars.next();
            out.push('%');
            continue;
        }
        let mut flags = String::new();
        while let Some(&c) = chars.peek() {
            if "-+ 0#".contains(c) {
                flags.push(c);
                chars.next();
            } else {
                break;
            }
        }
        let mut width = String::new();
        while let Some(&c) = chars.peek().filter(|c| c.is_ascii_digit()) {
            width.push(c);
            chars.next();
        }
        let mut precision: Option<usize> = None;
        if chars.peek() == Some(&'.') {
            chars.next();
            let mut p = String::new();
            while let Some(&c) = chars.peek().filter(|c| c.is_ascii_digit()) {
                p.push(c);
                chars.next();
            }
            precision = Some(p.parse().unwrap_or(0));
        }
        let verb = chars.next().ok_or("the format ends in the middle of a verb")?;
        // Bounds keep a hostile format from allocating without limit.
        if width.len() > 4 || precision.is_some_and(|p| p > 100) {
            return Err("the width or precision is too large".into());
        }
        let arg =
            args.get(next).ok_or_else(|| format!("not enough arguments for the format (verb %{verb})"))?;
        next += 1;
        let num = || {
            super::eval::number(arg)
                .ok_or_else(|| format!("%{verb} needs a number, found {}", arg.type_name()))
        };
        let body = match verb {
            's' | 'v' => match arg {
                V::Num(n) => number_text(*n),
                V::Null => "null".into(),
                other => match other.as_string() {
                    Some(s) => s,
                    None => other.to_json().map(|j| j.to_string()).ok_or("cannot format this value")?,
                },
            },
            'q' => serde_json::Value::String(text(arg)?).to_string(),
            't' => match super::eval::boolean(arg) {
                Some(b) => b.to_string(),
                None => return Err(format!("%t needs a bool, found {}", arg.type_name())),
            },
            'd' => {
                let n = num()?;
                if n.fract() != 0.0 {
                    return Err(format!("%d needs a whole number, found {n}"));
                }
                let s = format!("{}", n as i64);
                if flags.contains('+') && n >= 0.0 {
                    format!("+{s}")
                } else {
                    s
                }
            }
            'f' => format!("{:.*}", precision.unwrap_or(6), num()?),
            'e' => format!("{:.*e}", precision.unwrap_or(6), num()?),
            'x' => format!("{:x}", num()? as i64),
            'X' => format!("{:X}", num()? as i64),
            'o' => format!("{:o}", num()? as i64),
            'b' => format!("{:b}", num()? as i64),
            other => return Err(format!("the format verb %{other} is not supported")),
        };
        let body = match (verb, precision) {
            ('s' | 'v' | 'q', Some(p)) => body.chars().take(p).collect(),
            _ => body,
        };
        let w: usize = width.parse().unwrap_or(0);
        let pad = w.saturating_sub(body.chars().count());
        if flags.contains('-') {
            out.push_str(&body);
            out.push_str(&" ".repeat(pad));
        } else if flags.contains('0') && "dfxXob".contains(verb) {
            let (sign, digits) = match body.strip_prefix('-') {
                Some(d) => ("-", d.to_string()),
                None => ("", body.clone()),
            };
            out.push_str(sign);
            out.push_str(&"0".repeat(pad));
            out.push_str(&digits);
        } else {
            out.push_str(&" ".repeat(pad));
            out.push_str(&body);
        }
    }
    if next < args.len() {
        return Err(format!("the format uses {next} of {} arguments", args.len()));
    }
    Ok(out)
}

const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn base64_encode(bytes: &[u8]) -> String {
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(B64[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let map: BTreeMap<u8, u32> = B64.iter().enumerate().map(|(i, c)| (*c, i as u32)).collect();
    let clean: Vec<u8> = s.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    if !clean.len().is_multiple_of(4) {
        return None;
    }
    let mut out = Vec::new();
    for chunk in clean.chunks(4) {
        let mut n = 0u32;
        let mut pads = 0;
        for &c in chunk {
            n <<= 6;
            if c == b'=' {
                pads += 1;
            } else {
                n |= *map.get(&c)?;
            }
        }
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&bytes[..3 - pads]);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(x: &str) -> V {
        V::Str(x.into())
    }

    #[test]
    fn format_verbs_follow_terraform() {
        assert_eq!(format("Hello, %s!", &[s("Ander")]).unwrap(), "Hello, Ander!");
        assert_eq!(format("There are %d lights", &[V::Num(4.0)]).unwrap(), "There are 4 lights");
        assert_eq!(
            format("%03d-%-4s|%5.2f", &[V::Num(7.0), s("ab"), V::Num(2.5)]).unwrap(),
            "007-ab  | 2.50"
        );
        assert_eq!(format("%q %t %%", &[s("a\"b"), V::Bool(true)]).unwrap(), "\"a\\\"b\" true %");
        assert!(format("%s %s", &[s("one")]).is_err());
        assert!(format("%s", &[s("a"), s("b")]).is_err());
    }

    #[test]
    fn regex_returns_match_groups_or_named_groups() {
        let r = |p: &str, t: &str| call("regex", &[s(p), s(t)]).unwrap();
        assert_eq!(r("[a-z]+", "53453453.345345aaabbbccc23454").unwrap(), s("aaabbbccc"));
        assert_eq!(r(r"(\d\d\d\d)-(\d\d)", "2019-02").unwrap(), V::List(vec![s("2019"), s("02")]));
        let named = r(r"^(?:(?P<scheme>[^:/?#]+):)?", "https://x").unwrap();
        assert_eq!(named, V::Map(BTreeMap::from([("scheme".to_string(), s("https"))])));
        assert!(r("z", "abc").is_err());
        assert_eq!(replace("1 + 2 + 3", "/\\d/", "x").unwrap(), "x + x + x");
    }

    #[test]
    fn base64_round_trips() {
        for t in ["", "a", "ab", "abc", "Hello World"] {
            assert_eq!(base64_decode(&base64_encode(t.as_bytes())).unwrap(), t.as_bytes());
        }
        assert_eq!(base64_encode(b"Hello World"), "SGVsbG8gV29ybGQ=");
    }
}
