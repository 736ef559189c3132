"""Periodic reports: weekly and monthly figures per region, made in the background, kept and downloadable."""
