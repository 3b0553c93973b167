"""Competitions, events, entries, organizations, skills, students, coaches, departments."""

from ninja import Router

router = Router()
