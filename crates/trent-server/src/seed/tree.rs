//! A seed file as a format-neutral tree whose every node knows its line, so that every error
//! — of syntax, of shape or of meaning — can name the file, the line and the field.
//!
//! YAML is read with `marked-yaml` (every scalar is text; the schema decides what it means),
//! TOML with `toml_edit` (typed scalars, byte spans turned into lines).

use std::path::Path;

use super::SeedError;

/// One node and the line (1-based) it starts on.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Node {
    pub(crate) line: usize,
    pub(crate) value: Value,
}

/// What a node holds.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Value {
    /// Entries in document order.
    Map(Vec<(String, Node)>),
    Seq(Vec<Node>),
    /// Text; in YAML every scalar.
    Text(String),
    Integer(i64),
    Bool(bool),
    /// A TOML value the seed schema never uses (floats, dates).
    Other(&'static str),
}

impl Value {
    pub(crate) fn type_name(&self) -> &'static str {
        match self {
            Value::Map(_) => "a mapping",
            Value::Seq(_) => "a list",
            Value::Text(_) => "text",
            Value::Integer(_) => "an integer",
            Value::Bool(_) => "a boolean",
            Value::Other(t) => t,
        }
    }
}

/// Parses `text` as YAML (`.yaml`, `.yml`) or TOML (`.toml`), by the file's extension.
pub(crate) fn parse(path: &Path, text: &str) -> Result<Node, SeedError> {
    match path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
        Some("yaml" | "yml") => from_yaml(path, text),
        Some("toml") => from_toml(path, text),
        _ => Err(SeedError::new(path, None, "", "a seed file must end in .yaml, .yml or .toml")),
    }
}

fn from_yaml(path: &Path, text: &str) -> Result<Node, SeedError> {
    if text.trim().is_empty() {
        return Ok(Node { line: 1, value: Value::Map(Vec::new()) });
    }
    yaml_depth_within_bound(path, text)?;
    let options = marked_yaml::LoaderOptions::default().error_on_duplicate_keys(true).toplevel_mapping();
    let root = marked_yaml::parse_yaml_with_options(0, text, options).map_err(|e| {
        let line = yaml_error_line(&e);
        SeedError::new(path, line, "", &format!("not valid YAML: {e}"))
    })?;
    Ok(yaml_node(&root))
}

/// The deepest nesting of YAML collections a seed may have. The schema needs four (the file,
/// a list, an entry, its tags); the loader recurses once per level, so that a file of
/// `- - - ...` 16 KB long exhausted the stack before this bound.
const MAX_YAML_DEPTH: usize = 32;

/// Checks the nesting of `text` with the event parser, which keeps its state on the heap,
/// before the recursive loader sees it. Syntax errors are left for the loader to report.
fn yaml_depth_within_bound(path: &Path, text: &str) -> Result<(), SeedError> {
    use yaml_rust2::parser::{Event, Parser};
    let mut parser = Parser::new_from_str(text);
    let mut depth = 0usize;
    loop {
        match parser.next_token() {
            Ok((Event::SequenceStart(..) | Event::MappingStart(..), mark)) => {
                depth += 1;
                if depth > MAX_YAML_DEPTH {
                    let message = format!("nests collections deeper than {MAX_YAML_DEPTH} levels");
                    return Err(SeedError::new(path, Some(mark.line()), "", &message));
                }
            }
            Ok((Event::SequenceEnd | Event::MappingEnd, _)) => depth = depth.saturating_sub(1),
            Ok((Event::StreamEnd, _)) | Err(_) => return Ok(()),
            Ok(_) => {}
        }
    }
}

fn yaml_error_line(e: &marked_yaml::LoadError) -> Option<usize> {
    use marked_yaml::LoadError::*;
    match e {
        TopLevelMustBeMapping(m)
        | TopLevelMustBeSequence(m)
        | UnexpectedAnchor(m)
        | MappingKeyMustBeScalar(m)
        | UnexpectedTag(m)
        | ScanError(m, _) => Some(m.line()),
        DuplicateKey(inner) => inner.key.span().start().map(|m| m.line()),
    }
}

fn yaml_line(span: &marked_yaml::Span) -> usize {
    span.start().map_or(1, |m| m.line())
}

fn yaml_node(node: &marked_yaml::Node) -> Node {
    use marked_yaml::Node as Y;
    match node {
        Y::Scalar(s) => Node { line: yaml_line(s.span()), value: Value::Text(s.as_str().to_owned()) },
        Y::Sequence(seq) => {
            Node { line: yaml_line(seq.span()), value: Value::Seq(seq.iter().map(yaml_node).collect()) }
        }
        Y::Mapping(map) => Node {
            line: yaml_line(map.span()),
            value: Value::Map(
                map.iter()
                    .map(|(k, v)| {
                        let mut n = yaml_node(v);
                        // A mapping entry's error points at its key's line.
                        n.line = yaml_line(k.span()).max(1);
                        (k.as_str().to_owned(), n)
                    })
                    .collect(),
            ),
        },
    }
}

