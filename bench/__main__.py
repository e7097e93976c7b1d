"""`python -m bench` lists the benchmarks."""

print(__doc__)
print("python -m bench.latency [--quick]      stop -> report, streaming vs after-stop")
print("python -m bench.cost [--quick]         transcription and scoring cost, linearity")
print("python -m bench.startup                import, --help, drill to first spoken word")
print("python -m bench.memory                 peak RSS of a drill round and a 10-min score")
print("python -m bench.recognition            WER, term recall, filler recall")
print("python -m bench.scoring                validity on labelled answers")
print("python -m bench.run_all [--quick]      all of the above, one table each")
