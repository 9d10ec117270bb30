// Benchmarks, perplexity and quality measurement.
