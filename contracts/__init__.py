"""The contract of the real Flow Service API for destinations, as tests that run against any target.

``pytest contracts --target=inprocess|http|real`` (README, "Contract tests").
"""
