"""Merit-based appointment of managers: posts, calls, candidates, stage scores, ranking by a
published rule with quotas, offers, and the adverse-impact report."""
