"""Staff case management: sign-in, triage, find together, handle together."""
