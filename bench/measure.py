"""Timing helpers: warm-ups, repeated runs, medians, and the line each figure prints."""

import gc
import statistics
import time
from contextlib import contextmanager
from dataclasses import dataclass


@contextmanager
def _no_gc():
    """Time without the cyclic garbage collector, as timeit does: a collection of the whole heap is not the cost."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _samples_ns(function, repeat, number, warmup):
    """Wall times of ``repeat`` runs of ``number`` calls of ``function``, in ns per call, after ``warmup`` calls."""
    for _ in range(warmup):
        function()
    samples = []
    with _no_gc():
        for _ in range(repeat):
            start = time.perf_counter_ns()
            for _ in range(number):
                function()
            samples.append((time.perf_counter_ns() - start) / number)
    return samples


def median_ns(function, *, repeat=5, number=1, warmup=1):
    """Median wall time of ``number`` calls of ``function``, in ns per call, over ``repeat`` runs."""
    return statistics.median(_samples_ns(function, repeat, number, warmup))


def best_ns(function, *, repeat=15, number=1, warmup=1):
    """
    Fastest of ``repeat`` runs, in ns per call.

    Another process on the core only ever adds time, so a target on a microsecond cost holds on a busy machine
    (CI, the bench smoke test) as it does on an idle one.
    """
    return min(_samples_ns(function, repeat, number, warmup))


def interleaved_ns(first, second, *, repeat=15, number=1000):
    """Fastest blocks of two functions timed in alternating blocks, so machine noise hits both alike."""
    first_samples, second_samples = [], []
    for function in (first, second):
        for _ in range(number // 10 or 1):
            function()
    with _no_gc():
        for _ in range(repeat):
            for function, samples in ((first, first_samples), (second, second_samples)):
                start = time.perf_counter_ns()
                for _ in range(number):
                    function()
                samples.append((time.perf_counter_ns() - start) / number)
    return min(first_samples), min(second_samples)


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
