//! Terraform resource addresses and references (`module.net["a"].azurerm_subnet.host[0].id`) split
//! into their parts. Keys are kept as JSON values because plan JSON writes an instance's `index`
//! as a number (`count`) or a string (`for_each`), and matching must compare like with like.

use serde_json::Value;

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tok {
    Ident(String),
    Key(Value),
    /// `[*]` or an index written as an expression (`[count.index]`): no particular instance.
    AnyKey,
}

/// Split an address or reference into identifiers and `[key]`s; `None` when it is malformed.
pub(crate) fn tokens(s: &str) -> Option<Vec<Tok>> {
    let mut out = Vec::new();
    let mut chars = s.chars().peekable();
    let mut ident = String::new();
    while let Some(c) = chars.next() {
        match c {
            '.' => {
                if !ident.is_empty() {
                    out.push(Tok::Ident(std::mem::take(&mut ident)));
                }
            }
            '[' => {
                if !ident.is_empty() {
                    out.push(Tok::Ident(std::mem::take(&mut ident)));
                }
                let mut inner = String::new();
                if chars.peek() == Some(&'"') {
                    chars.next();
                    let mut escaped = false;
                    loop {
                        let c = chars.next()?;
                        if escaped {
                            inner.push(c);
                            escaped = false;
                        } else if c == '\\' {
                            escaped = true;
                        } else if c == '"' {
                            break;
                        } else {
                            inner.push(c);
                        }
                    }
                    if chars.next()? != ']' {
                        return None;
                    }
                    out.push(Tok::Key(Value::String(inner)));
                } else {
                    for c in chars.by_ref() {
                        if c == ']' {
                            break;
                        }
                        inner.push(c);
                    }
                    match inner.trim().parse::<u64>() {
                        Ok(n) => out.push(Tok::Key(Value::from(n))),
                        Err(_) => out.push(Tok::AnyKey),
                    }
                }
            }
            c => ident.push(c),
        }
    }
    if !ident.is_empty() {
        out.push(Tok::Ident(ident));
    }
    Some(out)
}

/// One step of a module instance path: the call name and, for `count`/`for_each` modules, the key.
pub(crate) type ModStep = (String, Option<Value>);

/// `module.a[0].module.b` → `[("a", Some(0)), ("b", None)]`; the root module is empty.
pub(crate) fn module_path(address: &str) -> Vec<ModStep> {
    let mut path = Vec::new();
    let toks = tokens(address).unwrap_or_default();
    let mut it = toks.into_iter().peekable();
    while let Some(t) = it.next() {
        if t != Tok::Ident("module".into()) {
            continue;
        }
        let Some(Tok::Ident(name)) = it.next() else { break };
        let key = match it.peek() {
            Some(Tok::Key(k)) => {
                let k = k.clone();
                it.next();
                Some(k)
            }
            _ => None,
        };
        path.push((name, key));
    }
    path
}

/// The configuration path of a module instance path: keys dropped, `module.a.module.b`.
pub(crate) fn config_path(path: &[ModStep]) -> String {
    path.iter().map(|(n, _)| format!("module.{n}")).collect::<Vec<_>>().join(".")
}

pub(crate) fn key_text(k: &Value) -> String {
    match k {
        Value::String(s) => format!("[{}]", Value::String(s.clone())),
        other => format!("[{other}]"),
    }
}

/// The module instance address as Terraform writes it: `module.a[0].module.b`.
pub(crate) fn module_address(path: &[ModStep]) -> String {
    path.iter()
        .map(|(n, k)| match k {
            Some(k) => format!("module.{n}{}", key_text(k)),
            None => format!("module.{n}"),
        })
        .collect::<Vec<_>>()
        .join(".")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn references_split_into_identifiers_and_keys() {
        let t = tokens(r#"module.net["a.b"].azurerm_subnet.host[0].id"#).unwrap();
        assert_eq!(
            t,
            vec![
                Tok::Ident("module".into()),
                Tok::Ident("net".into()),
                Tok::Key(json!("a.b")),
                Tok::Ident("azurerm_subnet".into()),
                Tok::Ident("host".into()),
                Tok::Key(json!(0)),
                Tok::Ident("id".into()),
            ]
        );
        assert_eq!(tokens("azurerm_public_ip.x[*].id").unwrap()[2], Tok::AnyKey);
        assert!(tokens(r#"a.b["unterminated"#).is_none());
    }

    #[test]
    fn module_paths_keep_keys_and_configuration_paths_drop_them() {
        let p = module_path(r#"module.spoke["east"].module.subnets[1]"#);
        assert_eq!(p, vec![("spoke".into(), Some(json!("east"))), ("subnets".into(), Some(json!(1)))]);
        assert_eq!(config_path(&p), "module.spoke.module.subnets");
        assert_eq!(module_address(&p), r#"module.spoke["east"].module.subnets[1]"#);
        assert!(module_path("").is_empty());
    }
}
