"""`make bench`: benchmarks, and the bench-only settings, URLs and bare baseline views the web benchmark serves."""
