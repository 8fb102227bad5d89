//! A table printed two ways: aligned plain text for the terminal, and
//! markdown for report.md.

/// Rows of cells under a title.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Table {
    pub(crate) title: String,
    pub(crate) headers: Vec<String>,
    pub(crate) rows: Vec<Vec<String>>,
    /// Lines printed under the table.
    pub(crate) notes: Vec<String>,
}

impl Table {
    pub(crate) fn new(title: impl Into<String>, headers: &[&str]) -> Self {
        Self {
            title: title.into(),
            headers: headers.iter().map(|h| (*h).to_owned()).collect(),
            rows: Vec::new(),
            notes: Vec::new(),
        }
    }

    pub(crate) fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    fn widths(&self) -> Vec<usize> {
        let mut widths: Vec<usize> = self.headers.iter().map(|h| h.chars().count()).collect();
        for row in &self.rows {
            for (i, cell) in row.iter().enumerate() {
                if i < widths.len() {
                    widths[i] = widths[i].max(cell.chars().count());
                }
            }
        }
        widths
    }

    /// Plain text: columns padded to line up, a rule under the headers.
    pub(crate) fn to_text(&self) -> String {
        let widths = self.widths();
        let line = |cells: &[String]| {
            let padded: Vec<String> = widths
                .iter()
                .enumerate()
                .map(|(i, w)| {
                    let cell = cells.get(i).map_or("", String::as_str);
                    format!("{cell}{}", " ".repeat(w - cell.chars().count().min(*w)))
                })
                .collect();
            padded.join("  ").trim_end().to_owned()
        };
        let mut out = format!("{}\n", self.title);
        out += &line(&self.headers);
        out.push('\n');
        out += &widths
            .iter()
            .map(|w| "-".repeat(*w))
            .collect::<Vec<_>>()
            .join("  ");
        out.push('\n');
        for row in &self.rows {
            out += &line(row);
            out.push('\n');
        }
        for note in &self.notes {
            out += &format!("  {note}\n");
        }
        out
    }

    /// GitHub-flavoured markdown under a `###` heading.
    pub(crate) fn to_markdown(&self) -> String {
        let escape = |cell: &str| cell.replace('|', "\\|");
        let line = |cells: &[String]| {
            let cells: Vec<String> = (0..self.headers.len())
                .map(|i| escape(cells.get(i).map_or("", String::as_str)))
                .collect();
            format!("| {} |\n", cells.join(" | "))
        };
        let mut out = format!("### {}\n\n", self.title);
        out += &line(&self.headers);
        out += &format!("|{}\n", "---|".repeat(self.headers.len()));
        for row in &self.rows {
            out += &line(row);
        }
        if !self.notes.is_empty() {
            out.push('\n');
            for note in &self.notes {
                out += &format!("- {note}\n");
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Table {
        let mut t = Table::new("Hot path", &["library", "ns/call"]);
        t.row(vec!["ours".into(), "9.1".into()]);
        t.row(vec!["a | b".into(), "120".into()]);
        t.notes.push("median of 5".into());
        t
    }

    #[test]
    fn text_columns_line_up() {
        let text = sample().to_text();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "Hot path");
        assert_eq!(lines[1], "library  ns/call");
        assert_eq!(lines[2], "-------  -------");
        assert_eq!(lines[3], "ours     9.1");
        assert_eq!(lines[4], "a | b    120");
        assert_eq!(lines[5], "  median of 5");
    }

    #[test]
    fn markdown_escapes_pipes_and_pads_short_rows() {
        let mut t = sample();
        t.row(vec!["short".into()]);
        let md = t.to_markdown();
        assert!(md.starts_with("### Hot path\n\n| library | ns/call |\n|---|---|\n"));
        assert!(md.contains("| a \\| b | 120 |"));
        assert!(md.contains("| short |  |"));
        assert!(md.ends_with("- median of 5\n"));
    }
}
