"""The performance suite: ratios against the alternatives, measured side by side in one run."""
