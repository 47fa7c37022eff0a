"""Performance management: indicators defined as data, their facts per province and period,
targets, scorecards and the ranking of provincial health managers."""
