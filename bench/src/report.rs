//! Figures as the harness prints them: one line each with the median of the runs,
//! every run's value, the goal, and a ratio against a ceiling measured in the same run.

use crate::stats::median;

#[derive(Debug, Clone)]
pub struct Figure {
    pub scenario: &'static str,
    pub target: String,
    pub name: String,
    pub unit: &'static str,
    pub runs: Vec<f64>,
    /// The target from the issue, as text ("≥ 5,000").
    pub goal: &'static str,
    /// (median of the ceiling's runs, what the ceiling is).
    pub ceiling: Option<(f64, String)>,
}

impl Figure {
    pub fn new(scenario: &'static str, target: &str, name: &str, unit: &'static str) -> Self {
        Self {
            scenario,
            target: target.to_string(),
            name: name.to_string(),
            unit,
            runs: Vec::new(),
            goal: "",
            ceiling: None,
        }
    }

    pub fn runs(mut self, runs: Vec<f64>) -> Self {
        self.runs = runs;
        self
    }

    pub fn goal(mut self, goal: &'static str) -> Self {
        self.goal = goal;
        self
    }

    pub fn ceiling(mut self, runs: &[f64], what: &str) -> Self {
        self.ceiling = Some((median(runs), what.to_string()));
        self
    }

    pub fn median(&self) -> f64 {
        median(&self.runs)
    }

    fn fmt(&self, v: f64) -> String {
        match self.unit {
            "ms" => format!("{v:.2}"),
            "MiB" | "x" => format!("{v:.1}"),
            _ => format!("{v:.0}"),
        }
    }

    /// One line for the terminal, printed as soon as the figure exists.
    pub fn line(&self) -> String {
        let runs: Vec<String> = self.runs.iter().map(|v| self.fmt(*v)).collect();
        let mut line = format!(
            "{:<10} {:<15} {:<34} {:>10} {:<6} runs [{}]",
            self.scenario,
            self.target,
            self.name,
            self.fmt(self.median()),
            self.unit,
            runs.join(", ")
        );
        if !self.goal.is_empty() {
            line += &format!("  goal {}", self.goal);
        }
        if let Some((ceiling, what)) = &self.ceiling {
            line += &format!(
                "  = {:.0} % of {what} ({} {})",
                100.0 * self.median() / ceiling,
                self.fmt(*ceiling),
                self.unit
            );
        }
        line
    }

    /// A Markdown table row (BENCHMARKS.md).
    pub fn row(&self) -> String {
        let ratio = self.ceiling.as_ref().map_or(String::new(), |(c, what)| {
            format!(
                "{:.0} % of {what} ({})",
                100.0 * self.median() / c,
                self.fmt(*c)
            )
        });
        let runs: Vec<String> = self.runs.iter().map(|v| self.fmt(*v)).collect();
        format!(
            "| {} | {} | {} | **{} {}** | {} | {} | {} |",
            self.scenario,
            self.target,
            self.name,
            self.fmt(self.median()),
            self.unit,
            runs.join(" · "),
            self.goal,
            ratio
        )
    }
}

pub fn table(figures: &[Figure]) -> String {
    let mut out = String::from(
        "| scenario | target | figure | median | runs | goal | ratio to ceiling |\n|---|---|---|---|---|---|---|\n",
    );
    for f in figures {
        out += &f.row();
        out.push('\n');
    }
    out
}
