"""The integrity score (诚信积分, R-5.4): a versioned, explainable score model, computed only for
people who opted in, informational only."""
