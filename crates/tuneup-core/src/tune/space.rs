//! Search spaces: which experiment keys a study varies, over what, and when.
//!
//! In the experiment file:
//!
//! ```toml
//! [search.space]
//! "optimizer.lr" = { float = [1e-4, 1e-1], log = true }
//! "model.dropout" = { float = [0.0, 0.5], step = 0.05 }
//! "train.batch_size" = { int = [32, 256], step = 32 }
//! "optimizer.kind" = { choices = ["adam", "sgd"] }
//! "optimizer.momentum" = { float = [0.5, 0.99], when = { "optimizer.kind" = "sgd" } }
//! ```
//!
//! Any experiment key can be searched; a parameter with `when` is active only where every named
//! parameter has the given value (or one of a list of values).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::rng::Rng;

/// One parameter's domain.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Dist {
    /// Uniform (or log-uniform) on [low, high], optionally on a grid of `step`.
    Float {
        low: f64,
        high: f64,
        log: bool,
        step: Option<f64>,
    },
    /// Integers in [low, high] on a grid of `step` (log: log-uniform, step 1).
    Int {
        low: i64,
        high: i64,
        step: i64,
        log: bool,
    },
    /// One of a list of values (any TOML values: numbers, strings, lists).
    Categorical { choices: Vec<Value> },
}

/// A parameter: its experiment key, its domain, and the condition under which it is active.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Param {
    pub name: String,
    pub dist: Dist,
    /// Active only where each named parameter has one of the listed values.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub when: BTreeMap<String, Vec<Value>>,
}

/// The parameters of a study, in an order where every condition names an earlier parameter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Space {
    pub params: Vec<Param>,
}

/// A trial's values, by parameter name (inactive parameters are absent).
pub type Params = BTreeMap<String, Value>;

impl Dist {
    /// The value's position in the sampler's continuous coordinates: log for log domains, the
    /// choice index for categoricals. `None` when the value is not in the domain.
    pub fn to_internal(&self, v: &Value) -> Option<f64> {
        match self {
            Dist::Float { low, high, log, .. } => {
                let x = v.as_f64()?;
                (x >= *low && x <= *high).then(|| if *log { x.ln() } else { x })
            }
            Dist::Int { low, high, log, .. } => {
                let x = v.as_i64()?;
                (x >= *low && x <= *high).then(|| if *log { (x as f64).ln() } else { x as f64 })
            }
            Dist::Categorical { choices } => choices.iter().position(|c| c == v).map(|i| i as f64),
        }
    }

    /// The value at internal coordinate `x`, snapped to the domain (steps, integers, bounds).
    pub fn from_internal(&self, x: f64) -> Value {
        match self {
            Dist::Float {
                low,
                high,
                log,
                step,
            } => {
                let mut v = if *log { x.exp() } else { x };
                if let Some(s) = step {
                    v = low + ((v - low) / s).round() * s;
                    // Keep the grid's last point inside the domain.
                    let last = low + ((high - low) / s + 1e-9).floor() * s;
                    v = tidy(v.min(last));
                }
                Value::from(v.clamp(*low, *high))
            }
            Dist::Int {
                low,
                high,
                step,
                log,
            } => {
                let v = if *log { x.exp() } else { x };
                let k = ((v - *low as f64) / *step as f64).round() as i64;
                let last = (high - low) / step;
                Value::from(low + k.clamp(0, last) * step)
            }
            Dist::Categorical { choices } => {
                choices[(x.round().max(0.0) as usize).min(choices.len() - 1)].clone()
            }
        }
    }

    /// Internal bounds for the numerical domains (ints widened by half a step so each value
    /// gets an equal share).
    pub fn bounds(&self) -> (f64, f64) {
        match self {
            Dist::Float { low, high, log, .. } => {
                if *log {
                    (low.ln(), high.ln())
                } else {
                    (*low, *high)
                }
            }
            Dist::Int {
                low,
                high,
                step,
                log,
            } => {
                if *log {
                    ((*low as f64 - 0.5).max(0.5).ln(), (*high as f64 + 0.5).ln())
                } else {
                    let h = *step as f64 / 2.0;
                    (*low as f64 - h, *high as f64 + h)
                }
            }
            Dist::Categorical { choices } => (0.0, choices.len() as f64 - 1.0),
        }
    }

