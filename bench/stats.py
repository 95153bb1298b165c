"""Shared by the bench/ scripts' reports: medians with their range over interleaved rounds, and
per-round ratios marked `~` unless a two-sided exact Mann-Whitney U test of the two samples gives
p < 0.05 (the rule of the compare tool; with 3 rounds no ratio can reach it, with 5 the smallest
p is 0.008)."""
import itertools
import statistics


def mwu_p(a, b):
    """Two-sided exact Mann-Whitney U p-value (permutation distribution of the rank sum, midranks for ties)."""
    pooled = sorted(a + b)
    rank = {v: statistics.mean(i + 1 for i, x in enumerate(pooled) if x == v) for v in set(pooled)}
    ranks = [rank[v] for v in a + b]
    n, mean = len(a), len(a) * (len(a) + len(b) + 1) / 2
    observed = sum(ranks[:n])
    combos = list(itertools.combinations(ranks, n))
    return sum(1 for c in combos if abs(sum(c) - mean) >= abs(observed - mean) - 1e-9) / len(combos)


def ratio(a, b):
    """Median of the per-round ratios a[i] / b[i], as text: '1.17x', or '~ (1.17x)' when not significant."""
    med = statistics.median(x / y for x, y in zip(a, b))
    return f"{med:.2f}x" if mwu_p(list(a), list(b)) < 0.05 else f"~ ({med:.2f}x)"


def cell(values, fmt="{:.3f}"):
    """Median [min-max] of values."""
    return f"{fmt.format(statistics.median(values))} [{fmt.format(min(values))}-{fmt.format(max(values))}]"
