"""Clock-driven machinery of the mock (schedules, exports, naming, storage, runs); no Flask here."""