    /// A uniform draw (log-uniform for log domains).
    pub fn sample(&self, rng: &mut Rng) -> Value {
        match self {
            Dist::Categorical { choices } => choices[rng.below(choices.len())].clone(),
            _ => {
                let (lo, hi) = self.bounds();
                self.from_internal(rng.uniform(lo, hi))
            }
        }
    }

    /// Every value of a finite domain (a categorical, an int, a float with a step); `None` for
    /// a continuous float.
    pub fn grid(&self) -> Option<Vec<Value>> {
        match self {
            Dist::Categorical { choices } => Some(choices.clone()),
            Dist::Int {
                low, high, step, ..
            } => Some(
                (0..=(high - low) / step)
                    .map(|k| Value::from(low + k * step))
                    .collect(),
            ),
            Dist::Float {
                low,
                high,
                step: Some(s),
                ..
            } => {
                let n = ((high - low) / s + 1e-9).floor() as usize;
                Some(
                    (0..=n)
                        .map(|k| Value::from(tidy(low + k as f64 * s)))
                        .collect(),
                )
            }
            Dist::Float { step: None, .. } => None,
        }
    }

    pub fn is_categorical(&self) -> bool {
        matches!(self, Dist::Categorical { .. })
    }
}

impl Param {
    /// Whether the parameter is active given the values drawn so far.
    pub fn active(&self, drawn: &Params) -> bool {
        self.when
            .iter()
            .all(|(k, vals)| drawn.get(k).is_some_and(|v| vals.contains(v)))
    }
}

impl Space {
    /// Parses `[search.space]`: `key = { float = [lo, hi] | int = [lo, hi] | choices = [...],
    /// log, step, when }`. Errors name the key and what was expected.
    pub fn parse(table: &toml::Table) -> Result<Space, (String, String)> {
        let mut params: Vec<Param> = Vec::new();
        for (name, spec) in table {
            params.push(parse_param(name, spec)?);
        }
        if params.is_empty() {
            return Err((
                "search.space".into(),
                "expected at least one parameter to search".into(),
            ));
        }
        order(params)
    }

    pub fn get(&self, name: &str) -> Option<&Param> {
        self.params.iter().find(|p| p.name == name)
    }

    /// Draws every active parameter uniformly, in order.
    pub fn sample_uniform(&self, rng: &mut Rng) -> Params {
        let mut out = Params::new();
        for p in &self.params {
            if p.active(&out) {
                out.insert(p.name.clone(), p.dist.sample(rng));
            }
        }
        out
    }

    /// Whether `params` is a valid point: every active parameter present and in its domain,
    /// no inactive one present.
    pub fn contains(&self, params: &Params) -> bool {
        let mut seen = Params::new();
        for p in &self.params {
            let active = p.active(&seen);
            match (active, params.get(&p.name)) {
                (true, Some(v)) => {
                    if p.dist.to_internal(v).is_none() || !on_grid(&p.dist, v) {
                        return false;
                    }
                    seen.insert(p.name.clone(), v.clone());
                }
                (false, None) => {}
                _ => return false,
            }
        }
        params.len() == seen.len()
    }
}

/// A grid value without float noise (0.30000000000000004 -> 0.3): 12 significant digits.
fn tidy(v: f64) -> f64 {
    if v == 0.0 || !v.is_finite() {
        return v;
    }
    let scale = 10f64.powi(11 - v.abs().log10().floor() as i32);
    (v * scale).round() / scale
}

fn on_grid(d: &Dist, v: &Value) -> bool {
    match d {
        Dist::Int { low, step, .. } => v.as_i64().is_some_and(|x| (x - low) % step == 0),
        Dist::Float {
            low, step: Some(s), ..
        } => v.as_f64().is_some_and(|x| {
            let k = (x - low) / s;
            (k - k.round()).abs() < 1e-6
        }),
        _ => true,
    }
}

