"""Medal tables, leaderboards and tallies over a period."""

from ninja import Router

router = Router()
