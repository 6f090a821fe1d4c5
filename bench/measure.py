"""Timing helpers: warm-ups, repeated runs, medians, and the line each figure prints."""

import statistics
import time
from dataclasses import dataclass


def median_ns(function, *, repeat=5, number=1, warmup=1):
    """Median wall time of ``number`` calls of ``function``, in ns per call, over ``repeat`` runs."""
    for _ in range(warmup):
        function()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter_ns()
        for _ in range(number):
            function()
        samples.append((time.perf_counter_ns() - start) / number)
    return statistics.median(samples)


def interleaved_ns(first, second, *, repeat=15, number=1000):
    """Medians of two functions timed in alternating blocks, so machine noise hits both alike."""
    first_samples, second_samples = [], []
    for function in (first, second):
        for _ in range(number // 10 or 1):
            function()
    for _ in range(repeat):
        for function, samples in ((first, first_samples), (second, second_samples)):
            start = time.perf_counter_ns()
            for _ in range(number):
                function()
            samples.append((time.perf_counter_ns() - start) / number)
    return statistics.median(first_samples), statistics.median(second_samples)


def human(ns):
    """Format a duration given in ns."""
    for unit, size in (("s", 1e9), ("ms", 1e6), ("us", 1e3)):
        if ns >= size:
            return f"{ns / size:.3g} {unit}"
    return f"{ns:.3g} ns"


@dataclass
class Figure:
    """One printed figure: two measurements, their ratio, and the target it must meet."""

    name: str
    ours: str
    reference: str
    ratio: float
    target: str
    passed: bool

    def line(self):
        """Name, both measurements, the ratio, the target, PASS or FAIL."""
        verdict = "PASS" if self.passed else "FAIL"
        return (
            f"{verdict}  {self.name}: ours {self.ours}; {self.reference}; ratio {self.ratio:.2f}x; target {self.target}"
        )


def info(name, text):
    """Return the line of a figure that has no target."""
    return f"INFO  {name}: {text}"
