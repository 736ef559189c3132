"""Enforcement actions on platforms: proposed in a case, approved by a supervisor, in force until lifted or ended."""