/// Orders parameters so that each condition names an earlier parameter; errors on a condition
/// naming no parameter, on a value outside that parameter's domain, and on cycles.
fn order(mut rest: Vec<Param>) -> Result<Space, (String, String)> {
    let names: Vec<String> = rest.iter().map(|p| p.name.clone()).collect();
    for p in &rest {
        for (k, vals) in &p.when {
            let Some(q) = rest.iter().find(|q| &q.name == k) else {
                return Err((
                    format!("search.space.\"{}\".when", p.name),
                    format!(
                        "`{k}` is not a searched parameter (the space has {})",
                        names.join(", ")
                    ),
                ));
            };
            if let Some(bad) = vals.iter().find(|v| q.dist.to_internal(v).is_none()) {
                return Err((
                    format!("search.space.\"{}\".when", p.name),
                    format!("`{k}` never takes the value {bad}"),
                ));
            }
        }
    }
    let mut out: Vec<Param> = Vec::new();
    while !rest.is_empty() {
        let ready = rest
            .iter()
            .position(|p| p.when.keys().all(|k| out.iter().any(|q| &q.name == k)));
        match ready {
            Some(i) => out.push(rest.remove(i)),
            None => {
                return Err((
                    format!("search.space.\"{}\".when", rest[0].name),
                    "the conditions form a cycle".into(),
                ));
            }
        }
    }
    Ok(Space { params: out })
}

fn num(v: &toml::Value) -> Option<f64> {
    v.as_float().or_else(|| v.as_integer().map(|i| i as f64))
}

fn pair(v: &toml::Value) -> Option<(f64, f64)> {
    let a = v.as_array().filter(|a| a.len() == 2)?;
    Some((num(&a[0])?, num(&a[1])?))
}

/// A TOML value as JSON.
pub fn to_json(v: &toml::Value) -> Value {
    match v {
        toml::Value::String(s) => Value::from(s.clone()),
        toml::Value::Integer(i) => Value::from(*i),
        toml::Value::Float(f) => Value::from(*f),
        toml::Value::Boolean(b) => Value::from(*b),
        toml::Value::Datetime(d) => Value::from(d.to_string()),
        toml::Value::Array(a) => Value::Array(a.iter().map(to_json).collect()),
        toml::Value::Table(t) => {
            Value::Object(t.iter().map(|(k, v)| (k.clone(), to_json(v))).collect())
        }
    }
}

/// A JSON value as TOML (`null` has no TOML form: `None`).
pub fn to_toml(v: &Value) -> Option<toml::Value> {
    Some(match v {
        Value::Null => return None,
        Value::Bool(b) => toml::Value::Boolean(*b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => toml::Value::Integer(i),
            None => toml::Value::Float(n.as_f64()?),
        },
        Value::String(s) => toml::Value::String(s.clone()),
        Value::Array(a) => toml::Value::Array(a.iter().filter_map(to_toml).collect()),
        Value::Object(o) => toml::Value::Table(
            o.iter()
                .filter_map(|(k, v)| Some((k.clone(), to_toml(v)?)))
                .collect(),
        ),
    })
}

/// Sets a dotted key (`optimizer.lr`) in a TOML document, creating tables on the way.
pub fn set_key(doc: &mut toml::Table, key: &str, value: toml::Value) -> Result<(), String> {
    let parts: Vec<&str> = key.split('.').collect();
    let mut t = doc;
    for p in &parts[..parts.len() - 1] {
        let e = t
            .entry(p.to_string())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        t = e
            .as_table_mut()
            .ok_or_else(|| format!("`{p}` in `{key}` is not a table"))?;
    }
    t.insert(parts[parts.len() - 1].to_string(), value);
    Ok(())
}

type KeyError = (String, String);

