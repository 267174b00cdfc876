"""Rules of the emulated Flow Service: resources, validation, patching, listing.

Nothing here imports Flask, so the rules are tested directly and reused by
the CLI and the run engine.
"""
