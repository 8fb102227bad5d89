//! Walking an OpenAPI 3.1 document as FastAPI writes it: `$ref`s,
//! `anyOf` nullability, conformance of a JSON value, and boundary probes
//! for each constraint. Used by the client contract test.

use std::collections::HashSet;

use serde_json::{Value, json};

/// Follows `$ref`s to the schema they name.
///
/// # Panics
/// On a reference outside `#/components/schemas/`.
pub fn resolve<'a>(spec: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(reference) => {
            let name = reference
                .strip_prefix("#/components/schemas/")
                .unwrap_or_else(|| panic!("odd $ref {reference}"));
            resolve(spec, &spec["components"]["schemas"][name])
        }
        None => schema,
    }
}

/// The branches of an `anyOf` (or the schema itself), resolved.
pub fn branches<'a>(spec: &'a Value, schema: &'a Value) -> Vec<&'a Value> {
    match schema.get("anyOf").and_then(Value::as_array) {
        Some(options) => options.iter().map(|o| resolve(spec, o)).collect(),
        None => vec![resolve(spec, schema)],
    }
}

/// Whether `schema` admits `null`.
pub fn nullable(spec: &Value, schema: &Value) -> bool {
    branches(spec, schema).iter().any(|b| b["type"] == "null")
}

/// Whether `value` conforms to `schema` (types, enums, nested objects).
///
/// # Panics
/// On a schema type this walker does not know.
pub fn conforms(spec: &Value, schema: &Value, value: &Value) -> bool {
    branches(spec, schema).into_iter().any(|schema| {
        if let Some(options) = schema.get("enum").and_then(Value::as_array) {
            return options.contains(value);
        }
        match schema["type"].as_str() {
            Some("null") => value.is_null(),
            Some("string") => value.is_string(),
            Some("boolean") => value.is_boolean(),
            Some("integer") => value.is_i64() || value.is_u64(),
            Some("number") => value.is_number(),
            Some("array") => value
                .as_array()
                .is_some_and(|items| items.iter().all(|i| conforms(spec, &schema["items"], i))),
            Some("object") => value.as_object().is_some_and(|object| {
                let properties = schema["properties"]
                    .as_object()
                    .cloned()
                    .unwrap_or_default();
                let required = required(schema);
                required.iter().all(|r| object.contains_key(*r))
                    && object
                        .iter()
                        .all(|(k, v)| properties.get(k).is_some_and(|p| conforms(spec, p, v)))
            }),
            None => true,
            Some(other) => panic!("unhandled schema type {other}"),
        }
    })
}

/// The names an object schema requires.
pub fn required(schema: &Value) -> HashSet<&str> {
    schema["required"]
        .as_array()
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

/// Values just inside and just outside each constraint of `schema`, with
/// whether the schema allows them.
pub fn probes(spec: &Value, schema: &Value) -> Vec<(Value, bool)> {
    let mut out = Vec::new();
    for branch in branches(spec, schema) {
        let number = |key: &str| branch.get(key).and_then(Value::as_f64);
        let count = |key: &str| branch.get(key).and_then(Value::as_u64);
        match branch["type"].as_str() {
            Some("string") => {
                // Multi-byte characters: both sides count characters, not bytes.
                let text = |n: u64| json!("é".repeat(n as usize));
                if let Some(min) = count("minLength") {
                    out.push((text(min), true));
                    if min > 0 {
                        out.push((text(min - 1), false));
                    }
                }
                if let Some(max) = count("maxLength") {
                    out.extend([(text(max), true), (text(max + 1), false)]);
                }
            }
            Some("array") => {
                let items = |n: u64| json!((0..n).map(|i| format!("item-{i}")).collect::<Vec<_>>());
                if let Some(min) = count("minItems") {
                    out.push((items(min.max(1)), true));
                    if min > 0 {
                        out.push((items(min - 1), false));
                    }
                }
                if let Some(max) = count("maxItems") {
                    out.extend([(items(max), true), (items(max + 1), false)]);
                }
                if branch["uniqueItems"] == true {
                    out.push((json!(["same", "same"]), false));
                }
            }
            Some(kind @ ("integer" | "number")) => {
                let step = if kind == "integer" { 1.0 } else { 0.001 };
                let value = |x: f64| {
                    if kind == "integer" {
                        json!(x as i64)
                    } else {
                        json!(x)
                    }
                };
                // A step too small to move a large bound becomes the next
                // representable number.
                let below = |x: f64| {
                    if x - step < x {
                        x - step
                    } else {
                        neighbour(x, -1)
                    }
                };
                let above = |x: f64| {
                    if x + step > x {
                        x + step
                    } else {
                        neighbour(x, 1)
                    }
                };
                if let Some(min) = number("minimum") {
                    out.extend([(value(min), true), (value(below(min)), false)]);
                }
                if let Some(max) = number("maximum") {
                    out.extend([(value(max), true), (value(above(max)), false)]);
                }
                if let Some(min) = number("exclusiveMinimum") {
                    out.extend([(value(min), false), (value(above(min)), true)]);
                }
            }
            _ => {}
        }
    }
    out
}

/// The next representable number above (`direction` 1) or below (-1) a
/// large positive `x`.
fn neighbour(x: f64, direction: i64) -> f64 {
    f64::from_bits(x.to_bits().saturating_add_signed(direction))
}
