"""The co-chairs' workspace: pledges, agreements, disbursements, requirements and the register import."""