fn line_of(text: &str, offset: Option<std::ops::Range<usize>>) -> usize {
    offset.map_or(1, |r| text[..r.start.min(text.len())].bytes().filter(|b| *b == b'\n').count() + 1)
}

fn from_toml(path: &Path, text: &str) -> Result<Node, SeedError> {
    let doc = toml_edit::ImDocument::parse(text).map_err(|e| {
        let line = e.span().map(|s| line_of(text, Some(s)));
        SeedError::new(path, line, "", &format!("not valid TOML: {}", e.message()))
    })?;
    Ok(Node { line: 1, value: toml_table(text, doc.as_table()) })
}

fn toml_table(text: &str, table: &toml_edit::Table) -> Value {
    Value::Map(
        table
            .iter()
            .map(|(k, item)| {
                let key_line = table.key(k).and_then(|key| key.span()).map(|s| line_of(text, Some(s)));
                let mut node = toml_item(text, item);
                if let Some(l) = key_line {
                    node.line = l;
                }
                (k.to_owned(), node)
            })
            .collect(),
    )
}

fn toml_item(text: &str, item: &toml_edit::Item) -> Node {
    use toml_edit::Item;
    match item {
        Item::Table(t) => Node { line: line_of(text, t.span()), value: toml_table(text, t) },
        Item::ArrayOfTables(a) => Node {
            line: line_of(text, a.span()),
            value: Value::Seq(
                a.iter().map(|t| Node { line: line_of(text, t.span()), value: toml_table(text, t) }).collect(),
            ),
        },
        Item::Value(v) => toml_value(text, v),
        Item::None => Node { line: 1, value: Value::Other("nothing") },
    }
}

fn toml_value(text: &str, v: &toml_edit::Value) -> Node {
    use toml_edit::Value as T;
    let line = line_of(text, v.span());
    let value = match v {
        T::String(s) => Value::Text(s.value().clone()),
        T::Integer(i) => Value::Integer(*i.value()),
        T::Boolean(b) => Value::Bool(*b.value()),
        T::Float(_) => Value::Other("a float"),
        T::Datetime(_) => Value::Other("a date"),
        T::Array(a) => Value::Seq(a.iter().map(|v| toml_value(text, v)).collect()),
        T::InlineTable(t) => Value::Map(t.iter().map(|(k, v)| (k.to_owned(), toml_value(text, v))).collect()),
    };
    Node { line, value }
}

#[cfg(test)]
mod tests {
    use super::*;

    const YAML: &str = "accounts:\n  - id: \"123456789012\"\nkeys:\n  - id: abc\n    enabled: false\n";
    const TOML: &str = "[[accounts]]\nid = \"123456789012\"\n\n[[keys]]\nid = \"abc\"\nenabled = false\n";

    fn field<'a>(n: &'a Node, key: &str) -> &'a Node {
        match &n.value {
            Value::Map(entries) => &entries.iter().find(|(k, _)| k == key).expect(key).1,
            other => panic!("not a map: {other:?}"),
        }
    }

    fn item(n: &Node, i: usize) -> &Node {
        match &n.value {
            Value::Seq(items) => &items[i],
            other => panic!("not a list: {other:?}"),
        }
    }

    #[test]
    fn both_formats_give_the_same_shape_with_lines() {
        let y = parse(Path::new("s.yaml"), YAML).unwrap();
        let t = parse(Path::new("s.toml"), TOML).unwrap();
        assert_eq!(field(item(field(&y, "keys"), 0), "id").line, 4);
        assert_eq!(field(item(field(&t, "keys"), 0), "id").line, 5);
        assert_eq!(field(item(field(&y, "keys"), 0), "enabled").value, Value::Text("false".into()));
        assert_eq!(field(item(field(&t, "keys"), 0), "enabled").value, Value::Bool(false));
    }

    /// Guards a stack overflow found by fuzzing the seed parser (`fuzz/corpus/seed/
    /// regress-deep-block-sequence`): 8 000 nested block sequences on one line, 16 KB.
    #[test]
    fn deeply_nested_yaml_is_refused_before_loading() {
        let deep = format!("a:\n{}x\n", "- ".repeat(8000));
        let e = parse(Path::new("s.yaml"), &deep).unwrap_err();
        assert_eq!((e.line, e.message.as_str()), (Some(2), "nests collections deeper than 32 levels"));
        let fine = format!("a:\n{}x\n", "- ".repeat(31));
        assert!(parse(Path::new("s.yaml"), &fine).is_ok());
    }

    #[test]
    fn syntax_errors_name_the_line() {
        let e = parse(Path::new("s.yaml"), "keys:\n  - id: [unclosed\n").unwrap_err();
        assert!(e.line.is_some(), "{e}");
        let e = parse(Path::new("s.toml"), "[[keys]]\nid = \n").unwrap_err();
        assert_eq!(e.line, Some(2), "{e}");
        assert!(parse(Path::new("s.json"), "{}").is_err());
    }
}
