"""The conversation flows. Each is a small state machine over `Turn`; the engine routes to them.

States (kept in the database, so a restart loses nothing):

    new ──> onboarding.language ──> onboarding.country ──> menu
                                                          │  ▲
                           category:<name>  <─────────────┤  │
                           answer:<id> / suggest  <───────┘  │  (Back to menu, /menu)
"""
