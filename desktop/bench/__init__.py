"""``lorafy bench``: what Lorafy exists for, measured side by side in one run on the user's path.

Teach vs prefill, question cost, hot-swap, memory, quality, ingestion and hypernetwork variants. Every
row pairs our figure with the comparison measured in the same process (ONNX Runtime + llama.cpp, no
torch) and their ratio, always ``ours / comparison``: below 1 is better for times and bytes, above 1 for
accuracy and throughput. Targets are printed as pass/fail, never asserted.

- ``config``: sections, sizes, :class:`BenchConfig`, :class:`Row`
- ``measure``: the run's shared state and timing helpers
- ``sections``: teach, question, swap, memory, quality, ingest
- ``variants``: the int8 ONNX hypernetwork (graph materialised and quantized) vs fp32
- ``report``: machine line, table, plot
- ``cli``: flags, the run, JSON output
"""
