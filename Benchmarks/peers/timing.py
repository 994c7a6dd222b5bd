"""Timing shared by the benchmark peers: warm-up, then the median of timed calls."""
import time


def median(xs):
    s = sorted(xs)
    n = len(s)
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2


def timed(step, repeats, warmup):
    """Median milliseconds of `repeats` calls of `step` after `warmup` untimed calls."""
    for _ in range(warmup):
        step()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
    return median(times) * 1e3
