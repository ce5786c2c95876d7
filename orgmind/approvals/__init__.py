"""Approval gates (the policy) and the approval lifecycle of gated decisions."""
