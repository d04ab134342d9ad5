"""The drive heals itself: finds what a lost message, a lost object or a lost index file left behind
(`findings`), repairs it (`repair`), and says what it found (`run`, and cheaply for /health in `drift`).
Run by `python -m imagedrive reconcile`, by `./dev up` after start, and in AWS by the scheduled
reconciler function."""
