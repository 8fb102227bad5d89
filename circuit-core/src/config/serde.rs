//! `Config` with serde: human durations, defaults for missing fields,
//! unknown fields refused, validation, and every error naming its field.

use std::fmt;
use std::marker::PhantomData;
use std::time::Duration;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, Visitor};
use serde::ser::{SerializeStruct, Serializer};
use serde::{Deserialize, Serialize};

use super::{Config, ConfigError};

/// Every field, in declaration order.
const FIELDS: &[&str] = &[
    "max_failures",
    "failure_threshold",
    "recovery_timeout",
    "monitor_window",
    "max_requests",
    "base_backoff",
    "max_backoff",
    "min_requests",
    "slow_call_threshold",
    "slow_call_rate_threshold",
    "half_open_probe_timeout",
    "recovery_ramp",
    "recovery_ramp_floor",
    "abandoned_after",
    "max_retry_after",
];

/// A duration written for humans: `"30s"`, `"1m 30s"`, `"250ms"`.
struct Human(Duration);

impl Serialize for Human {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&humantime::format_duration(self.0))
    }
}

impl<'de> Deserialize<'de> for Human {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct HumanVisitor;
        impl Visitor<'_> for HumanVisitor {
            type Value = Human;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(r#"a duration such as "30s", "1m 30s" or "250ms""#)
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<Human, E> {
                humantime::parse_duration(text.trim())
                    .map(Human)
                    .map_err(|e| E::custom(format!("is not a duration ({e}): {text:?}")))
            }
        }
        d.deserialize_str(HumanVisitor)
    }
}

/// Deserialises one field's value, naming the field in any error.
struct Field<T> {
    name: &'static str,
    _value: PhantomData<T>,
}

impl<'de, T: Deserialize<'de>> DeserializeSeed<'de> for Field<T> {
    type Value = T;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<T, D::Error> {
        T::deserialize(d).map_err(|e| de::Error::custom(ConfigError::new(self.name, e.to_string())))
    }
}

fn field<'de, T: Deserialize<'de>, A: MapAccess<'de>>(
    map: &mut A,
    name: &'static str,
) -> Result<T, A::Error> {
    map.next_value_seed(Field {
        name,
        _value: PhantomData,
    })
}

fn duration<'de, A: MapAccess<'de>>(map: &mut A, name: &'static str) -> Result<Duration, A::Error> {
    field::<Human, A>(map, name).map(|h| h.0)
}

fn unknown<E: de::Error>(key: String) -> E {
    E::custom(ConfigError::new(
        key,
        format!(
            "is not a config field (expected one of {})",
            FIELDS.join(", ")
        ),
    ))
}

struct ConfigVisitor;

impl<'de> Visitor<'de> for ConfigVisitor {
    type Value = Config;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a circuit breaker config (a map of its fields)")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Config, A::Error> {
        let mut c = Config::default();
        let mut seen: Vec<&'static str> = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            let Some(&name) = FIELDS.iter().find(|f| **f == key) else {
                return Err(unknown(key));
            };
            if seen.contains(&name) {
                return Err(de::Error::custom(ConfigError::new(name, "is given twice")));
            }
            seen.push(name);
            let m = &mut map;
            match name {
                "max_failures" => c.max_failures = field(m, name)?,
                "failure_threshold" => c.failure_threshold = field(m, name)?,
                "recovery_timeout" => c.recovery_timeout = duration(m, name)?,
                "monitor_window" => c.monitor_window = duration(m, name)?,
                "max_requests" => c.max_requests = field(m, name)?,
                "base_backoff" => c.base_backoff = duration(m, name)?,
                "max_backoff" => c.max_backoff = duration(m, name)?,
                "min_requests" => c.min_requests = field(m, name)?,
                "slow_call_threshold" => c.slow_call_threshold = duration(m, name)?,
                "slow_call_rate_threshold" => c.slow_call_rate_threshold = field(m, name)?,
                "half_open_probe_timeout" => c.half_open_probe_timeout = duration(m, name)?,
                "recovery_ramp" => c.recovery_ramp = duration(m, name)?,
                "recovery_ramp_floor" => c.recovery_ramp_floor = field(m, name)?,
                "abandoned_after" => {
                    c.abandoned_after = field::<Option<Human>, A>(m, name)?.map(|h| h.0);
                }
                "max_retry_after" => c.max_retry_after = duration(m, name)?,
                _ => return Err(unknown(key)),
            }
        }
        c.validate().map_err(de::Error::custom)?;
        Ok(c)
    }
}

impl<'de> Deserialize<'de> for Config {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(ConfigVisitor)
    }
}

impl Serialize for Config {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut out = s.serialize_struct("Config", FIELDS.len())?;
        out.serialize_field("max_failures", &self.max_failures)?;
        out.serialize_field("failure_threshold", &self.failure_threshold)?;
        out.serialize_field("recovery_timeout", &Human(self.recovery_timeout))?;
        out.serialize_field("monitor_window", &Human(self.monitor_window))?;
        out.serialize_field("max_requests", &self.max_requests)?;
        out.serialize_field("base_backoff", &Human(self.base_backoff))?;
        out.serialize_field("max_backoff", &Human(self.max_backoff))?;
        out.serialize_field("min_requests", &self.min_requests)?;
        out.serialize_field("slow_call_threshold", &Human(self.slow_call_threshold))?;
        out.serialize_field("slow_call_rate_threshold", &self.slow_call_rate_threshold)?;
        out.serialize_field(
            "half_open_probe_timeout",
            &Human(self.half_open_probe_timeout),
        )?;
        out.serialize_field("recovery_ramp", &Human(self.recovery_ramp))?;
        out.serialize_field("recovery_ramp_floor", &self.recovery_ramp_floor)?;
        out.serialize_field("abandoned_after", &self.abandoned_after.map(Human))?;
        out.serialize_field("max_retry_after", &Human(self.max_retry_after))?;
        out.end()
    }
}
