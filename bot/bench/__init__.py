"""`bot bench`: how fast, how big and how well Sild matches, against simple baselines, in one run.

Parts: matching quality against two baselines (`quality`), matching latency on real and
synthetic content (`latency`, `synthetic`), memory and start-up in a fresh process (`memory`),
and end to end through a fake Telegram Bot API server (`e2e`). `run` ties them together into
one table and one JSON document.
"""
