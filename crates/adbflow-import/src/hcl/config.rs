//! One module's configuration, gathered from all its files: variables, locals, outputs, resources
//! and data sources, module calls and provider blocks, each with the place it is written.
//! Blocks Terraform uses only for its own workflow (`terraform`, `moved`, `import`, `check`,
//! `removed`) carry no network configuration and are passed over.

use super::source::SourceFile;
use crate::ImportError;
use ::hcl::edit::expr::Expression;
use ::hcl::edit::structure::{Block, Body, Structure};
use ::hcl::edit::Span;
use adbflow_model::Origin;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// A place in one of the module's files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct At {
    pub file: usize,
    pub offset: usize,
}

pub(crate) struct Variable {
    pub default: Option<Expression>,
    pub type_expr: Option<Expression>,
    pub nullable: bool,
    pub at: At,
}

pub(crate) struct Item {
    pub expr: Expression,
    pub at: At,
}

pub(crate) struct Resource {
    pub data: bool,
    pub rtype: String,
    pub name: String,
    pub body: Body,
    pub count: Option<Item>,
    pub for_each: Option<Item>,
    /// `provider = azurerm.alias`: (name, alias).
    pub provider: Option<(String, Option<String>)>,
    pub at: At,
}

impl Resource {
    pub(crate) fn local(&self) -> String {
        if self.data {
            format!("data.{}.{}", self.rtype, self.name)
        } else {
            format!("{}.{}", self.rtype, self.name)
        }
    }
}

pub(crate) struct Call {
    pub source: String,
    pub args: Vec<(String, Item)>,
    pub count: Option<Item>,
    pub for_each: Option<Item>,
    /// `providers = { databricks = databricks.ws }`: child name → parent (name, alias).
    pub providers: Vec<(String, (String, Option<String>))>,
    pub at: At,
}

pub(crate) struct Provider {
    pub name: String,
    pub alias: Option<String>,
    pub body: Body,
    pub at: At,
}

pub(crate) struct ModuleConfig {
    /// Where the files are read from.
    pub dir: PathBuf,
    /// The directory as shown to the user (`path.module`).
    pub shown: PathBuf,
    pub files: Vec<SourceFile>,
    pub variables: BTreeMap<String, Variable>,
    pub locals: BTreeMap<String, Item>,
    pub outputs: BTreeMap<String, Item>,
    pub resources: Vec<Resource>,
    pub calls: BTreeMap<String, Call>,
    pub providers: Vec<Provider>,
}

/// Meta-arguments of resources and module calls: they shape instances, they are not attributes.
pub(crate) const RESOURCE_META: &[&str] = &["count", "for_each", "provider", "depends_on"];
pub(crate) const RESOURCE_META_BLOCKS: &[&str] = &["lifecycle", "provisioner", "connection"];
const CALL_META: &[&str] = &["source", "version", "count", "for_each", "providers", "depends_on"];
const IGNORED_BLOCKS: &[&str] = &["terraform", "moved", "import", "check", "removed"];

impl ModuleConfig {
    pub(crate) fn origin(&self, at: At) -> Origin {
        let f = &self.files[at.file];
        let (line, column) = f.position(at.offset);
        Origin::File { file: f.name.clone(), line, column }
    }

    pub(crate) fn build(
        dir: PathBuf,
        shown: PathBuf,
        parsed: Vec<(SourceFile, Body)>,
    ) -> Result<ModuleConfig, ImportError> {
        let mut m = ModuleConfig {
            dir,
            shown,
            files: Vec::new(),
            variables: BTreeMap::new(),
            locals: BTreeMap::new(),
            outputs: BTreeMap::new(),
            resources: Vec::new(),
            calls: BTreeMap::new(),
            providers: Vec::new(),
        };
        let mut bodies = Vec::new();
        for (i, (file, body)) in parsed.into_iter().enumerate() {
            m.files.push(file);
            bodies.push((i, body));
        }
        for (file, body) in bodies {
            for s in body.iter() {
                match s {
                    Structure::Block(b) => m.add_block(file, b)?,
                    Structure::Attribute(a) => {
                        let at = at(file, a.span());
                        return Err(m.error(at, format!("unexpected attribute `{}` at the top level of a Terraform file; expected blocks such as resource, variable or module", a.key.as_str())));
                    }
                }
            }
        }
        Ok(m)
    }

    fn error(&self, at: At, message: String) -> ImportError {
        let f = &self.files[at.file];
        let (line, column) = f.position(at.offset);
        ImportError::Parse {
            file: f.name.to_string(),
            location: Some(crate::Location { line, column }),
            message,
        }
    }

