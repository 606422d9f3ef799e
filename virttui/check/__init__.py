"""The host-wide audit (`virttui check`, the Health screen): one module per family of checks,
one report type (report.Finding, report.Report)."""
