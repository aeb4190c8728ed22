"""What is measured: the Prometheus-style store of Istio metrics and the run's recorder.

:mod:`.tally` is what traffic produces (requests per series and time bucket); :mod:`.store`
turns it into the counters and histograms that PromQL queries read, labelled as real
Istio and a real scrape label them (:mod:`.labels`), per scraped pod with staleness when a pod
is gone (:mod:`.targets`, dealt by :mod:`.dealing`), kept as series and samples by
:mod:`.samples`; :mod:`.export` writes them as OpenMetrics; :mod:`.recorder` the snapshots
(built by :mod:`.snapshot`), events and series that become the Result.

May import: NumPy, the engine, :mod:`canarysim.result`.
"""