    fn add_block(&mut self, file: usize, b: &Block) -> Result<(), ImportError> {
        let at = at(file, b.span());
        let labels: Vec<&str> = b.labels.iter().map(|l| l.as_str()).collect();
        let want = |n: usize, what: &str| -> Result<(), ImportError> {
            if labels.len() == n {
                Ok(())
            } else {
                Err(self.error(
                    at,
                    format!(
                        "a `{}` block needs {n} label(s) ({what}), found {}",
                        b.ident.as_str(),
                        labels.len()
                    ),
                ))
            }
        };
        match b.ident.as_str() {
            "variable" => {
                want(1, "the variable name")?;
                let name = labels[0].to_string();
                if self.variables.contains_key(&name) {
                    return Err(self.error(at, format!("variable \"{name}\" is declared twice")));
                }
                let nullable = match attr(&b.body, "nullable") {
                    Some(Expression::Bool(v)) => **v,
                    _ => true,
                };
                self.variables.insert(
                    name,
                    Variable {
                        default: attr(&b.body, "default").cloned(),
                        type_expr: attr(&b.body, "type").cloned(),
                        nullable,
                        at,
                    },
                );
            }
            "locals" => {
                for a in b.body.attributes() {
                    let name = a.key.as_str().to_string();
                    let aat = self::at(file, a.span());
                    if self.locals.contains_key(&name) {
                        return Err(self.error(aat, format!("local value \"{name}\" is defined twice")));
                    }
                    self.locals.insert(name, Item { expr: a.value.clone(), at: aat });
                }
            }
            "output" => {
                want(1, "the output name")?;
                if let Some(a) = b.body.get_attribute("value") {
                    let aat = self::at(file, a.span());
                    self.outputs.insert(labels[0].to_string(), Item { expr: a.value.clone(), at: aat });
                }
            }
            "resource" | "data" => {
                want(2, "the resource type and name")?;
                let data = b.ident.as_str() == "data";
                let r = Resource {
                    data,
                    rtype: labels[0].to_string(),
                    name: labels[1].to_string(),
                    body: b.body.clone(),
                    count: item(file, &b.body, "count"),
                    for_each: item(file, &b.body, "for_each"),
                    provider: attr(&b.body, "provider").and_then(provider_ref),
                    at,
                };
                if self.resources.iter().any(|x| x.local() == r.local()) {
                    return Err(self.error(at, format!("{} is declared twice", r.local())));
                }
                self.resources.push(r);
            }
            "module" => {
                want(1, "the module name")?;
                let name = labels[0].to_string();
                if self.calls.contains_key(&name) {
                    return Err(self.error(at, format!("module \"{name}\" is declared twice")));
                }
                let source = match attr(&b.body, "source") {
                    Some(Expression::String(s)) => s.as_str().to_string(),
                    _ => {
                        return Err(self.error(at, format!("module \"{name}\" needs a literal string `source`")))
                    }
                };
                let args = b
                    .body
                    .attributes()
                    .filter(|a| !CALL_META.contains(&a.key.as_str()))
                    .map(|a| {
                        (a.key.as_str().to_string(), Item { expr: a.value.clone(), at: self::at(file, a.span()) })
                    })
                    .collect();
                let mut providers = Vec::new();
                if let Some(Expression::Object(o)) = attr(&b.body, "providers") {
                    for (k, v) in o.iter() {
                        let key = match k {
                            ::hcl::edit::expr::ObjectKey::Ident(i) => i.as_str().to_string(),
                            ::hcl::edit::expr::ObjectKey::Expression(e) => match provider_ref(e) {
                                Some((n, _)) => n,
                                None => continue,
                            },
                        };
                        if let Some(p) = provider_ref(v.expr()) {
                            providers.push((key, p));
                        }
                    }
                }
                let call = Call {
                    source,
                    args,
                    count: item(file, &b.body, "count"),
                    for_each: item(file, &b.body, "for_each"),
                    providers,
                    at,
                };
                self.calls.insert(name, call);
            }
            "provider" => {
                want(1, "the provider name")?;
                let alias = match attr(&b.body, "alias") {
                    Some(Expression::String(s)) => Some(s.as_str().to_string()),
                    _ => None,
                };
                self.providers.push(Provider { name: labels[0].to_string(), alias, body: b.body.clone(), at });
            }
            other if IGNORED_BLOCKS.contains(&other) => {}
            other => {
                return Err(self.error(
                    at,
                    format!("unknown top-level block `{other}`; Terraform files hold resource, data, module, variable, locals, output, provider and terraform blocks"),
                ))
            }
        }
        Ok(())
    }
}

pub(crate) fn at(file: usize, span: Option<std::ops::Range<usize>>) -> At {
    At { file, offset: span.map_or(0, |s| s.start) }
}

pub(crate) fn attr<'b>(body: &'b Body, name: &str) -> Option<&'b Expression> {
    body.get_attribute(name).map(|a| &a.value)
}

fn item(file: usize, body: &Body, name: &str) -> Option<Item> {
    body.get_attribute(name).map(|a| Item { expr: a.value.clone(), at: at(file, a.span()) })
}

/// `azurerm` or `azurerm.alias` written as a bare traversal.
fn provider_ref(e: &Expression) -> Option<(String, Option<String>)> {
    match e {
        Expression::Variable(v) => Some((v.as_str().to_string(), None)),
        Expression::Traversal(t) => {
            let Expression::Variable(v) = &t.expr else { return None };
            match t.operators.as_slice() {
                [op] => match &**op {
                    ::hcl::edit::expr::TraversalOperator::GetAttr(a) => {
                        Some((v.as_str().to_string(), Some(a.as_str().to_string())))
                    }
                    _ => None,
                },
                _ => None,
            }
        }
        _ => None,
    }
}
