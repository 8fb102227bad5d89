//! Field-by-field reading of a JSON body, collecting pydantic-style issues.

use serde_json::{Map, Value};

use super::{Issue, PLATFORMS};

/// A lower bound on a number: inclusive or strict.
#[derive(Debug, Clone, Copy)]
pub(super) enum Bound {
    AtLeast(f64),
    Above(f64),
}

/// Collects fields and the issues found on the way.
pub(super) struct Reader<'a> {
    body: &'a Map<String, Value>,
    issues: Vec<Issue>,
}

impl<'a> Reader<'a> {
    pub(super) fn new(body: &'a Map<String, Value>) -> Self {
        Self {
            body,
            issues: Vec::new(),
        }
    }

    pub(super) fn finish(self) -> Result<(), Vec<Issue>> {
        if self.issues.is_empty() {
            Ok(())
        } else {
            Err(self.issues)
        }
    }

    pub(super) fn issue(
        &mut self,
        loc: Vec<Value>,
        kind: &'static str,
        msg: String,
        input: &Value,
    ) {
        self.issues.push(Issue {
            kind,
            loc,
            msg,
            input: input.clone(),
        });
    }

    pub(super) fn field(&mut self, name: &str, required: bool) -> Option<&'a Value> {
        let value = self.body.get(name);
        if value.is_none() && required {
            let body = Value::Object(self.body.clone());
            self.issue(loc(name), "missing", "Field required".to_owned(), &body);
        }
        value
    }

    pub(super) fn string(&mut self, name: &str, min: usize, max: usize) -> Option<String> {
        let value = self.field(name, true)?;
        self.check_string(loc(name), value, min, max)
    }

    pub(super) fn check_string(
        &mut self,
        at: Vec<Value>,
        value: &Value,
        min: usize,
        max: usize,
    ) -> Option<String> {
        let Some(text) = value.as_str() else {
            self.issue(
                at,
                "string_type",
                "Input should be a valid string".to_owned(),
                value,
            );
            return None;
        };
        let chars = text.chars().count();
        if chars < min {
            self.issue(
                at,
                "string_too_short",
                format!(
                    "String should have at least {min} {}",
                    plural(min, "character")
                ),
                value,
            );
            None
        } else if chars > max {
            self.issue(
                at,
                "string_too_long",
                format!(
                    "String should have at most {max} {}",
                    plural(max, "character")
                ),
                value,
            );
            None
        } else {
            Some(text.to_owned())
        }
    }

    pub(super) fn list(
        &mut self,
        name: &str,
        value: &'a Value,
        min: usize,
        max: usize,
    ) -> Option<&'a Vec<Value>> {
        let Some(items) = value.as_array() else {
            self.issue(
                loc(name),
                "list_type",
                "Input should be a valid list".to_owned(),
                value,
            );
            return None;
        };
        let n = items.len();
        if n < min {
            self.issue(
                loc(name),
                "too_short",
                format!(
                    "List should have at least {min} {} after validation, not {n}",
                    plural(min, "item")
                ),
                value,
            );
            return None;
        }
        if n > max {
            self.issue(
                loc(name),
                "too_long",
                format!(
                    "List should have at most {max} {} after validation, not {n}",
                    plural(max, "item")
                ),
                value,
            );
            return None;
        }
        Some(items)
    }

    pub(super) fn string_list(
        &mut self,
        name: &str,
        min: usize,
        max: usize,
    ) -> Option<Vec<String>> {
        let value = self.field(name, true)?;
        let items = self.list(name, value, min, max)?;
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            out.push(self.check_string(loc_at(name, i), item, 0, usize::MAX));
        }
        out.into_iter().collect()
    }

    pub(super) fn unique(&mut self, name: &str, ids: &[String]) {
        let mut seen = std::collections::HashSet::new();
        let mut duplicates: Vec<&str> = Vec::new();
        for id in ids {
            if !seen.insert(id.as_str()) && !duplicates.contains(&id.as_str()) {
                duplicates.push(id);
            }
        }
        if !duplicates.is_empty() {
            let input = Value::from(ids.to_vec());
            self.issue(
                loc(name),
                "value_error",
                format!("Value error, duplicate {name}: {}", duplicates.join(", ")),
                &input,
            );
        }
    }

    pub(super) fn platforms(&mut self) -> Option<Vec<String>> {
        let value = self.field("platforms", false)?;
        if value.is_null() {
            return None;
        }
        let items = self.list("platforms", value, 0, usize::MAX)?;
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            out.push(self.check_choice(loc_at("platforms", i), item, &PLATFORMS));
        }
        // An invalid entry has been reported; the value is then never used.
        Some(out.into_iter().flatten().collect())
    }

    pub(super) fn choice(&mut self, name: &str, allowed: &[&str], default: &str) -> Option<String> {
        match self.field(name, false) {
            None => Some(default.to_owned()),
            Some(value) => self.check_choice(loc(name), value, allowed),
        }
    }

    pub(super) fn check_choice(
        &mut self,
        at: Vec<Value>,
        value: &Value,
        allowed: &[&str],
    ) -> Option<String> {
        match value.as_str() {
            Some(text) if allowed.contains(&text) => Some(text.to_owned()),
            _ => {
                self.issue(
                    at,
                    "enum",
                    format!("Input should be {}", one_of(allowed)),
                    value,
                );
                None
            }
        }
    }

    pub(super) fn integer(
        &mut self,
        name: &str,
        default: Option<i64>,
        min: Option<i64>,
        max: Option<i64>,
    ) -> Option<i64> {
        let Some(value) = self.field(name, default.is_none()) else {
            return default;
        };
        self.check_integer(name, value, min, max)
    }

    pub(super) fn nullable_integer(&mut self, name: &str) -> Option<i64> {
        let value = self.field(name, false)?;
        if value.is_null() {
            None
        } else {
            self.check_integer(name, value, None, None)
        }
    }

    pub(super) fn check_integer(
        &mut self,
        name: &str,
        value: &Value,
        min: Option<i64>,
        max: Option<i64>,
    ) -> Option<i64> {
        let parsed = value.as_i64().or_else(|| {
            // pydantic takes 5.0 for 5, but not 5.5.
            #[allow(clippy::cast_possible_truncation)]
            value
                .as_f64()
                .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
                .map(|f| f as i64)
        });
        let Some(n) = parsed else {
            self.issue(
                loc(name),
                "int_type",
                "Input should be a valid integer".to_owned(),
                value,
            );
            return None;
        };
        if let Some(min) = min.filter(|min| n < *min) {
            self.issue(
                loc(name),
                "greater_than_equal",
                format!("Input should be greater than or equal to {min}"),
                value,
            );
            return None;
        }
        if let Some(max) = max.filter(|max| n > *max) {
            self.issue(
                loc(name),
                "less_than_equal",
                format!("Input should be less than or equal to {max}"),
                value,
            );
            return None;
        }
        Some(n)
    }

    pub(super) fn number(
        &mut self,
        name: &str,
        default: Option<f64>,
        low: Bound,
        max: Option<f64>,
    ) -> Option<f64> {
        let Some(value) = self.field(name, default.is_none()) else {
            return default;
        };
        self.check_number(name, value, low, max)
    }

    pub(super) fn nullable_number(&mut self, name: &str, low: Bound) -> Option<f64> {
        let value = self.field(name, false)?;
        if value.is_null() {
            None
        } else {
            self.check_number(name, value, low, None)
        }
    }

    pub(super) fn check_number(
        &mut self,
        name: &str,
        value: &Value,
        low: Bound,
        max: Option<f64>,
    ) -> Option<f64> {
        let Some(x) = value.as_f64() else {
            self.issue(
                loc(name),
                "float_type",
                "Input should be a valid number".to_owned(),
                value,
            );
            return None;
        };
        match low {
            Bound::AtLeast(min) if x < min => {
                self.issue(
                    loc(name),
                    "greater_than_equal",
                    format!("Input should be greater than or equal to {}", number(min)),
                    value,
                );
                return None;
            }
            Bound::Above(min) if x <= min => {
                self.issue(
                    loc(name),
                    "greater_than",
                    format!("Input should be greater than {}", number(min)),
                    value,
                );
                return None;
            }
            _ => {}
        }
        if let Some(max) = max.filter(|max| x > *max) {
            self.issue(
                loc(name),
                "less_than_equal",
                format!("Input should be less than or equal to {}", number(max)),
                value,
            );
            return None;
        }
        Some(x)
    }
}

fn loc(name: &str) -> Vec<Value> {
    vec!["body".into(), name.into()]
}

fn loc_at(name: &str, index: usize) -> Vec<Value> {
    vec!["body".into(), name.into(), index.into()]
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        word.to_owned()
    } else {
        format!("{word}s")
    }
}

/// `'a', 'b' or 'c'`, as pydantic lists enum members.
fn one_of(allowed: &[&str]) -> String {
    let quoted: Vec<String> = allowed.iter().map(|a| format!("'{a}'")).collect();
    match quoted.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        Some((last, _)) => last.clone(),
        None => String::new(),
    }
}

/// Python prints `0.0` and `1.0` where Rust prints `0` and `1`.
fn number(x: f64) -> String {
    if x.fract() == 0.0 {
        format!("{x:.1}")
    } else {
        x.to_string()
    }
}
