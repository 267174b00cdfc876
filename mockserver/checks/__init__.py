"""What a client maintainer checks against the mock: the request journal, fault rules, conformance.

No Flask here: the WSGI layer (``mockserver.api.wire``) feeds the journal and asks the fault
rules, the admin API (``mockserver.api.checks``) reads them, and the conformance rules read the
journal's exchanges.
"""
