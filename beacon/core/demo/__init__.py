"""Demo data for `beacon demo_load`: people, teams, macros and a few hundred realistic tickets."""
