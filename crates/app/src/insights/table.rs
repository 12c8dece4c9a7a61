//! Every panel is a list of tables: one shape for the JSON API, the CSV export and the page
//! (which draws a table's chart from the same rows), so a number cannot differ between them.

use canyu_core::insight::{Cell, K_FLOOR};
use serde::{Serialize, Serializer};

/// One value of a table.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Int(i64),
    /// A share in [0, 1].
    Share(f64),
    Text(String),
    /// A count of fans below the k-anonymity floor: shown and exported as "<10", never as
    /// the number.
    Few,
    /// Nothing to show (a week that has not come yet, a share of nothing).
    Missing,
}

impl Value {
    pub fn people(n: i64) -> Value {
        match Cell::of(n) {
            Cell::Count(n) => Value::Int(n),
            Cell::Few => Value::Few,
        }
    }

    pub fn share(share: Option<f64>) -> Value {
        share.map_or(Value::Missing, Value::Share)
    }

    /// The number a chart plots: counts as they are, shares as percent; nothing for the rest.
    pub fn plotted(&self) -> Option<f64> {
        match self {
            Value::Int(n) => Some(*n as f64),
            Value::Share(s) => Some(s * 100.0),
            _ => None,
        }
    }

    /// As a spreadsheet cell: shares with four decimals, text guarded against formulas.
    pub fn csv(&self) -> String {
        match self {
            Value::Int(n) => n.to_string(),
            Value::Share(s) => format!("{s:.4}"),
            Value::Text(t) => csv_cell(t),
            Value::Few => format!("<{K_FLOOR}"),
            Value::Missing => String::new(),
        }
    }

    /// As the page shows it: shares as percent with one decimal.
    pub fn display(&self) -> String {
        match self {
            Value::Int(n) => n.to_string(),
            Value::Share(s) => format!("{:.1}%", s * 100.0),
            Value::Text(t) => t.clone(),
            Value::Few => format!("<{K_FLOOR}"),
            Value::Missing => "–".to_string(),
        }
    }
}

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Int(n) => s.serialize_i64(*n),
            // Four decimals are what a share is worth; the rest is float noise in the JSON.
            Value::Share(x) => s.serialize_f64((x * 10_000.0).round() / 10_000.0),
            Value::Text(t) => s.serialize_str(t),
            Value::Few => s.serialize_str(&format!("<{K_FLOOR}")),
            Value::Missing => s.serialize_none(),
        }
    }
}

/// A text cell for CSV: a leading `=`, `+`, `-` or `@` would run as a formula in a spreadsheet,
/// so it is quoted with `'`; separators and quotes are escaped.
pub fn csv_cell(raw: &str) -> String {
    let guarded = if raw.starts_with(['=', '+', '-', '@']) { format!("'{raw}") } else { raw.to_string() };
    if guarded.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", guarded.replace('"', "\"\""))
    } else {
        guarded
    }
}

/// How the page draws a table: nothing, lines over the first column, or bars.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Chart {
    None,
    Line,
    Bar,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Column {
    /// Stable, for programs.
    pub key: String,
    /// For people, in the request's language.
    pub label: String,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Table {
    pub key: &'static str,
    pub title: String,
    pub chart: Chart,
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<Value>>,
    /// The columns a chart plots (by key) over the first column; empty: every column of counts.
    #[serde(skip)]
    pub plot: Vec<&'static str>,
}

impl Table {
    pub fn new(key: &'static str, title: impl Into<String>, chart: Chart) -> Table {
        Table { key, title: title.into(), chart, columns: Vec::new(), rows: Vec::new(), plot: Vec::new() }
    }

    /// Plots only these columns.
    pub fn plot(mut self, keys: &[&'static str]) -> Table {
        self.plot = keys.to_vec();
        self
    }

    /// The columns a chart of this table plots: the ones chosen, or every column after the
    /// first whose values are all counts.
    pub fn plotted_columns(&self) -> Vec<usize> {
        if !self.plot.is_empty() {
            return self.plot.iter().filter_map(|k| self.columns.iter().position(|c| c.key == *k)).collect();
        }
        (1..self.columns.len())
            .filter(|&i| {
                self.rows
                    .iter()
                    .all(|r| matches!(r.get(i), Some(Value::Int(_) | Value::Few | Value::Missing)))
                    && self.rows.iter().any(|r| matches!(r.get(i), Some(Value::Int(_))))
            })
            .collect()
    }

    pub fn column(mut self, key: impl Into<String>, label: impl Into<String>) -> Table {
        self.columns.push(Column { key: key.into(), label: label.into() });
        self
    }

    pub fn push(&mut self, row: Vec<Value>) {
        debug_assert_eq!(row.len(), self.columns.len(), "table {} row width", self.key);
        self.rows.push(row);
    }

    /// The table as CSV with a header row of the columns' labels, CRLF line ends and a BOM so
    /// that Excel opens Chinese text as UTF-8.
    pub fn csv(&self) -> String {
        let mut out = String::from("\u{feff}");
        let header: Vec<String> = self.columns.iter().map(|c| csv_cell(&c.label)).collect();
        out.push_str(&header.join(","));
        out.push_str("\r\n");
        for row in &self.rows {
            let cells: Vec<String> = row.iter().map(Value::csv).collect();
            out.push_str(&cells.join(","));
            out.push_str("\r\n");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_has_a_header_guards_formulas_and_hides_few() {
        let mut t = Table::new("t", "T", Chart::None).column("who", "粉丝").column("n", "人数");
        t.push(vec![Value::Text("=HYPERLINK(\"x\")".into()), Value::people(3)]);
        t.push(vec![Value::Text("a,b".into()), Value::people(12)]);
        assert_eq!(t.csv(), "\u{feff}粉丝,人数\r\n\"'=HYPERLINK(\"\"x\"\")\",<10\r\n\"a,b\",12\r\n");
        assert_eq!(serde_json::to_string(&t.rows[0]).ok().as_deref(), Some(r#"["=HYPERLINK(\"x\")","<10"]"#));
        assert_eq!(Value::Share(1.0 / 3.0).csv(), "0.3333");
        assert_eq!(serde_json::to_string(&Value::Share(1.0 / 3.0)).ok().as_deref(), Some("0.3333"));
        assert_eq!(Value::share(None), Value::Missing);
    }
}
