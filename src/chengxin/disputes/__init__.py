"""Disputes: objections (异议, R-4.1), credit repair (信用修复, R-4.3), explanations (自主解释)."""
