"""Public figures: what the tip line received and achieved, per month, region and category."""