/// One `[search.space]` entry.
fn parse_param(name: &str, spec: &toml::Value) -> Result<Param, KeyError> {
    let key = format!("search.space.\"{name}\"");
    let t = spec.as_table().ok_or_else(|| {
        (
            key.clone(),
            format!(
                "expected a table such as {{ float = [1e-4, 1e-1], log = true }}, {{ int = [1, 8] }} or {{ choices = [...] }}, found {spec}"
            ),
        )
    })?;
    for k in t.keys() {
        if !["float", "int", "choices", "log", "step", "when"].contains(&k.as_str()) {
            return Err((
                format!("{key}.{k}"),
                "unknown field: expected float, int or choices, and log, step, when".into(),
            ));
        }
    }
    let log = match t.get("log") {
        None => false,
        Some(v) => v.as_bool().ok_or_else(|| {
            (
                format!("{key}.log"),
                format!("expected true or false, found {v}"),
            )
        })?,
    };
    let kinds = ["float", "int", "choices"]
        .iter()
        .filter(|k| t.contains_key(**k))
        .count();
    if kinds != 1 {
        return Err((
            key,
            "expected exactly one of float = [low, high], int = [low, high], choices = [...]"
                .into(),
        ));
    }
    let dist = if let Some(v) = t.get("float") {
        float_dist(&key, v, t, log)?
    } else if let Some(v) = t.get("int") {
        int_dist(&key, v, t, log)?
    } else {
        let v = &t["choices"];
        let choices: Vec<Value> = v
            .as_array()
            .filter(|a| !a.is_empty())
            .map(|a| a.iter().map(to_json).collect())
            .ok_or_else(|| {
                (
                    format!("{key}.choices"),
                    format!("expected a non-empty list of values, found {v}"),
                )
            })?;
        if log || t.contains_key("step") {
            return Err((key, "choices take neither log nor step".into()));
        }
        Dist::Categorical { choices }
    };
    Ok(Param {
        name: name.to_string(),
        dist,
        when: when(&key, t)?,
    })
}

/// `float = [low, high]`, with `log` or `step`.
fn float_dist(key: &str, v: &toml::Value, t: &toml::Table, log: bool) -> Result<Dist, KeyError> {
    let lh = pair(v).filter(|(l, h)| l < h).ok_or_else(|| {
        (
            format!("{key}.float"),
            format!("expected [low, high] with low < high, found {v}"),
        )
    })?;
    if log && lh.0 <= 0.0 {
        return Err((
            format!("{key}.float"),
            format!("a log domain needs low > 0, found {}", lh.0),
        ));
    }
    let step = match t.get("step") {
        None => None,
        Some(s) => Some(
            num(s)
                .filter(|s| *s > 0.0 && *s <= lh.1 - lh.0)
                .ok_or_else(|| {
                    (
                        format!("{key}.step"),
                        format!("expected a positive step no larger than high - low, found {s}"),
                    )
                })?,
        ),
    };
    if log && step.is_some() {
        return Err((format!("{key}.step"), "step and log do not combine".into()));
    }
    Ok(Dist::Float {
        low: lh.0,
        high: lh.1,
        log,
        step,
    })
}

/// `int = [low, high]`, with `log` or `step`.
fn int_dist(key: &str, v: &toml::Value, t: &toml::Table, log: bool) -> Result<Dist, KeyError> {
    let lh = v
        .as_array()
        .filter(|a| a.len() == 2)
        .and_then(|a| Some((a[0].as_integer()?, a[1].as_integer()?)))
        .filter(|(l, h)| l <= h)
        .ok_or_else(|| {
            (
                format!("{key}.int"),
                format!("expected [low, high], integers with low <= high, found {v}"),
            )
        })?;
    let step = match t.get("step") {
        None => 1,
        Some(s) => s.as_integer().filter(|s| *s > 0).ok_or_else(|| {
            (
                format!("{key}.step"),
                format!("expected a positive integer, found {s}"),
            )
        })?,
    };
    if log && (lh.0 <= 0 || step != 1) {
        return Err((
            format!("{key}.log"),
            "a log integer domain needs low >= 1 and step 1".into(),
        ));
    }
    Ok(Dist::Int {
        low: lh.0,
        high: lh.1,
        step,
        log,
    })
}

/// `when = { "other.key" = value | [values] }`: the parameter is searched only then.
fn when(key: &str, t: &toml::Table) -> Result<BTreeMap<String, Vec<Value>>, KeyError> {
    let mut when = BTreeMap::new();
    if let Some(w) = t.get("when") {
        let wt = w.as_table().ok_or_else(|| {
            (
                format!("{key}.when"),
                format!("expected a table such as {{ \"optimizer.kind\" = \"sgd\" }}, found {w}"),
            )
        })?;
        for (k, v) in wt {
            let vals: Vec<Value> = match v {
                toml::Value::Array(a) => a.iter().map(to_json).collect(),
                other => vec![to_json(other)],
            };
            when.insert(k.clone(), vals);
        }
    }
    Ok(when)
}
