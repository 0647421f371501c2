"""One training path for every run, built on transformers.Trainer."""
