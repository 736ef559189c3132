"""Organisations that report: schools, parent committees, industry associations, social organisations."""
