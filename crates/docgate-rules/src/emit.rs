//! Collecting findings: applies each rule's severity to its verdict, drops rules that are off.

use docgate_core::{Finding, Region, RuleId, Severity, Verdict};

/// Accumulates findings while rules run.
#[derive(Debug, Default)]
pub struct Emitter {
    findings: Vec<Finding>,
}

/// The evidence attached to one verdict.
#[derive(Debug, Default, Clone)]
pub struct Evidence {
    /// The measured value, where a number was compared.
    pub measured: Option<f64>,
    /// The threshold it was compared with.
    pub threshold: Option<f64>,
    /// Where on the page.
    pub region: Option<Region>,
}

impl Evidence {
    /// A measured value compared with a threshold.
    pub fn compared(measured: f64, threshold: f64) -> Evidence {
        Evidence {
            measured: Some(measured),
            threshold: Some(threshold),
            region: None,
        }
    }
}

impl Emitter {
    /// Records a verdict under a severity. Nothing is recorded when the rule is off.
    pub fn verdict(
        &mut self,
        rule: RuleId,
        severity: Severity,
        document: Option<&str>,
        verdict: Verdict,
        message: String,
        evidence: Evidence,
    ) {
        if let Some(outcome) = verdict.outcome(severity) {
            self.findings.push(Finding {
                rule,
                document: document.map(str::to_string),
                outcome,
                message,
                measured: evidence.measured,
                threshold: evidence.threshold,
                region: evidence.region,
            });
        }
    }

    /// Consumes the emitter.
    pub fn into_findings(self) -> Vec<Finding> {
        self.findings
    }
}
