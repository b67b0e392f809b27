//! Server-rendered bar charts: inline SVG, no script and no library, readable by a screen
//! reader (`role="img"` with a `<title>` and a `<desc>`, and a `<title>` on every bar naming
//! its value) and printable. The page's Content-Security-Policy forbids `style` attributes,
//! so colours and sizes are SVG presentation attributes (`fill=`, `font-size=`).
//!
//! A chart is horizontal bars, one group per category (a skill, an area) and one bar per
//! series in it (one series: a plain bar chart), each labelled with its value; the scale
//! starts at zero and ends at the largest value.

use std::fmt::Write;

/// Bar colours, one per series in turn (readable on white, distinguishable in grey print).
const PALETTE: &[&str] = &["#9c1c1c", "#2b6cb0", "#2f855a", "#b7791f", "#6b46c1", "#4a5568"];

const WIDTH: u32 = 720;
const LABEL_WIDTH: u32 = 250;
const VALUE_WIDTH: u32 = 60;
const BAR: u32 = 14;
const GAP: u32 = 8;
const LEGEND: u32 = 24;

/// One group of bars.
#[derive(Debug, Clone)]
pub(crate) struct Category {
    /// What the group is (shown left of its bars).
    pub label: String,
    /// One value per series.
    pub values: Vec<i64>,
}

/// A chart to draw.
#[derive(Debug, Clone)]
pub(crate) struct BarChart<'a> {
    /// The `id` prefix of the chart's elements (unique on the page).
    pub id: &'a str,
    /// Its title (read first by a screen reader).
    pub title: &'a str,
    /// A sentence saying what it shows.
    pub desc: &'a str,
    /// The series' names (shown as a legend when more than one).
    pub series: Vec<String>,
    /// The groups, top to bottom.
    pub categories: Vec<Category>,
}

/// Escapes text for XML content and attribute values.
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A label cut to fit the label column: wide (CJK) characters count twice.
fn fit(label: &str, max_units: usize) -> String {
    let mut units = 0;
    let mut out = String::new();
    for ch in label.chars() {
        let w = if ch.is_ascii() { 1 } else { 2 };
        if units + w > max_units {
            out.push('…');
            return out;
        }
        units += w;
        out.push(ch);
    }
    out
}

impl BarChart<'_> {
    /// The chart as an `<svg>` element (escaped: safe to insert into a page as is).
    pub(crate) fn to_svg(&self) -> String {
        let series = self.series.len().max(1) as u32;
        let legend = if series > 1 { LEGEND } else { 0 };
        let group = series * BAR + GAP;
        let height = legend + group * self.categories.len().max(1) as u32 + GAP;
        let max = self.categories.iter().flat_map(|c| c.values.iter().copied()).max().unwrap_or(0).max(1);
        let plot = WIDTH - LABEL_WIDTH - VALUE_WIDTH;
        let id = esc(self.id);
        let mut svg = String::new();
        // `write!` into a String cannot fail.
        let _ = write!(
            svg,
            r#"<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" aria-labelledby="{id}-title {id}-desc" id="{id}" data-chart="{id}"><title id="{id}-title">{}</title><desc id="{id}-desc">{}</desc>"#,
            esc(self.title),
            esc(self.desc)
        );
        if series > 1 {
            let mut x = LABEL_WIDTH;
            for (s, name) in self.series.iter().enumerate() {
                let fill = PALETTE[s % PALETTE.len()];
                let _ = write!(
                    svg,
                    r##"<rect x="{x}" y="4" width="12" height="12" fill="{fill}"/><text x="{}" y="14" font-size="12" fill="#1f2933">{}</text>"##,
                    x + 16,
                    esc(&fit(name, 16))
                );
                x += 24 + 7 * fit(name, 16).chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum::<u32>();
            }
        }
        if self.categories.is_empty() {
            let _ = write!(svg, r##"<text x="{LABEL_WIDTH}" y="{}" font-size="12" fill="#52606d">—</text>"##, legend + BAR);
        }
        for (i, cat) in self.categories.iter().enumerate() {
            let top = legend + GAP / 2 + group * i as u32;
            let label_y = top + (series * BAR) / 2 + 4;
            let _ = write!(
                svg,
                r##"<g data-category="{}"><text x="{}" y="{label_y}" font-size="12" text-anchor="end" fill="#1f2933">{}</text>"##,
                esc(&cat.label),
                LABEL_WIDTH - 8,
                esc(&fit(&cat.label, 36))
            );
            for (s, value) in cat.values.iter().enumerate() {
                let y = top + s as u32 * BAR;
                let len = ((*value).max(0) as f64 / max as f64 * f64::from(plot)).round() as u32;
                let fill = PALETTE[s % PALETTE.len()];
                let name = self.series.get(s).map(String::as_str).unwrap_or("");
                let tip = if series > 1 { format!("{} · {name}: {value}", cat.label) } else { format!("{}: {value}", cat.label) };
                let _ = write!(
                    svg,
                    r##"<rect x="{LABEL_WIDTH}" y="{y}" width="{len}" height="{}" fill="{fill}" data-value="{value}"><title>{}</title></rect><text x="{}" y="{}" font-size="11" fill="#1f2933">{value}</text>"##,
                    BAR - 2,
                    esc(&tip),
                    LABEL_WIDTH + len + 4,
                    y + BAR - 4
                );
            }
            svg.push_str("</g>");
        }
        svg.push_str("</svg>");
        svg
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chart(series: Vec<String>, categories: Vec<Category>) -> String {
        BarChart { id: "c1", title: "需求 <人数>", desc: "by skill", series, categories }.to_svg()
    }

    #[test]
    fn a_chart_is_accessible_svg_without_style_attributes() {
        let svg = chart(
            vec!["headcount".into()],
            vec![Category { label: "焊接 & cutting".into(), values: vec![12] }, Category { label: "b".into(), values: vec![3] }],
        );
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains(r#"role="img""#) && svg.contains(r#"aria-labelledby="c1-title c1-desc""#));
        assert!(svg.contains(r#"<title id="c1-title">需求 &lt;人数&gt;</title>"#), "the title is escaped: {svg}");
        assert!(svg.contains("<title>焊接 &amp; cutting: 12</title>"), "each bar names its value");
        assert!(!svg.contains("style="), "the CSP forbids style attributes");
        assert!(!svg.contains("<script"), "no script");
        // The largest bar fills the plot; the others are to scale.
        assert!(svg.contains(&format!(r##"width="{}" height="12" fill="#9c1c1c" data-value="12""##, WIDTH - LABEL_WIDTH - VALUE_WIDTH)));
        assert!(svg.contains(r##"width="103" height="12" fill="#9c1c1c" data-value="3""##), "{svg}");
    }

    #[test]
    fn several_series_get_a_legend_and_their_own_colours() {
        let svg = chart(vec!["issued".into(), "revoked".into()], vec![Category { label: "萍乡市".into(), values: vec![10, 1] }]);
        assert!(svg.contains(">issued</text>") && svg.contains(">revoked</text>"));
        assert!(svg.contains(r##"fill="#2b6cb0" data-value="1""##));
        assert!(svg.contains("<title>萍乡市 · revoked: 1</title>"));
    }

    #[test]
    fn an_empty_chart_and_long_labels_still_draw() {
        let svg = chart(vec!["n".into()], vec![]);
        assert!(svg.contains("—"));
        assert_eq!(fit("工业机器人系统运维员工业机器人系统运维员工业机器人系统运维员", 10), "工业机器人…");
        assert_eq!(fit("short", 10), "short");
    }
}
