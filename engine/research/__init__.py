"""Research scripts (probes, long-needle runs, comparisons, curves): run by hand, imported by nothing in the product."""
