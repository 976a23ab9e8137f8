//! Gas cost tables: a cost per wasm operator, loadable from a text file.
//!
//! The file format is one entry per line, `NAME COST`, where `NAME` is an operator in the
//! text format (`i32.add`, `memory.grow`, `call_indirect`; dots and underscores are
//! interchangeable) or `default` (the cost of every operator not listed), and `COST` is a
//! non-negative integer. Blank lines and everything after a `#` are ignored:
//!
//! ```text
//! # calls and memory growth are expensive
//! default 1
//! call 10
//! call_indirect 12
//! memory.grow 1000
//! ```

use crate::Error;
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};
use wasmparser::Operator;

macro_rules! define_operator_ids {
    ($( @$proposal:ident $op:ident $({ $($arg:ident: $argty:ty),* })? => $visit:ident ($($ann:tt)*) )*) => {
        /// A dense id per operator kind, in wasmparser's order.
        #[allow(non_camel_case_types, clippy::enum_variant_names, dead_code)]
        #[derive(Clone, Copy)]
        enum OperatorId { $($op,)* }

        /// The visitor method name of each operator kind (`visit_i32_add`), by id.
        const VISITOR_NAMES: &[&str] = &[$(stringify!($visit),)*];

        /// The id of an operator's kind.
        fn operator_id(op: &Operator<'_>) -> Option<usize> {
            #[allow(unreachable_patterns)]
            match op {
                $(Operator::$op { .. } => Some(OperatorId::$op as usize),)*
                _ => None,
            }
        }
    };
}
wasmparser::for_each_operator!(define_operator_ids);

/// Operator names (`i32_add`) to ids, built once.
fn names() -> &'static HashMap<&'static str, usize> {
    static NAMES: OnceLock<HashMap<&'static str, usize>> = OnceLock::new();
    NAMES.get_or_init(|| {
        VISITOR_NAMES
            .iter()
            .enumerate()
            .map(|(id, name)| (name.strip_prefix("visit_").unwrap_or(name), id))
            .collect()
    })
}

/// The gas each wasm operator costs; cheap to clone.
///
/// ```
/// let table = wedge::CostTable::parse("default 2\ni32.add 5\n")?;
/// assert_eq!(table.cost_of("i32.add"), Some(5));
/// assert_eq!(table.cost_of("i64_mul"), Some(2));
/// assert_eq!(table.cost_of("no.such.op"), None);
/// # Ok::<(), wedge::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CostTable {
    costs: Arc<[u64]>,
    /// The cost of every operator, if they all cost the same.
    uniform: Option<u64>,
}

impl Default for CostTable {
    fn default() -> Self {
        CostTable::uniform(1)
    }
}

impl CostTable {
    /// A table where every operator costs `cost`.
    pub fn uniform(cost: u64) -> CostTable {
        Self::from_costs(vec![cost; VISITOR_NAMES.len()])
    }

    fn from_costs(costs: Vec<u64>) -> CostTable {
        let uniform = costs.iter().all(|c| *c == costs[0]).then_some(costs[0]);
        CostTable {
            costs: costs.into(),
            uniform,
        }
    }

    /// The cost of every operator, if they all cost the same.
    pub(crate) fn uniform_cost(&self) -> Option<u64> {
        self.uniform
    }

    /// Parses the text format described in the module documentation.
    pub fn parse(text: &str) -> Result<CostTable, Error> {
        let mut default = None;
        let mut entries = Vec::new();
        for (number, line) in text.lines().enumerate() {
            let line = line.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let bad = |why: &str| Error::Config(format!("cost table line {}: {why}", number + 1));
            let mut words = line.split_whitespace();
            let (Some(name), Some(cost), None) = (words.next(), words.next(), words.next()) else {
                return Err(bad("expected `OPERATOR COST`"));
            };
            let cost: u64 = cost
                .parse()
                .map_err(|_| bad(&format!("`{cost}` is not a non-negative integer")))?;
            if name == "default" {
                default = Some(cost);
            } else {
                let id =
                    Self::id_of(name).ok_or_else(|| bad(&format!("unknown operator `{name}`")))?;
                entries.push((id, cost));
            }
        }
        let mut costs = vec![default.unwrap_or(1); VISITOR_NAMES.len()];
        for (id, cost) in entries {
            costs[id] = cost;
        }
        Ok(Self::from_costs(costs))
    }

    /// Reads and parses a cost table file.
    pub fn from_file(path: impl AsRef<std::path::Path>) -> Result<CostTable, Error> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::Config(format!("cannot read {}: {e}", path.display())))?;
        Self::parse(&text)
    }

    /// Returns a copy with the cost of operator `name` set; errors on an unknown name.
    pub fn with(&self, name: &str, cost: u64) -> Result<CostTable, Error> {
        let id =
            Self::id_of(name).ok_or_else(|| Error::Config(format!("unknown operator `{name}`")))?;
        let mut costs = self.costs.to_vec();
        costs[id] = cost;
        Ok(Self::from_costs(costs))
    }

    /// The cost of the operator named `name` (text format), if it is one.
    pub fn cost_of(&self, name: &str) -> Option<u64> {
        Self::id_of(name).map(|id| self.costs[id])
    }

    /// A hash of every cost, naming the table in the stamp of compiled code.
    #[cfg_attr(not(feature = "compiler"), allow(dead_code))]
    pub(crate) fn fingerprint(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        self.costs.hash(&mut h);
        h.finish()
    }

    /// The cost of an operator.
    pub(crate) fn cost(&self, op: &Operator<'_>) -> u64 {
        operator_id(op).map_or(1, |id| self.costs[id])
    }

    fn id_of(name: &str) -> Option<usize> {
        names().get(name.replace('.', "_").as_str()).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operator_has_a_distinct_name() {
        assert_eq!(names().len(), VISITOR_NAMES.len());
        assert!(names().contains_key("i32_add"));
        assert!(names().contains_key("memory_atomic_notify"));
    }

    #[test]
    fn parse_applies_default_and_overrides() {
        let t =
            CostTable::parse("# comment\n\ndefault 3 # trailing\ncall 10\nlocal.get 0\n").unwrap();
        assert_eq!(t.cost(&Operator::Call { function_index: 0 }), 10);
        assert_eq!(t.cost(&Operator::LocalGet { local_index: 0 }), 0);
        assert_eq!(t.cost(&Operator::I32Add), 3);
    }

    #[test]
    fn parse_rejects_bad_lines_with_line_numbers() {
        let err = CostTable::parse("i32.add 1\nfrobnicate 2\n").unwrap_err();
        assert!(err.to_string().contains("line 2"), "{err}");
        assert!(err.to_string().contains("frobnicate"), "{err}");
        let err = CostTable::parse("i32.add -1\n").unwrap_err();
        assert!(err.to_string().contains("non-negative"), "{err}");
        assert!(CostTable::parse("i32.add\n").is_err());
        assert!(CostTable::parse("i32.add 1 2\n").is_err());
    }

    #[test]
    fn with_overrides_one_operator() {
        let t = CostTable::default().with("i64.mul", 7).unwrap();
        assert_eq!(t.cost_of("i64.mul"), Some(7));
        assert_eq!(t.cost_of("i64.add"), Some(1));
        assert!(CostTable::default().with("nope", 1).is_err());
    }
}
